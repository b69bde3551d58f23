// @ts-check
/// <reference path="bridge.d.ts" />
// Logins: "an administrator just signed in", with place, browser and a button to the user.
// Pair it with a rule that matches the logins you care about, for example:
//   - name: admin-login
//     match: { action: login, group: "authentik Admins" }
//     mapping: admin-login.js
// Try it:  bridge try --mapping mappings/admin-login.js samples/payloads/authentik/event-login-admin.json
// Tests:   tests/admin-login.yaml (bridge test)

/**
 * Called once per matching event. Return a message object, an array of them, or null to send nothing.
 * @param {BridgeEvent} event
 * @param {BridgeContext} ctx
 * @returns {MapResult}
 */
function map(event, ctx) {
  const user = event.user;
  const name = user?.username || 'someone';
  const where = bridge.place(event);
  const agent = event.context?.http_request?.user_agent;

  const lines = [
    `${name} (${user?.email || 'no email'}) signed in to Authentik.`,
    `IP: ${event.client_ip || 'unknown'}${where ? ` · ${where}` : ''}`,
  ];
  if (agent) lines.push(`Browser: ${bridge.browser(agent)}`);
  // Authentik marks a device it has seen before; a new one is worth a second look.
  if (event.context?.auth_method_args?.known_device === false) lines.push('New device');

  return {
    title: `Admin login: ${name}`,
    message: lines.join('\n'),
    priority: 'high',             // 1 min … 5 max; names work too
    tags: ['key', 'admin'],       // "key" shows as 🔑 on the phone
    // With the source's base_url set, a button opens the user in Authentik's admin UI (null entries are dropped).
    actions: [bridge.viewAction('Open user', bridge.userUrl(ctx, user))].filter(Boolean),
    // With server.public_url set, tapping the notification opens this event on the bridge's dashboard.
    click: bridge.links.event(event, ctx),
  };
}
