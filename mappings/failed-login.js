// @ts-check
/// <reference path="bridge.d.ts" />
// A failed login attempt: which name was tried, from which address and place, through which stage.
//   - name: failed-login
//     match: { action: login_failed }
//     mapping: failed-login.js
// Try it:  bridge try --mapping mappings/failed-login.js samples/payloads/authentik/event-login-failed.json
// Tests:   tests/failed-login.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  // Authentik records the name that was typed in context.username. Since 2024.8 the event's user is the account
  // of that name (AnonymousUser only when no account has it); the default transport body carries only that user.
  const attempted = context.username || event.user?.username || 'unknown user';
  const where = bridge.place(event);

  const lines = [`Someone tried to sign in as ${attempted}.`];
  // The default transport body carries no address: say nothing rather than "unknown".
  if (event.client_ip) lines.push(`IP: ${event.client_ip}${where ? ` · ${where}` : ''}`);
  if (context.asn?.as_org) lines.push(`Network: ${context.asn.as_org}`);
  if (context.stage?.name) lines.push(`Stage: ${context.stage.name}`);
  if (context.http_request?.user_agent) lines.push(`Client: ${bridge.browser(context.http_request.user_agent)}`);

  return {
    title: `Failed login: ${attempted}`,
    message: lines.join('\n'),
    // The Authentik rule's severity says how loud to be: notice → default, warning → high, alert → urgent.
    priority: bridge.priority(event.severity),
    tags: ['warning', 'login_failed'],
    click: bridge.eventUrl(ctx, event),
  };
}
