// @ts-check
/// <reference path="bridge.d.ts" />
// A password was set: by its owner in a flow, by an admin in the UI, or through recovery. Worth knowing about
// for accounts that matter (pair it with a group match), and a hint of takeover when nobody expected it.
//   - name: admin-password-changes
//     match: { action: password_set, group: "authentik Admins" }
//     mapping: password-set.js
// Try it:  bridge try --mapping mappings/password-set.js samples/payloads/authentik/event-password-set.json
// Tests:   tests/password-set.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const who = event.user?.username || 'someone';
  const request = event.context?.http_request || {};
  const where = bridge.place(event);
  // The flow's path says how: a recovery flow is the "forgot password" link, the API is an admin.
  const path = request.path || '';
  const how = /recovery/.test(path) ? 'through account recovery'
    : path.startsWith('/api/v3/core/users/') ? 'by an administrator'
    : path ? 'in a password change flow' : '';

  const lines = [`${who} has a new password${how ? ` (${how})` : ''}.`];
  if (event.client_ip) lines.push(`IP: ${event.client_ip}${where ? ` · ${where}` : ''}`);
  if (request.user_agent) lines.push(`Browser: ${bridge.browser(request.user_agent)}`);
  if (event.created) lines.push(`When: ${bridge.ago(event.created)}`);

  return {
    title: `Password set: ${who}`,
    message: lines.join('\n'),
    priority: bridge.priority(event.severity),
    tags: ['lock', 'password_set'],
    actions: [bridge.viewAction('Open user', bridge.userUrl(ctx, event.user))].filter(Boolean),
  };
}
