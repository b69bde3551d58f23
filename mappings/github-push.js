// @ts-check
/// <reference path="bridge.d.ts" />
// A generic webhook: GitHub's "push" event. Any JSON sender works the same way: a `format: json` source hands
// the body to the mapping as event.raw, untouched. GitHub says which event it is in a header (X-GitHub-Event), not in
// the body, so this mapping recognises a push by its shape and drops everything else (returns null).
//   sources:
//     github: { format: json, token: "${GITHUB_HOOK_TOKEN}" }   # webhook URL: https://bridge…/hooks/github?token=…
//   rules:
//     - { name: pushes, source: github, mapping: github-push.js, topic: code }
// Try it:  bridge try --mapping mappings/github-push.js --format json --source github samples/payloads/github/push.json
// Tests:   tests/github-push.yaml

/** Commits listed in the message; the rest are counted. */
const MAX_COMMITS = 5;

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const body = event.raw || {};
  // GitHub's "ping" arrives when the webhook is created: confirm the set-up once.
  if (body.zen && body.hook_id) {
    return { title: `GitHub webhook connected: ${body.repository?.full_name || 'organisation'}`, message: body.zen, priority: 'low', tags: ['white_check_mark'] };
  }
  if (typeof body.ref !== 'string' || !Array.isArray(body.commits)) return null;

  const repo = body.repository?.full_name || body.repository?.name || 'a repository';
  const branch = body.ref.replace(/^refs\/(heads|tags)\//, '');
  const what = body.ref.startsWith('refs/tags/') ? 'tag' : 'branch';
  const who = body.pusher?.name || body.sender?.login || 'someone';

  if (body.deleted) {
    return { title: `${repo}: ${what} ${branch} deleted`, message: `${who} deleted ${what} ${branch}.`, priority: 'default', tags: ['wastebasket', 'github'] };
  }

  const commits = body.commits;
  const lines = commits.slice(0, MAX_COMMITS).map((c) => `• ${String(c.id || '').slice(0, 7)} ${firstLine(c.message)} (${c.author?.username || c.author?.name || '?'})`);
  if (commits.length > MAX_COMMITS) lines.push(`…and ${commits.length - MAX_COMMITS} more`);
  if (body.forced) lines.unshift('⚠ Force-pushed: history was rewritten.');

  const count = `${commits.length} commit${commits.length === 1 ? '' : 's'}`;
  return {
    title: body.created ? `${repo}: new ${what} ${branch}` : `${repo}: ${count} to ${branch}`,
    message: lines.length ? lines.join('\n') : `${who} pushed to ${branch}.`,
    // A force-push to a shared branch is the one push worth a louder buzz.
    priority: body.forced ? 'high' : 'default',
    tags: body.forced ? ['warning', 'github'] : ['package', 'github'],
    click: body.compare || body.head_commit?.url || body.repository?.html_url || null,
    actions: [bridge.viewAction('Compare', body.compare)].filter(Boolean),
  };
}

/** @param {unknown} text */
function firstLine(text) {
  return bridge.clip(String(text || '').split('\n')[0], 72);
}
