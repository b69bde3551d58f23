// @ts-check
/// <reference path="bridge.d.ts" />
// An administrator started or stopped impersonating a user. Authentik records the event as the impersonated
// user, with the administrator in user.on_behalf_of (not normalised by the bridge, so read from the raw event).
//   - name: impersonation
//     match: { action: [impersonation_started, impersonation_ended] }
//     mapping: impersonation.js
// Try it:  bridge try --mapping mappings/impersonation.js samples/payloads/authentik/event-impersonation-started.json
// Tests:   tests/impersonation.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const started = event.action !== 'impersonation_ended';
  const raw = bridge.authentikEvent(event);
  const admin = raw?.user?.on_behalf_of?.username;
  const target = event.user?.username || 'a user';
  // Without on_behalf_of (older releases, the default body) the event user is all there is.
  const subject = admin ? `${admin} ${started ? 'is now acting as' : 'stopped acting as'} ${target}` : `${target}: impersonation ${started ? 'started' : 'ended'}`;

  const lines = [`${subject}.`];
  const reason = event.context?.reason;
  if (started && reason) lines.push(`Reason: ${reason}`);
  if (event.client_ip) lines.push(`IP: ${event.client_ip}`);

  return {
    title: started ? `Impersonation started: ${target}` : `Impersonation ended: ${target}`,
    message: lines.join('\n'),
    // Starting is what needs eyes on it; the end only closes the story.
    priority: started ? 'high' : 'low',
    tags: ['detective', event.action || 'impersonation'],
    actions: [bridge.viewAction(`Open ${target}`, bridge.userUrl(ctx, event.user))].filter(Boolean),
  };
}
