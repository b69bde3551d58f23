// @ts-check
/// <reference path="bridge.d.ts" />
// A new Authentik release is out. Quiet (it can wait for the next maintenance window), with a button to the
// release notes. Authentik's event context is {message, new_version, changelog} (changelog: the notes' URL);
// the notification itself carries no hyperlink. Without the changelog (the default body), the releases page.
//   - name: updates
//     match: { action: update_available }
//     mapping: update-available.js
// Try it:  bridge try --mapping mappings/update-available.js samples/payloads/authentik/event-update-available.json
// Tests:   tests/update-available.yaml

/** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
function map(event, ctx) {
  const context = event.context || {};
  // Authentik's default body only says "New version 2026.2.1 available!": read the version from it then.
  const version = context.new_version || (/(\d{4}\.\d+(\.\d+)?)/.exec(event.summary || '') || [])[1] || null;
  const changelog = typeof context.changelog === 'string' && /^https?:\/\//.test(context.changelog) ? context.changelog : null;
  const notes = changelog || 'https://docs.goauthentik.io/releases/';

  return {
    title: version ? `Authentik ${version} is available` : 'An Authentik update is available',
    message: context.message || event.summary || 'A new version of Authentik is available.',
    priority: 'low',
    tags: ['arrow_up', 'update_available'],
    actions: [
      bridge.viewAction('Release notes', notes),
      bridge.viewAction('Admin overview', bridge.adminUrl(ctx, '/administration/overview')),
    ].filter(Boolean),
  };
}
