// @ts-check
/// <reference path="bridge.d.ts" />
// Someone is guessing an administrator's password. Since Authentik 2024.8 a failed login belongs to the account
// whose name was tried, with that account's groups, so a rule can single out admin accounts:
//   - name: admin-failed-login
//     match: { action: login_failed, group: authentik Admins }
//     mapping: admin-failed-login.js
// Groups come from the body mapping (samples/authentik/body-mapping.py) or from the source's authentik_api.
// Try it:  bridge try --mapping mappings/admin-failed-login.js samples/payloads/authentik/event-login-failed.json
// Tests:   tests/admin-failed-login.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  const account = event.user?.username || context.username || 'an administrator';
  const where = bridge.place(event);

  const lines = [`Someone tried to sign in as ${account}, an administrator, and failed.`];
  if (event.client_ip) lines.push(`IP: ${event.client_ip}${where ? ` · ${where}` : ''}`);
  if (context.asn?.as_org) lines.push(`Network: ${context.asn.as_org}`);
  if (context.stage?.name) lines.push(`Stage: ${context.stage.name}`);
  if (context.http_request?.user_agent) lines.push(`Client: ${bridge.browser(context.http_request.user_agent)}`);

  return {
    title: `Failed admin login: ${account}`,
    message: lines.join('\n'),
    // Loud whatever the Authentik rule said: a guessed admin password is worth waking up for.
    priority: 'urgent',
    tags: ['rotating_light', 'login_failed', 'admin'],
    click: bridge.eventUrl(ctx, event),
    actions: [
      bridge.viewAction(`Open ${account}`, bridge.userUrl(ctx, event.user)),
      bridge.viewAction('Failed logins', bridge.adminUrl(ctx, '/events/log?search=action%3D%22login_failed%22')),
    ].filter(Boolean),
  };
}
