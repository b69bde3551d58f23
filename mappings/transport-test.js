// @ts-check
/// <reference path="bridge.d.ts" />
// The "Test" button of Authentik's webhook transport (action custom_notification_test). Seeing this on the phone
// proves the whole path: Authentik → bridge (token accepted) → rules → mapping → ntfy → phone.
//   - name: transport-test
//     match: { action: custom_notification_test }
//     mapping: transport-test.js
//     stop: true
// Try it:  bridge try --mapping mappings/transport-test.js samples/payloads/authentik/default-body-test-notification.json
// Tests:   tests/transport-test.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  // The body reads "Test Notification from transport <name>".
  const transport = (/from transport (.+)$/.exec(event.summary || '') || [])[1];
  return {
    title: 'Authentik can reach you',
    message: `${transport ? `Transport "${transport}"` : 'The webhook transport'} → bridge rule "${ctx.rule}" → this phone. All connected.`,
    priority: 'low',
    tags: ['white_check_mark', 'test'],
  };
}
