// A failed login attempt: who was tried, from where.
//   - name: failed-login
//     match: { action: login_failed }
//     mapping: failed-login.js

/**
 * @param {{ action: string, client_ip: ?string, summary: ?string,
 *           user: ?{ username: ?string },
 *           context: ?{ username?: string, geo?: { city?: string, country?: string },
 *                       stage?: { name?: string }, http_request?: { user_agent?: string } } }} event
 * @param {{ base_url: ?string }} ctx
 * @returns {object}
 */
function map(event, ctx) {
  const context = event.context || {};
  // Authentik records the name that was typed in context.username; older webhook bodies only carry the event user.
  const attempted = context.username || (event.user && event.user.username) || 'unknown user';
  const geo = context.geo || {};
  const where = [geo.city, geo.country].filter(Boolean).join(', ');

  const lines = [`Someone tried to sign in as ${attempted}.`];
  // The default transport body carries no IP: say nothing rather than "unknown".
  if (event.client_ip) lines.push(`IP: ${event.client_ip}${where ? ` · ${where}` : ''}`);
  if (context.stage && context.stage.name) lines.push(`Stage: ${context.stage.name}`);
  if (context.http_request && context.http_request.user_agent) lines.push(`Client: ${context.http_request.user_agent}`);

  return {
    title: `Failed login: ${attempted}`,
    message: lines.join('\n'),
    // The Authentik rule's severity says how loud to be: notice → default, warning → high, alert → urgent.
    priority: { alert: 'urgent', warning: 'high' }[event.severity] || 'default',
    tags: ['warning', 'login_failed'],
    click: ctx.base_url ? `${ctx.base_url.replace(/\/+$/, '')}/if/admin/#/events/log` : null,
  };
}
