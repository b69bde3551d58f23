// @ts-check
/// <reference path="bridge.d.ts" />
// An administrator started or stopped impersonating a user. Authentik records the administrator as the event's
// user and the impersonated account in user.on_behalf_of, on impersonation_started and on every event made
// during the impersonation; impersonation_ended has the administrator alone (the session no longer names the
// account). on_behalf_of is not normalised by the bridge, so it is read from the raw event.
//   - name: impersonation
//     match: { action: [impersonation_started, impersonation_ended] }
//     mapping: impersonation.js
// Try it:  bridge try --mapping mappings/impersonation.js samples/payloads/authentik/event-impersonation-started.json
// Tests:   tests/impersonation.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const started = event.action !== 'impersonation_ended';
  const admin = event.user?.username || 'An administrator';
  const target = bridge.authentikEvent(event)?.user?.on_behalf_of;
  const targetName = target?.username;

  let subject;
  if (started) subject = targetName ? `${admin} is now acting as ${targetName}` : `${admin} started impersonating a user`;
  else subject = `${admin} stopped impersonating`;

  const lines = [`${subject}.`];
  const reason = event.context?.reason;
  if (started && reason) lines.push(`Reason: ${reason}`);
  if (event.client_ip) lines.push(`IP: ${event.client_ip}`);

  return {
    title: started ? `Impersonation started: ${admin}` : `Impersonation ended: ${admin}`,
    message: lines.join('\n'),
    // Starting is what needs eyes on it; the end only closes the story.
    priority: started ? 'high' : 'low',
    tags: ['detective', event.action || 'impersonation'],
    // The account being acted as is the one to look at; the administrator when it is not known.
    actions: [bridge.viewAction(targetName ? `Open ${targetName}` : `Open ${admin}`, bridge.userUrl(ctx, target || event.user))].filter(Boolean),
  };
}
