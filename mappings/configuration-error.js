// @ts-check
/// <reference path="bridge.d.ts" />
// Authentik found a configuration problem (bad redirect URI, broken flow, missing certificate…): someone must fix it.
// Errors are urgent; warnings (configuration_warning) are one step quieter.
//   - name: config-problems
//     match: { action: [configuration_error, configuration_warning] }
//     mapping: configuration-error.js
// Try it:  bridge try --mapping mappings/configuration-error.js samples/payloads/authentik/event-configuration-error.json
// Tests:   tests/configuration-error.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  const warning = event.action === 'configuration_warning';
  const lines = [context.message || event.summary || (warning ? 'Configuration warning' : 'Configuration error')];
  const provider = /** @type {AuthentikModelRef | undefined} */ (context.provider);
  if (provider?.name) lines.push(`Provider: ${provider.name}`);
  if (context.redirect_uri) lines.push(`Redirect URI: ${context.redirect_uri}`);
  if (event.user?.username && event.user.username !== 'AnonymousUser') lines.push(`Seen while ${event.user.username} was signing in`);
  if (event.app) lines.push(`Reported by ${event.app}`);

  return {
    title: warning ? 'Authentik configuration warning' : 'Authentik configuration error',
    message: lines.join('\n'),
    priority: warning ? 'high' : 'urgent',
    tags: warning ? ['warning', 'configuration_warning'] : ['rotating_light', 'configuration_error'],
    click: bridge.links.event(event, ctx) || bridge.eventUrl(ctx, event),
  };
}
