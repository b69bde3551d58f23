// Authentik found a configuration problem (bad redirect URI, broken policy…). Someone must fix it.
//   - name: config-errors
//     match: { action: configuration_error }
//     mapping: configuration-error.js

/**
 * @param {{ action: string, app: ?string, summary: ?string, client_ip: ?string,
 *           user: ?{ username: ?string },
 *           context: ?{ message?: string, provider?: { name?: string }, redirect_uri?: string } }} event
 * @param {{ base_url: ?string }} ctx
 * @returns {object}
 */
function map(event, ctx) {
  const context = event.context || {};
  const lines = [context.message || event.summary || 'Configuration error'];
  if (context.provider && context.provider.name) lines.push(`Provider: ${context.provider.name}`);
  if (context.redirect_uri) lines.push(`Redirect URI: ${context.redirect_uri}`);
  if (event.user && event.user.username) lines.push(`Seen while ${event.user.username} was signing in`);
  if (event.app) lines.push(`Reported by ${event.app}`);

  return {
    title: 'Authentik configuration error',
    message: lines.join('\n'),
    priority: 'urgent',
    tags: ['rotating_light', 'configuration_error'],
    click: ctx.base_url ? `${ctx.base_url.replace(/\/+$/, '')}/if/admin/#/events/log` : null,
  };
}
