// The built-in mapping: used by every rule that names no mapping file.
// It turns any Authentik event (and any plain JSON webhook) into a readable phone notification.
// Copy it into mappings/ and point a rule at the copy to change it.

// ntfy shows a tag that is an emoji shortcode as that emoji in front of the title.
const EMOJI = {
  login: 'key',
  login_failed: 'warning',
  logout: 'wave',
  user_write: 'bust_in_silhouette',
  user_offboarded: 'bust_in_silhouette',
  suspicious_request: 'no_entry',
  password_set: 'lock',
  secret_view: 'eyes',
  secret_rotate: 'arrows_counterclockwise',
  invitation_used: 'envelope',
  authorize_application: 'white_check_mark',
  source_linked: 'link',
  impersonation_started: 'detective',
  impersonation_ended: 'detective',
  flow_execution: 'arrow_forward',
  policy_execution: 'scroll',
  policy_exception: 'x',
  property_mapping_exception: 'x',
  system_task_execution: 'gear',
  system_task_exception: 'x',
  system_exception: 'x',
  configuration_error: 'rotating_light',
  configuration_warning: 'warning',
  model_created: 'heavy_plus_sign',
  model_updated: 'pencil2',
  model_deleted: 'wastebasket',
  email_sent: 'email',
  update_available: 'arrow_up',
  export_ready: 'package',
  custom_notification_test: 'test_tube',
};

const TITLES = {
  login: 'Login',
  login_failed: 'Failed login',
  logout: 'Logout',
  user_write: 'User changed',
  password_set: 'Password set',
  suspicious_request: 'Suspicious request',
  impersonation_started: 'Impersonation started',
  impersonation_ended: 'Impersonation ended',
  configuration_error: 'Configuration error',
  update_available: 'Update available',
  custom_notification_test: 'Test notification',
};

const PRIORITY = { notice: 3, warning: 4, alert: 5 };

function emojiFor(action) {
  if (!action) return 'bell';
  if (EMOJI[action]) return EMOJI[action];
  if (action.startsWith('model_')) return 'pencil2';
  if (action.startsWith('review_') || action.startsWith('access_request_')) return 'clipboard';
  if (action.endsWith('_exception')) return 'x';
  return 'bell';
}

// "model_created" -> "Model created"
function humanize(action) {
  const words = String(action).replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// "Berlin, DE" from context.geo, or "" when GeoIP is not set up.
function place(context) {
  const geo = context && context.geo;
  if (!geo) return '';
  return [geo.city, geo.country].filter(Boolean).join(', ');
}

// Authentik's admin UI routes events by dashed UUID; webhook bodies carry it as 32 hex digits.
function eventLink(baseUrl, id) {
  if (!baseUrl) return null;
  const base = baseUrl.replace(/\/+$/, '');
  const hex = String(id || '').toLowerCase();
  // Authentik's event ids are version 4 UUIDs; the bridge makes version 7 ones for bodies that carry none.
  if (/^[0-9a-f]{32}$/.test(hex) && hex.charAt(12) !== '7') {
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return `${base}/if/admin/#/events/log/${uuid}`;
  }
  if (/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(hex) && hex.charAt(14) !== '7') return `${base}/if/admin/#/events/log/${hex}`;
  return `${base}/if/admin/#/events/log`;
}

// A one-line sentence for the common actions; null falls back to Authentik's own summary.
function sentence(event, who) {
  const context = event.context || {};
  const model = context.model || {};
  const thing = [model.model_name, model.name ? `'${model.name}'` : null].filter(Boolean).join(' ');
  switch (event.action) {
    case 'login': return `${who} logged in`;
    case 'logout': return `${who} logged out`;
    case 'login_failed': return `Failed login for ${context.username || who}`;
    case 'password_set': return `${who} set a new password`;
    case 'model_created': return `${who} created ${thing || 'an object'}`;
    case 'model_updated': return `${who} updated ${thing || 'an object'}`;
    case 'model_deleted': return `${who} deleted ${thing || 'an object'}`;
    case 'impersonation_started': return `${who} started impersonating ${actingAs(event) || 'a user'}`;
    case 'impersonation_ended': return `${who} stopped impersonating`;
    default: return null;
  }
}

// The account an administrator is impersonating: Authentik keeps the administrator as the event's user and puts
// the impersonated account in user.on_behalf_of, on impersonation_started and on every event made meanwhile.
function actingAs(event) {
  const raw = bridge.authentikEvent(event);
  const target = raw && raw.user && raw.user.on_behalf_of;
  return (target && target.username) || null;
}

function clip(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function fromJsonWebhook(event, ctx) {
  const title = event.action ? humanize(event.action) : `Webhook from ${event.source}`;
  return withMute(asDigest({
    title,
    message: clip(JSON.stringify(event.raw), 1000),
    priority: PRIORITY[event.severity] || 3,
    tags: ['bell'],
    click: bridge.links.event(event, ctx),
  }, event, ctx, title), ctx);
}

// An incident card (a rule with `group`): the count on top, the latest event below. A group of one event is an
// ordinary notification; the closing card is quiet (priority 2), since the storm is over.
function asIncident(card, event, ctx, label) {
  const g = ctx.group;
  if (!g || g.count < 2) return card;
  const noun = event.action === 'login_failed' ? 'failed logins' : `${label.toLowerCase()} events`;
  const closed = g.phase === 'close';
  const head = bridge.incident(g, noun);
  return {
    ...card,
    title: `${closed ? 'Over: ' : ''}${card.title} (${g.count}×)`,
    message: [closed ? `${head}; quiet since ${bridge.ago(g.last)}` : head, 'Latest:', card.message].join('\n'),
    priority: closed ? Math.min(card.priority, 2) : card.priority,
  };
}

// A throttle's digest (a rule with `throttle`, at the end of a period that held events): the count on top, the
// period's latest held event below.
function asDigest(card, event, ctx, label) {
  const t = ctx.throttle;
  if (!t) return card;
  const noun = event.action === 'login_failed' ? 'failed logins' : `${label.toLowerCase()} events`;
  return {
    ...card,
    title: `${card.title} (+${t.held} held)`,
    message: [bridge.digest(t, noun), 'Latest:', card.message].join('\n'),
  };
}

// "Mute 1 h": a button that silences this rule for this action and user, when server.public_url says where the
// bridge is (ctx.mute). A storm's closing card has none: the storm is over.
function withMute(card, ctx) {
  const mute = ctx.group && ctx.group.phase === 'close' ? null : bridge.muteAction(ctx);
  return mute ? { ...card, actions: [mute] } : card;
}

function map(event, ctx) {
  // A `format: json` source carries no user, context or summary: show the body itself.
  if (!event.user && !event.context && !event.summary) return fromJsonWebhook(event, ctx);

  const context = event.context || {};
  const attempted = event.action === 'login_failed' ? context.username : null;
  const actor = attempted || (event.user && event.user.username) || null;
  const target = event.action === 'impersonation_started' ? null : actingAs(event);
  const who = actor && target ? `${actor} (as ${target})` : actor;
  const label = TITLES[event.action] || (event.action ? humanize(event.action) : 'Authentik event');

  const lines = [];
  const first = sentence(event, who || 'Someone');
  if (first) lines.push(first);
  // A summary of the form "action: {python dict}" is Authentik's raw fallback: not worth showing.
  const summary = event.summary || '';
  const rawFallback = event.action && summary.startsWith(`${event.action}: {`);
  if (summary && !rawFallback && summary !== first) lines.push(summary);
  if (event.client_ip) {
    const where = place(context);
    lines.push(`IP ${event.client_ip}${where ? ` (${where})` : ''}`);
  }
  if (lines.length === 0) lines.push(label);

  const tags = [emojiFor(event.action)];
  if (event.action) tags.push(event.action);

  return withMute(asDigest(asIncident({
    title: who ? `${label}: ${who}` : label,
    message: lines.join('\n'),
    priority: PRIORITY[event.severity] || 3,
    tags,
    click: bridge.links.event(event, ctx) || eventLink(ctx.base_url, event.id),
  }, event, ctx, label), event, ctx, label), ctx);
}
