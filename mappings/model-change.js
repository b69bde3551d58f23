// Something was created, changed or deleted in Authentik (applications, providers, users…).
//   - name: model-changes
//     match: { action: [model_created, model_updated, model_deleted] }
//     mapping: model-change.js

const VERBS = {
  model_created: { verb: 'created', tag: 'heavy_plus_sign' },
  model_updated: { verb: 'updated', tag: 'pencil2' },
  model_deleted: { verb: 'deleted', tag: 'wastebasket' },
};

/**
 * @param {{ action: string, client_ip: ?string, user: ?{ username: ?string },
 *           context: ?{ model?: { app?: string, model_name?: string, name?: string, pk?: string },
 *                       diff?: Object<string, { previous_value: *, new_value: * }> } }} event
 * @param {{ base_url: ?string }} ctx
 * @returns {object}
 */
function map(event, ctx) {
  const change = VERBS[event.action] || { verb: 'changed', tag: 'pencil2' };
  const context = event.context || {};
  const model = context.model || {};
  const kind = model.model_name || 'object';
  const who = (event.user && event.user.username) || 'someone';

  const lines = [`${who} ${change.verb} ${kind} '${model.name || model.pk || '?'}'${event.client_ip ? ` from ${event.client_ip}` : ''}.`];

  // context.diff is only there with an enterprise licence: { field: { previous_value, new_value } }.
  const diff = context.diff || {};
  const fields = Object.keys(diff);
  for (const field of fields.slice(0, 10)) {
    const d = diff[field] || {};
    lines.push(`• ${field}: ${show(d.previous_value)} → ${show(d.new_value)}`);
  }
  if (fields.length > 10) lines.push(`…and ${fields.length - 10} more fields`);

  return {
    title: `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${change.verb}: ${model.name || '?'}`,
    message: lines.join('\n'),
    priority: event.action === 'model_deleted' ? 'high' : 'default',
    tags: [change.tag, event.action],
  };
}

/** A short printable form of any value. */
function show(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '—' : text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
