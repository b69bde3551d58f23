// @ts-check
/// <reference path="bridge.d.ts" />
// A failed login attempt: which name was tried, from which address and place, through which stage.
//   - name: failed-login
//     match: { action: login_failed }
//     mapping: failed-login.js
//     group: { by: [context.username], window: 5m, interval: 30s }   # one card per guessed account, updated in place
//     # or instead: throttle: { max: 5, per: 10m, by: [context.username] }   # 5 pushes per account per 10 min, then one digest
// Try it:  bridge try --mapping mappings/failed-login.js samples/payloads/authentik/event-login-failed.json
// Tests:   tests/failed-login.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  // Authentik records the name that was typed in context.username. Since 2024.8 the event's user is the account
  // of that name (AnonymousUser only when no account has it); the default transport body carries only that user.
  const attempted = context.username || event.user?.username || 'unknown user';
  const where = bridge.place(event);

  // A grouped rule's card counts the whole storm first: "47 failed logins in 3 min from 3 addresses".
  const storm = bridge.incident(ctx.group, 'failed logins');
  // A throttled rule's digest at the end of a period: "alice: 37 more failed logins held by the throttle, 10:00-10:10 UTC from 3 addresses".
  const digest = bridge.digest(ctx.throttle, 'failed logins');
  const closed = storm && ctx.group?.phase === 'close';
  // A storm's closing card has no mute button: the storm is over.
  const mute = closed ? null : bridge.muteAction(ctx);
  const head = storm ? (closed ? `${storm}; it stopped ${bridge.ago(ctx.group?.last)}.` : `${storm}.`) : digest ? `${digest}.` : '';
  const lines = head ? [head, 'Latest:'] : [];
  lines.push(`Someone tried to sign in as ${attempted}.`);
  // The default transport body carries no address: say nothing rather than "unknown".
  if (event.client_ip) lines.push(`IP: ${event.client_ip}${where ? ` · ${where}` : ''}`);
  if (context.asn?.as_org) lines.push(`Network: ${context.asn.as_org}`);
  if (context.stage?.name) lines.push(`Stage: ${context.stage.name}`);
  if (context.http_request?.user_agent) lines.push(`Client: ${bridge.browser(context.http_request.user_agent)}`);

  return {
    title: storm ? `${closed ? 'Over: ' : ''}${attempted}: ${ctx.group?.count} failed logins`
      : digest ? `${attempted}: ${ctx.throttle?.held} more failed logins` : `Failed login: ${attempted}`,
    message: lines.join('\n'),
    // The Authentik rule's severity says how loud to be: notice → default, warning → high, alert → urgent. The
    // closing card of a storm is quiet: it only says it is over.
    priority: closed ? 'low' : bridge.priority(event.severity),
    tags: ['warning', 'login_failed'],
    click: bridge.links.event(event, ctx) || bridge.eventUrl(ctx, event),
    // "Mute 1 h" (with server.public_url): holds this rule's failed logins for this account for an hour.
    ...(mute ? { actions: [mute] } : {}),
  };
}
