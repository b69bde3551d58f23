// @ts-check
/// <reference path="bridge.d.ts" />
// Something was created, changed or deleted in Authentik (applications, providers, users, groups…), with the
// field-by-field diff when Authentik sends one (context.diff needs an enterprise licence).
//   - name: model-changes
//     match: { action: [model_created, model_updated, model_deleted] }
//     mapping: model-change.js
// Try it:  bridge try --mapping mappings/model-change.js samples/payloads/authentik/event-model-updated-with-diff.json
// Tests:   tests/model-change.yaml

const VERBS = {
  model_created: { verb: 'created', tag: 'heavy_plus_sign' },
  model_updated: { verb: 'updated', tag: 'pencil2' },
  model_deleted: { verb: 'deleted', tag: 'wastebasket' },
};

/** At most this many diff lines; a message is read on a phone. */
const MAX_FIELDS = 10;

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const change = VERBS[event.action] || { verb: 'changed', tag: 'pencil2' };
  const context = event.context || {};
  const model = context.model || fromDefaultBody(event.raw?.body);
  const kind = model.model_name || 'object';
  const who = event.user?.username || 'someone';

  const lines = [`${who} ${change.verb} ${kind} '${model.name || model.pk || '?'}'${event.client_ip ? ` from ${event.client_ip}` : ''}.`];

  const diff = context.diff || {};
  const fields = Object.keys(diff);
  for (const field of fields.slice(0, MAX_FIELDS)) {
    const d = diff[field] || {};
    lines.push(`• ${field}: ${show(d.previous_value)} → ${show(d.new_value)}`);
  }
  if (fields.length > MAX_FIELDS) lines.push(`…and ${fields.length - MAX_FIELDS} more fields`);

  return {
    title: `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${change.verb}: ${model.name || '?'}`,
    message: lines.join('\n'),
    priority: event.action === 'model_deleted' ? 'high' : 'default',
    tags: [change.tag, event.action],
    click: bridge.links.event(event, ctx) || bridge.eventUrl(ctx, event),
  };
}

/** A short printable form of any value: strings as they are, the rest as JSON. */
function show(value) {
  if (value === undefined) return '—';
  return bridge.clip(typeof value === 'string' ? value : JSON.stringify(value), 60);
}

/**
 * Authentik's default body has no context, only body: "model_created: {'model': {'pk': …, 'name': 'Grafana', …}}",
 * a Python repr (never JSON). Good enough to pick the model's name and kind out for display; nothing else is read.
 * @param {unknown} body
 * @returns {AuthentikModelRef}
 */
function fromDefaultBody(body) {
  const text = typeof body === 'string' ? body : '';
  const field = (name) => (new RegExp(`'${name}': '([^']*)'`).exec(text) || [])[1];
  return { name: field('name'), model_name: field('model_name'), app: field('app') };
}
