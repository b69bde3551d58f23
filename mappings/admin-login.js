// "An administrator just logged in."
// Pair it with a rule that matches admin logins, for example:
//   - name: admin-login
//     match: { action: login, group: "authentik Admins" }
//     mapping: admin-login.js
//
// Try it:  bridge try --mapping mappings/admin-login.js samples/payloads/authentik/event-login-admin.json

/**
 * Called once per matching event. Return a message object, an array of them, or null to send nothing.
 * @param {{ id: string, action: string, client_ip: ?string,
 *           user: ?{ pk: ?string, username: ?string, email: ?string, groups: string[] },
 *           context: ?{ geo?: { city?: string, country?: string }, http_request?: { user_agent?: string } } }} event
 * @param {{ rule: string, topic: ?string, base_url: ?string }} ctx
 * @returns {object|null}
 */
function map(event, ctx) {
  const user = event.user || {};
  const context = event.context || {};
  const geo = context.geo || {};
  const agent = (context.http_request && context.http_request.user_agent) || '';

  const where = [geo.city, geo.country].filter(Boolean).join(', ');
  const lines = [
    `${user.username} (${user.email || 'no email'}) signed in to Authentik.`,
    `IP: ${event.client_ip || 'unknown'}${where ? ` · ${where}` : ''}`,
  ];
  if (agent) lines.push(`Browser: ${browser(agent)}`);

  const message = {
    title: `Admin login: ${user.username}`,
    message: lines.join('\n'),
    priority: 'high',           // 1 min … 5 max; names work too
    tags: ['key', 'admin'],     // "key" shows as 🔑 on the phone
  };

  // With the source's base_url set, tapping opens the user in Authentik's admin UI.
  if (ctx.base_url && user.pk) {
    const base = ctx.base_url.replace(/\/+$/, '');
    message.actions = [{ action: 'view', label: 'Open user', url: `${base}/if/admin/#/identity/users/${user.pk}` }];
  }
  return message;
}

/** "Firefox 139 on Linux" from a user agent string; the raw string when it is not recognised. */
function browser(agent) {
  const name = [/Edg\/(\d+)/, 'Edge', /Firefox\/(\d+)/, 'Firefox', /Chrome\/(\d+)/, 'Chrome', /Version\/(\d+).*Safari/, 'Safari'];
  let found = null;
  for (let i = 0; i < name.length && !found; i += 2) {
    const m = agent.match(name[i]);
    if (m) found = `${name[i + 1]} ${m[1]}`;
  }
  const os = /Windows/.test(agent) ? 'Windows' : /Android/.test(agent) ? 'Android'
    : /iPhone|iPad/.test(agent) ? 'iOS' : /Mac OS X/.test(agent) ? 'macOS' : /Linux/.test(agent) ? 'Linux' : null;
  if (!found) return agent.length > 80 ? `${agent.slice(0, 79)}…` : agent;
  return os ? `${found} on ${os}` : found;
}
