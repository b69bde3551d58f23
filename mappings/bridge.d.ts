// Types for Bridge mappings, so editors autocomplete `event`, `ctx`, the ntfy message and the `bridge` helpers.
// Use them from a mapping with these two lines at the top (VS Code and any TypeScript-aware editor pick them up):
//   // @ts-check
//   /// <reference path="bridge.d.ts" />
// and annotate map:  /** @param {BridgeEvent} event @param {BridgeContext} ctx @returns {MapResult} */
// The guide: docs/mappings.md.

/** A person as named in an event. */
interface BridgeUser {
  /** Authentik's user id (a number as text), when the body carried it. */
  pk: string | null;
  username: string | null;
  email: string | null;
  /** Group names (our body mapping adds them; Authentik's own bodies carry none): [] when unknown. */
  groups: string[];
}

/** `context.geo`, present when Authentik has a GeoIP database. */
interface AuthentikGeo {
  city?: string;
  country?: string;
  continent?: string;
  lat?: number;
  long?: number;
}

/** An Authentik model reference: `context.model` on model_* events, `context.provider`, `context.stage`… */
interface AuthentikModelRef {
  app?: string;
  model_name?: string;
  pk?: string | number;
  name?: string;
}

/** `event.context`: what Authentik recorded with the event. Open-ended: every action adds its own keys. */
interface AuthentikContext {
  /** A human sentence on configuration_error, configuration_warning, suspicious_request, update_available, *_exception… */
  message?: string;
  http_request?: { path?: string; method?: string; user_agent?: string; request_id?: string; args?: Record<string, unknown> };
  geo?: AuthentikGeo;
  asn?: { asn?: number; as_org?: string; network?: string };
  auth_method?: string;
  auth_method_args?: Record<string, unknown>;
  /** login_failed: the name that was typed. */
  username?: string;
  /** login_failed: the stage that refused it. */
  stage?: AuthentikModelRef;
  /** model_created / model_updated / model_deleted: what changed. */
  model?: AuthentikModelRef;
  /** model_updated with an enterprise licence: field → old and new value. */
  diff?: Record<string, { previous_value?: unknown; new_value?: unknown }>;
  /** update_available: the new release. */
  new_version?: string;
  /** update_available: the address of the release notes (the notification itself carries no hyperlink). */
  changelog?: string;
  /** impersonation_started: why (when the admin gave a reason). */
  reason?: string;
  /** policy_exception, property_mapping_exception, system_exception: the Python traceback or error. */
  error?: string;
  [key: string]: unknown;
}

/** The event a mapping receives: the same fields whatever body shape the sender used. */
interface BridgeEvent {
  /** Authentik's event id (32 hex digits), or an id the bridge made when the body carried none. */
  id: string;
  /** The configured source the event came in on (POST /hooks/{source}). */
  source: string;
  /** login, login_failed, model_created… (a JSON source: read from its action_field); null when unknown. */
  action: string | null;
  /** The Authentik notification rule's severity. */
  severity: "notice" | "warning" | "alert" | null;
  /** The emitting Python module, e.g. authentik.events.signals. */
  app: string | null;
  /** app_label.model_name from context.model, e.g. authentik_core.user. */
  model: string | null;
  /** The client address; null when unknown. IPv4 or IPv6. */
  client_ip: string | null;
  /** Who caused the event; null for system events. */
  user: BridgeUser | null;
  /** Who the notification was addressed to (a member of the Authentik rule's group). */
  recipient: BridgeUser | null;
  context: AuthentikContext | null;
  /** A one-line summary (Authentik's notification body or context.message). */
  summary: string | null;
  /** When it happened, ISO-8601. */
  created: string | null;
  /** The body exactly as it was POSTed: the way to any field the bridge does not normalise (and all of a plain JSON webhook). */
  raw: any;
}

/** What a mapping receives as `ctx`. */
interface BridgeContext {
  /** The rule that matched. */
  rule: string;
  /** The rule's topic, used when the message sets none. */
  topic: string | null;
  destination: string;
  source: string;
  /** The source's base_url (Authentik's public URL) for links into the admin UI; null when not configured. */
  base_url: string | null;
  /** The time of this run, ISO-8601 UTC. Date.now() and new Date() show the same instant. */
  now: string;
  /** The bridge's server.public_url, for links to its dashboard; null when not configured. */
  public_url: string | null;
  /** The incident card to make, for a rule with `group`; null otherwise. */
  group: BridgeGroup | null;
  /** The "Mute 1 h" button for this message (bridge.muteAction(ctx)); null without server.public_url. */
  mute: BridgeMute | null;
  /** The period whose digest to make, for a rule with `throttle` at the end of a period that held events; null otherwise. */
  throttle: BridgeThrottle | null;
}

/** ctx.throttle: one period of a rule's throttle (for one value of its by fields), as it ended. */
interface BridgeThrottle {
  /** Events held in the period (not sent one by one): what the digest tells. */
  held: number;
  /** Events sent one by one in the period (at most max). */
  passed: number;
  max: number;
  per_seconds: number;
  /** The period, ISO-8601 UTC; periods are aligned to the clock (10:00-10:10 for 10m). */
  from: string;
  until: string;
  /** When the first and the latest event were held, ISO-8601 UTC. */
  first_held: string;
  last_held: string;
  /** The values of the rule's throttle.by fields that this period counted. */
  key: Record<string, string | null>;
  /** Distinct values seen among the held events (at most 50 each) of the by fields and of client_ip, user.username, context.username, action. */
  values: Record<string, string[]>;
  /** The first held event and the latest ones, at most 5. */
  samples: { id: string; action: string | null; user: string | null; client_ip: string | null; summary: string | null; at: string }[];
}

/** ctx.mute: a signed URL that makes one silence of this rule for this action and user, once, for an hour. */
interface BridgeMute {
  /** {public_url}/silences/mute?t={token}: POSTed by the button. The token is signed by the bridge; it holds no admin token. */
  url: string;
  label: string;
  /** How long the silence lasts. */
  for_seconds: number;
  /** The silence it makes. */
  match: { action: string | null; user: string | null; group: null; client_ip: null; rule: string; source: null };
  /** When the button stops working, ISO-8601 UTC (24 h after the message was made). */
  expires: string;
  /** true in bridge try, bridge test and the playground: the token is a placeholder that mutes nothing. */
  preview: boolean;
}

/** ctx.group: one incident (a rule's group) as it stands when this card is made. */
interface BridgeGroup {
  /** The ntfy sequence_id every card of the incident carries. */
  id: string;
  /** open: the first card; update: more events joined; close: the group was quiet for its window. */
  phase: "open" | "update" | "close";
  /** Which card this is (1 for the first). */
  card: number;
  /** Events in the group so far. */
  count: number;
  /** When the first and the latest event joined, ISO-8601 UTC. */
  first: string;
  last: string;
  window_seconds: number;
  interval_seconds: number;
  /** The values of the rule's group.by fields that make this group. */
  key: Record<string, string | null>;
  /** Distinct values seen (at most 50 each) of the group.by fields and of client_ip, user.username, context.username, action. */
  values: Record<string, string[]>;
  /** The first event and the latest ones, at most 5. */
  samples: { id: string; action: string | null; user: string | null; client_ip: string | null; summary: string | null; at: string }[];
}

/** A button on the notification. At most three per message. */
type NtfyAction =
  | { action: "view"; label: string; url: string; clear?: boolean }
  | { action: "http"; label: string; url: string; method?: string; headers?: Record<string, string>; body?: string; clear?: boolean }
  | { action: "broadcast"; label: string; intent?: string; extras?: Record<string, string>; clear?: boolean }
  | { action: "copy"; label: string; value: string; clear?: boolean };

/** ntfy's priority: a number 1–5 or its name. */
type NtfyPriority = 1 | 2 | 3 | 4 | 5 | "min" | "low" | "default" | "high" | "max" | "urgent";

/** The message a mapping returns. Only what ntfy accepts is allowed; the bridge checks it before sending. */
interface NtfyMessage {
  /** Defaults to the rule's topic. Letters, digits, - and _ (at most 64). */
  topic?: string;
  /** The body; cut to 4095 bytes. */
  message?: string;
  title?: string;
  /** Emoji shortcodes (warning, key, rotating_light…) show as emoji before the title; other tags as text. */
  tags?: string[] | string;
  priority?: NtfyPriority;
  actions?: (NtfyAction | null | undefined)[];
  /** Opened when the notification is tapped (http(s), mailto:, geo:, ntfy://). */
  click?: string | null;
  attach?: string | null;
  icon?: string | null;
  markdown?: boolean;
  filename?: string;
  /** Deliver later: "30m", "tomorrow, 9am"… (10 s to 3 days). */
  delay?: string;
  email?: string;
  call?: string;
  cache?: "no";
  firebase?: "no";
  sequence_id?: string;
}

/** What map may return: one message, several (at most 10), or null to send nothing. */
type MapResult = NtfyMessage | (NtfyMessage | null)[] | null | undefined;

/** The helpers every mapping can use as `bridge.…`. */
interface BridgeHelpers {
  /** "Berlin, DE" from event.context.geo (or a context, or a geo object); "" without GeoIP. */
  place(source: BridgeEvent | AuthentikContext | AuthentikGeo | null | undefined): string;
  /** "5 minutes ago", "in 2 hours", "just now", relative to ctx.now; "" for no or a bad date. */
  ago(when: string | number | Date | null | undefined): string;
  /** An incident card's headline, "47 failed logins in 3 min from 3 addresses"; "" without a group or for one event. */
  incident(group: BridgeGroup | null | undefined, noun: string): string;
  /** A throttle's digest headline, "alice: 37 more failed logins held by the throttle, 10:00-10:10 UTC from 3 addresses"; "" without a throttle. */
  digest(throttle: BridgeThrottle | null | undefined, noun: string): string;
  /** A "view" action (a button that opens url); null without a url, so it can go straight into actions. */
  viewAction(label: string, url: string | null | undefined, clear?: boolean): NtfyAction | null;
  /** An "http" action (a button that sends a request; POST unless options.method); an object body is sent as JSON. */
  httpAction(label: string, url: string | null | undefined,
    options?: { method?: string; headers?: Record<string, string>; body?: unknown; clear?: boolean }): NtfyAction | null;
  /** The "Mute 1 h" button (an http action POSTing ctx.mute.url); null without server.public_url. */
  muteAction(ctx: BridgeContext): NtfyAction | null;
  /** A page of Authentik's admin UI, e.g. adminUrl(ctx, "/core/applications"); null without ctx.base_url. */
  adminUrl(ctx: BridgeContext, path: string): string | null;
  /** The event in Authentik's event log; null without ctx.base_url. */
  eventUrl(ctx: BridgeContext, event: BridgeEvent): string | null;
  /** Links to the bridge's dashboard; null without ctx.public_url (server.public_url). */
  links: {
    /** The event's page on the dashboard (/admin/events/{id}): its verdicts, mapping output and delivery attempts. */
    event(event: BridgeEvent, ctx: BridgeContext): string | null;
  };
  /** A user's page in the admin UI, from a user or a pk; null without ctx.base_url or a pk. */
  userUrl(ctx: BridgeContext, user: BridgeUser | { pk?: unknown } | string | number | null | undefined): string | null;
  /** ntfy priority from the Authentik severity: notice 3, warning 4, alert 5; otherwise fallback (3). */
  priority(severity: string | null | undefined, fallback?: 1 | 2 | 3 | 4 | 5): 1 | 2 | 3 | 4 | 5;
  /** "Firefox 139 on Linux" from a user agent; the agent itself, shortened, when not recognised. */
  browser(userAgent: string | null | undefined): string;
  /** The text cut to max characters (200 by default) with "…". */
  clip(text: unknown, max?: number): string;
  /** "model_created" → "Model created". */
  humanize(action: string | null | undefined): string;
  /** 32 hex digits → the dashed UUID Authentik's UI uses; null when the value is no UUID. */
  uuid(id: string | null | undefined): string | null;
  /** The Authentik event as the body carried it: user.on_behalf_of (during an impersonation the user is the administrator and this the account acted as), user.is_anonymous, brand…; null for other bodies. */
  authentikEvent(event: BridgeEvent): { user?: { pk?: number; username?: string; email?: string; is_anonymous?: boolean; on_behalf_of?: { pk?: number; username?: string; email?: string } }; [key: string]: any } | null;
}

declare const bridge: BridgeHelpers;

/** What console.log/info/debug/warn/error print is captured per event and shown by `bridge try`, `bridge test` and the log. */
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};
