// @ts-check
/// <reference path="bridge.d.ts" />
// A generic webhook: Uptime Kuma's "Webhook" notification (JSON body). A monitor going down is urgent, coming
// back up is good news, maintenance is quiet. Kuma's "Test" button sends a body without heartbeat and monitor.
//   sources:
//     uptime: { format: json, action_field: heartbeat.status, token: "${UPTIME_HOOK_TOKEN}" }
//   rules:
//     - { name: uptime, source: uptime, mapping: uptime-kuma.js, topic: uptime }
// Try it:  bridge try --mapping mappings/uptime-kuma.js --format json samples/payloads/uptime-kuma/monitor-down.json
// Tests:   tests/uptime-kuma.yaml

// Kuma's heartbeat.status: 0 down, 1 up, 2 pending, 3 maintenance.
const STATES = {
  0: { word: 'down', tag: 'red_circle', priority: 'urgent' },
  1: { word: 'up', tag: 'green_circle', priority: 'default' },
  2: { word: 'pending', tag: 'yellow_circle', priority: 'high' },
  3: { word: 'in maintenance', tag: 'wrench', priority: 'low' },
};

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const body = event.raw || {};
  const monitor = body.monitor;
  const beat = body.heartbeat;
  if (!monitor || !beat) {
    return { title: 'Uptime Kuma', message: body.msg || 'Test notification', priority: 'low', tags: ['test_tube'] };
  }

  const state = STATES[beat.status] || { word: `status ${beat.status}`, tag: 'grey_question', priority: 'default' };
  const target = monitor.url && monitor.url !== 'https://' ? monitor.url : monitor.hostname || '';
  const lines = [];
  if (beat.msg) lines.push(beat.msg);
  if (target) lines.push(`Target: ${target}`);
  if (typeof beat.ping === 'number') lines.push(`Response time: ${beat.ping} ms`);
  // Kuma sends its own local time without a zone ("2026-03-14 10:30:00"); show it as it is.
  if (beat.localDateTime || beat.time) lines.push(`At: ${beat.localDateTime || beat.time}${beat.timezone ? ` (${beat.timezone})` : ''}`);

  const isWeb = /^https?:\/\//.test(target);
  return {
    title: `${monitor.name || 'Monitor'} is ${state.word}`,
    message: lines.join('\n') || body.msg || '',
    priority: state.priority,
    tags: [state.tag, 'uptime'],
    actions: [bridge.viewAction('Open site', isWeb ? target : null)].filter(Boolean),
  };
}
