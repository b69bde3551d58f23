// @ts-check
/// <reference path="bridge.d.ts" />
// Something crashed inside Authentik: a policy, a property mapping, a background task or Authentik itself.
// The message names what failed and shows the error's last line (the useful part of a Python traceback).
//   - name: exceptions
//     match: { action: [policy_exception, property_mapping_exception, system_task_exception, system_exception] }
//     mapping: exception.js
// Tests:   tests/exception.yaml

const KINDS = {
  policy_exception: 'Policy',
  property_mapping_exception: 'Property mapping',
  system_task_exception: 'System task',
  system_exception: 'Authentik',
};

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  const kind = KINDS[event.action] || bridge.humanize(event.action);
  // Each action names its culprit differently: context.policy, context.mapping, context.name (tasks).
  const culprit = /** @type {AuthentikModelRef | undefined} */ (context.policy || context.mapping)?.name
    || (typeof context.name === 'string' ? context.name : null);

  const lines = [];
  const error = lastLine(context.message) || lastLine(context.error) || event.summary;
  if (error) lines.push(bridge.clip(error, 500));
  if (culprit) lines.push(`${kind}: ${culprit}`);
  if (event.user?.username && event.user.username !== 'AnonymousUser') lines.push(`While serving ${event.user.username}`);
  if (event.app) lines.push(`In ${event.app}`);

  return {
    title: `${kind} failed${culprit ? `: ${culprit}` : ''}`,
    message: lines.join('\n') || 'No details were sent.',
    priority: bridge.priority(event.severity, 4),
    tags: ['x', event.action || 'exception'],
    click: bridge.links.event(event, ctx) || bridge.eventUrl(ctx, event),
  };
}

/** The last non-empty line: for a traceback, the exception itself. */
function lastLine(text) {
  if (typeof text !== 'string') return '';
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}
