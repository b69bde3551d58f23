// @ts-check
/// <reference path="bridge.d.ts" />
// Authentik refused a request it found suspicious (a tampered token, a forged host header, a bad signature…).
// One is noise; many from the same address is someone probing. The message says what, from where, on which path.
//   - name: suspicious-requests
//     match: { action: suspicious_request }
//     mapping: suspicious-request.js
// Tests:   tests/suspicious-request.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  const request = context.http_request || {};
  const where = bridge.place(event);

  const lines = [context.message || event.summary || 'Authentik refused a suspicious request.'];
  if (event.client_ip) lines.push(`From: ${event.client_ip}${where ? ` · ${where}` : ''}${context.asn?.as_org ? ` (${context.asn.as_org})` : ''}`);
  if (request.path) lines.push(`Request: ${request.method || 'GET'} ${bridge.clip(request.path, 120)}`);
  if (request.user_agent) lines.push(`Client: ${bridge.browser(request.user_agent)}`);
  const who = event.user?.username;
  if (who && who !== 'AnonymousUser') lines.push(`Signed in as: ${who}`);

  return {
    title: `Suspicious request${event.client_ip ? ` from ${event.client_ip}` : ''}`,
    message: lines.join('\n'),
    priority: bridge.priority(event.severity, 4),
    tags: ['no_entry', 'suspicious_request'],
    click: bridge.links.event(event, ctx) || bridge.eventUrl(ctx, event),
  };
}
