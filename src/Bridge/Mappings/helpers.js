// The `bridge` global: small helpers mappings need over and over. Loaded into every sandbox before the mapping
// (parsed once, run per engine) and bound by the same limits. Each helper accepts missing input and returns ''
// or null rather than throwing, so a mapping can call it on any event. Types: mappings/bridge.d.ts.
(function () {
  'use strict';

  const PRIORITY = { notice: 3, warning: 4, alert: 5 };

  function text(value) {
    return value === undefined || value === null ? '' : String(value);
  }

  function base(ctx) {
    const url = ctx && ctx.base_url ? String(ctx.base_url) : '';
    return url ? url.replace(/\/+$/, '') : null;
  }

  // Authentik's admin UI routes objects by dashed UUID; webhook bodies carry them as 32 hex digits.
  function uuid(id) {
    const hex = text(id).toLowerCase();
    if (/^[0-9a-f]{32}$/.test(hex)) {
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    return /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(hex) ? hex : null;
  }

  // Thresholds as people round: 50 minutes is "50 minutes", 23 hours "23 hours", 40 days "1 month".
  const UNITS = [[60, 1, 'second'], [3600, 60, 'minute'], [86400, 3600, 'hour'], [604800, 86400, 'day'],
    [2629800, 604800, 'week'], [31557600, 2629800, 'month'], [Infinity, 31557600, 'year']];

  const helpers = {
    /** "Berlin, DE" from event.context.geo (or a context, or a geo object); '' without GeoIP. */
    place(source) {
      const s = source || {};
      const geo = s.context ? s.context.geo : s.geo !== undefined ? s.geo : s;
      if (!geo || typeof geo !== 'object') return '';
      return [geo.city, geo.country].filter(Boolean).join(', ');
    },

    /** "5 minutes ago" / "in 2 hours" / "just now", relative to the run's clock (ctx.now); '' for no date. */
    ago(when) {
      if (when === undefined || when === null || when === '') return '';
      const then = when instanceof Date ? when.getTime() : new Date(when).getTime();
      if (Number.isNaN(then)) return '';
      const seconds = Math.round((Date.now() - then) / 1000);
      const future = seconds < 0;
      const amount = Math.abs(seconds);
      if (amount < 45) return 'just now';
      let n = 0;
      let unit = 'second';
      for (const [below, size, name] of UNITS) {
        n = Math.max(1, Math.round(amount / size));
        unit = name;
        if (amount < below && n * size < below) break;
      }
      const words = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return future ? `in ${words}` : `${words} ago`;
    },

    /**
     * An incident card's headline (ctx.group of a rule with `group`): "47 failed logins in 3 min from 3 addresses";
     * '' without a group or for a group of one event, so a mapping can put it first whatever the rule.
     */
    incident(group, noun) {
      if (!group || !(group.count > 1)) return '';
      const seconds = Math.max(0, Math.round((new Date(group.last).getTime() - new Date(group.first).getTime()) / 1000));
      const span = seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min`
        : `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
      const ips = (group.values && group.values.client_ip) || [];
      const from = ips.length > 1 ? ` from ${ips.length} addresses` : ips.length === 1 ? ` from ${ips[0]}` : '';
      return `${group.count} ${text(noun) || 'events'} in ${span}${from}`;
    },

    /**
     * A throttle's digest headline (ctx.throttle of a rule with `throttle`): "alice: 37 more failed logins held by the
     * throttle, 10:00-10:10 UTC from 3 addresses"; '' without a throttle, so a mapping can put it first whatever the message.
     */
    digest(throttle, noun) {
      if (!throttle || !(throttle.held > 0)) return '';
      const who = Object.values(throttle.key || {}).filter((v) => v !== null && v !== undefined && v !== '').join(', ');
      const ips = (throttle.values && throttle.values.client_ip) || [];
      const from = ips.length > 1 ? ` from ${ips.length} addresses` : ips.length === 1 ? ` from ${ips[0]}` : '';
      const clock = (iso) => String(iso || '').slice(11, 16);
      return `${who ? `${who}: ` : ''}${throttle.held} more ${text(noun) || 'events'} held by the throttle, `
        + `${clock(throttle.from)}-${clock(throttle.until)} UTC${from}`;
    },

    /** An ntfy "view" action: a button that opens a URL. Null without a URL, so it can go straight into actions. */
    viewAction(label, url, clear) {
      if (!url) return null;
      const action = { action: 'view', label: text(label) || 'Open', url: String(url) };
      if (clear) action.clear = true;
      return action;
    },

    /** An ntfy "http" action: a button that sends a request (POST unless options.method says otherwise). */
    httpAction(label, url, options) {
      if (!url) return null;
      const o = options || {};
      const action = { action: 'http', label: text(label) || 'Send', url: String(url) };
      if (o.method) action.method = String(o.method);
      if (o.headers) action.headers = o.headers;
      if (o.body !== undefined) action.body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      if (o.clear) action.clear = true;
      return action;
    },

    /**
     * The "Mute 1 h" button (ctx.mute): an ntfy http action that POSTs its signed URL to the bridge, which then holds
     * this rule's events of this action and user for an hour. Null without server.public_url, so it can go straight into actions.
     */
    muteAction(ctx) {
      const mute = ctx && ctx.mute;
      if (!mute || !mute.url) return null;
      return { action: 'http', label: text(mute.label) || 'Mute', url: String(mute.url), method: 'POST', clear: true };
    },

    /** A page of Authentik's admin UI: adminUrl(ctx, '/core/applications') → https://auth…/if/admin/#/core/applications; null without ctx.base_url. */
    adminUrl(ctx, path) {
      const root = base(ctx);
      if (!root) return null;
      const p = text(path);
      return `${root}/if/admin/#${p.startsWith('/') ? p : `/${p}`}`;
    },

    /** The event in Authentik's event log (the log itself when the id is one the bridge made); null without ctx.base_url. */
    /** Links to the bridge's own dashboard; null without server.public_url (ctx.public_url). */
    links: {
      /** The event's page on the dashboard, /admin/events/{id}, where its verdicts, output and attempts are. */
      event(event, ctx) {
        const url = ctx && ctx.public_url ? String(ctx.public_url).replace(/\/+$/, '') : '';
        const id = text(event && event.id);
        return url && id ? `${url}/admin/events/${encodeURIComponent(id)}` : null;
      },
    },

    eventUrl(ctx, event) {
      const id = uuid(event && event.id);
      // Authentik's event ids are version 4 UUIDs; the bridge makes version 7 ones for bodies without an id.
      const authentiks = id !== null && id.charAt(14) !== '7';
      return helpers.adminUrl(ctx, authentiks ? `/events/log/${id}` : '/events/log');
    },

    /** The user's page in the admin UI, from a user object or a pk; null without ctx.base_url or a pk. */
    userUrl(ctx, user) {
      const pk = user && typeof user === 'object' ? user.pk : user;
      return pk === undefined || pk === null || pk === '' ? null : helpers.adminUrl(ctx, `/identity/users/${encodeURIComponent(String(pk))}`);
    },

    /** ntfy priority from Authentik's severity: notice → 3, warning → 4, alert → 5; `fallback` (3) otherwise. */
    priority(severity, fallback) {
      return PRIORITY[severity] || fallback || 3;
    },

    /** "Firefox 139 on Linux" from a user agent; the agent itself (shortened) when not recognised. */
    browser(agent) {
      const ua = text(agent);
      if (!ua) return '';
      const names = [[/Edg\/(\d+)/, 'Edge'], [/Firefox\/(\d+)/, 'Firefox'], [/Chrome\/(\d+)/, 'Chrome'], [/Version\/(\d+).*Safari/, 'Safari']];
      let found = null;
      for (const [pattern, name] of names) {
        const m = ua.match(pattern);
        if (m) { found = `${name} ${m[1]}`; break; }
      }
      const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android'
        : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
      if (!found) return helpers.clip(ua, 80);
      return os ? `${found} on ${os}` : found;
    },

    /** The text, cut to `max` characters with "…" when longer. */
    clip(value, max) {
      const s = text(value);
      const n = max > 0 ? max : 200;
      return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
    },

    /** "model_created" → "Model created". */
    humanize(action) {
      const words = text(action).replace(/_/g, ' ').trim();
      return words.charAt(0).toUpperCase() + words.slice(1);
    },

    /**
     * The Authentik event as the body carried it, with what the bridge does not normalise (user.on_behalf_of during
     * impersonation, brand, expires); null when the body was no Authentik event (the default body, a plain webhook).
     */
    authentikEvent(event) {
      const raw = event && event.raw;
      if (!raw || typeof raw !== 'object') return null;
      if (raw.event && typeof raw.event === 'object') return raw.event;
      if (raw.notification && raw.notification.event) return raw.notification.event;
      return typeof raw.action === 'string' ? raw : null;
    },

    /** The 32-hex-digit ids in webhook bodies as the dashed UUIDs Authentik's UI uses; null when it is neither. */
    uuid,
  };

  // A mapping may still declare its own `bridge`: each run evaluates the mapping in a scope of its own (MappingScript),
  // where that name shadows this one. In a pooled sandbox the lockdown then freezes this property with the rest.
  Object.defineProperty(globalThis, 'bridge', { value: Object.freeze(helpers), writable: false, enumerable: false, configurable: true });
})();
