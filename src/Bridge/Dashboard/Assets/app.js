// The dashboard: one script draws the page its URL names, from the admin API under /admin/api. No framework, no
// build step; every value is set as text (never as HTML), so nothing an event carries can run here.
"use strict";

const main = document.getElementById("main");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function badge(text) { return el("span", { class: "badge " + String(text).replace(/ /g, "-") }, text); }
function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }
function json(value) { return el("pre", { tabindex: "0" }, JSON.stringify(value, null, 2)); }
function show(...nodes) { main.replaceChildren(...nodes.flat(Infinity).filter(n => n !== null && n !== undefined)); }
function cell(label, ...content) { return el("td", { "data-label": label }, ...content); }

async function api(path, options) {
  const response = await fetch("/admin/api" + path, Object.assign({ credentials: "same-origin", headers: { "Accept": "application/json" } }, options));
  if (response.status === 401) { location.reload(); throw new Error("signed out"); }
  const text = await response.text();
  const body = text && (response.headers.get("Content-Type") || "").includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw new Error((body && body.detail) || ("HTTP " + response.status));
  return body;
}

function post(path, payload) {
  return api(path, { method: "POST", headers: { "Accept": "application/json", "Content-Type": "application/json" }, body: payload === undefined ? undefined : JSON.stringify(payload) });
}

function markNav() {
  for (const a of document.querySelectorAll("nav ul a")) {
    if (location.pathname.startsWith(new URL(a.href).pathname)) a.setAttribute("aria-current", "page");
  }
}

// ---- /admin/events: the live list
const outcomes = ["processing", "no match", "dropped", "pending", "delivered", "dead"];

function eventsPage() {
  document.title = "Events · Bridge";
  const params = new URLSearchParams(location.search);
  const field = (name, label) => el("div", {}, el("label", { for: "f-" + name }, label),
    el("input", { id: "f-" + name, name, value: params.get(name) || "", autocomplete: "off" }));
  const outcome = el("select", { id: "f-outcome", name: "outcome" }, el("option", { value: "" }, "any"),
    outcomes.map(o => el("option", { value: o, selected: params.get("outcome") === o }, o)));
  const form = el("form", { class: "filters", role: "search", "aria-label": "Filter events" },
    field("source", "Source"), field("action", "Action"), field("rule", "Rule"),
    el("div", {}, el("label", { for: "f-outcome" }, "Outcome"), outcome), field("text", "Text"));
  const status = el("p", { class: "status muted", role: "status", "aria-live": "polite" });
  const body = el("tbody");
  const table = el("table", { class: "cards", "aria-label": "Events, newest first" },
    el("thead", {}, el("tr", {}, ["Time", "Source", "Action", "User", "Client IP", "Matched rules", "Outcome"].map(h => el("th", { scope: "col" }, h)))), body);
  show(el("h1", {}, "Events"), form, status, table);

  let pending = null;
  async function load() {
    const query = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) query.set(k, v);
    history.replaceState(null, "", "/admin/events" + (query.size ? "?" + query : ""));
    const rows = await api("/rows?" + query);
    body.replaceChildren(...rows.map(r => el("tr", { "data-event": r.id },
      cell("Time", el("a", { href: "/admin/events/" + encodeURIComponent(r.id) }, when(r.received_at))),
      cell("Source", r.source), cell("Action", r.action || "—"), cell("User", r.user || "—"), cell("Client IP", r.client_ip || "—"),
      cell("Matched rules", r.rules.length ? r.rules.join(", ") : "none"),
      cell("Outcome", badge(r.outcome), r.duplicates ? el("span", { class: "muted" }, " +" + r.duplicates + " copies") : null))));
    status.textContent = rows.length + (rows.length === 1 ? " event" : " events") + " · live";
  }
  function reload() { clearTimeout(pending); pending = setTimeout(() => load().catch(e => status.textContent = e.message), 150); }
  form.addEventListener("input", reload);
  form.addEventListener("submit", e => { e.preventDefault(); reload(); });
  const stream = new EventSource("/admin/api/stream");
  stream.addEventListener("change", reload);
  stream.onerror = () => status.textContent = "Live updates interrupted; reconnecting…";
  load().catch(e => status.textContent = e.message);
}

// ---- /admin/events/{id}: everything about one event
async function eventPage(id) {
  document.title = "Event " + id + " · Bridge";
  const [detail, raw] = await Promise.all([api("/events/" + encodeURIComponent(id)), api("/events/" + encodeURIComponent(id) + "/body")]);
  const e = detail.event;
  const summary = el("dl", {},
    el("dt", {}, "Id"), el("dd", {}, detail.id),
    el("dt", {}, "Received"), el("dd", {}, when(detail.received_at)),
    el("dt", {}, "Source"), el("dd", {}, detail.source),
    el("dt", {}, "Action"), el("dd", {}, detail.action || "—"),
    el("dt", {}, "User"), el("dd", {}, (e.user && e.user.username) || "—"),
    el("dt", {}, "Client IP"), el("dd", {}, e.client_ip || "—"),
    el("dt", {}, "Status"), el("dd", {}, detail.status + (detail.duplicates ? ` (+${detail.duplicates} copies answered as duplicates)` : "")));
  const verdicts = el("table", { class: "cards", "aria-label": "Rules" },
    el("thead", {}, el("tr", {}, ["Rule", "Verdict", "Why"].map(h => el("th", { scope: "col" }, h)))),
    el("tbody", {}, detail.verdicts.map(v => el("tr", { "data-rule": v.rule },
      cell("Rule", v.rule), cell("Verdict", badge(v.matched ? "matched" : "not matched")), cell("Why", v.matched ? "all its keys match" : v.reason)))));
  const mappingLog = detail.mapping_log.length === 0 ? el("p", { class: "muted" }, "No mapping printed anything or failed.")
    : detail.mapping_log.map(m => el("div", { class: "card" }, el("h3", {}, `Rule ${m.rule}: ${m.mapping}`),
      m.console.map(line => el("pre", {}, "console: " + line)), m.errors.map(err => el("p", { class: "error" }, err))));
  show(
    el("h1", {}, "Event ", el("code", {}, detail.id)),
    el("p", { class: "row" }, el("a", { href: "/admin/events" }, "← All events"), el("a", { href: "/admin/playground?event=" + encodeURIComponent(detail.id) }, "Open in the playground")),
    summary,
    el("h2", {}, "Rules"), verdicts,
    el("h2", {}, "Mappings"), mappingLog,
    el("h2", {}, "Messages"), detail.messages.length ? detail.messages.map(messageCard) : el("p", { class: "muted" }, "No message was made."),
    el("div", { class: "grid2" },
      el("section", {}, el("h2", {}, "Normalised event"), json(e)),
      el("section", {}, el("h2", {}, "Body as received"), el("p", { class: "muted" }, "Configured secrets are shown as ***."), el("pre", { tabindex: "0" }, typeof raw === "string" ? pretty(raw) : JSON.stringify(raw, null, 2)))));
}

function pretty(text) { try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; } }

function messageCard(m) {
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const attempts = m.attempt_log || [];
  return el("div", { class: "card", "data-message": m.id },
    el("h3", {}, `Message ${m.id} `, badge(m.status)),
    el("dl", {},
      el("dt", {}, "Rule"), el("dd", {}, m.rule),
      el("dt", {}, "Destination"), el("dd", {}, m.destination + (m.topic ? " · topic " + m.topic : "")),
      el("dt", {}, "Attempts"), el("dd", {}, String(m.attempts)),
      el("dt", {}, "Next attempt"), el("dd", {}, m.next_attempt_at ? when(m.next_attempt_at) : "—"),
      m.last_error ? [el("dt", {}, "Last error"), el("dd", {}, m.last_error)] : null,
      m.dead_reason ? [el("dt", {}, "Why dead"), el("dd", { class: "error" }, m.dead_reason)] : null),
    m.status === "dead" ? el("p", {}, el("button", { type: "button", onclick: e => replay(m.id, status, e.currentTarget) }, "Replay"), status) : null,
    attempts.length ? el("table", { class: "cards", "aria-label": "Attempts of message " + m.id },
      el("thead", {}, el("tr", {}, ["At", "Outcome", "HTTP", "ntfy code", "ntfy's answer", "ms"].map(h => el("th", { scope: "col" }, h)))),
      el("tbody", {}, attempts.map(a => el("tr", {}, cell("At", when(a.at)), cell("Outcome", badge(a.outcome)), cell("HTTP", a.http_status ?? "—"),
        cell("ntfy code", a.ntfy_code ?? "—"), cell("ntfy's answer", a.detail), cell("ms", String(a.duration_ms)))))) : null,
    m.message ? el("details", {}, el("summary", {}, "ntfy JSON"), json(m.message)) : null);
}

async function replay(id, status, button) {
  status.textContent = "Replaying…";
  try {
    await post("/messages/" + id + "/replay");
    button.remove();
    status.textContent = "Replayed: it is pending again.";
  } catch (e) { status.textContent = e.message; }
}

// ---- /admin/messages?status=dead: messages by state, with replay
async function messagesPage() {
  const params = new URLSearchParams(location.search);
  const state = params.get("status") || "dead";
  document.title = "Messages (" + state + ") · Bridge";
  const states = el("select", { id: "m-status", name: "status" }, ["pending", "delivered", "dead"].map(s => el("option", { value: s, selected: s === state }, s)));
  const field = (name, label) => el("div", {}, el("label", { for: "m-" + name }, label), el("input", { id: "m-" + name, name, value: params.get(name) || "" }));
  const form = el("form", { class: "filters", method: "get", action: "/admin/messages", "aria-label": "Filter messages" },
    el("div", {}, el("label", { for: "m-status" }, "State"), states), field("destination", "Destination"), field("rule", "Rule"),
    el("div", {}, el("button", { type: "submit" }, "Show")));
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const query = new URLSearchParams({ status: state, limit: "200" });
  for (const k of ["destination", "rule"]) if (params.get(k)) query.set(k, params.get(k));
  const page = await api("/messages?" + query);
  const replayAll = state === "dead" && page.items.length
    ? el("p", {}, el("button", { type: "button", class: "danger", onclick: async () => {
        status.textContent = "Replaying…";
        try {
          const q = new URLSearchParams();
          for (const k of ["destination", "rule"]) if (params.get(k)) q.set(k, params.get(k));
          const answer = await post("/messages/replay" + (q.size ? "?" + q : ""));
          status.textContent = `Replayed ${answer.replayed} messages.`;
        } catch (e) { status.textContent = e.message; }
      } }, `Replay all ${page.items.length}${page.next ? "+" : ""} dead messages shown`)) : null;
  show(el("h1", {}, "Messages: " + state), form, replayAll, status,
    page.items.length === 0 ? el("p", { class: "muted" }, "None.") : el("table", { class: "cards", "aria-label": "Messages" },
      el("thead", {}, el("tr", {}, ["Message", "Event", "Rule", "Destination", "Attempts", state === "dead" ? "Why dead" : "Next attempt / last error", ""].map(h => el("th", { scope: "col" }, h)))),
      el("tbody", {}, page.items.map(m => {
        const rowStatus = el("span", { class: "status", role: "status", "aria-live": "polite" });
        return el("tr", { "data-message": m.id },
          cell("Message", String(m.id)), cell("Event", el("a", { href: "/admin/events/" + encodeURIComponent(m.event_id) }, m.event_id)),
          cell("Rule", m.rule), cell("Destination", m.destination + (m.topic ? " · " + m.topic : "")), cell("Attempts", String(m.attempts)),
          cell(state === "dead" ? "Why dead" : "Next", state === "dead" ? m.dead_reason : [when(m.next_attempt_at), m.last_error ? " · " + m.last_error : ""]),
          cell("", m.status === "dead" ? el("button", { type: "button", class: "secondary", "aria-label": "Replay message " + m.id,
            onclick: e => replay(m.id, rowStatus, e.currentTarget) }, "Replay") : null, rowStatus));
      }))));
}

// ---- /admin/destinations
async function destinationsPage() {
  document.title = "Destinations · Bridge";
  const s = await api("/status");
  show(el("h1", {}, "Destinations"),
    el("p", {}, `${s.unprocessed_events} events waiting for their mappings · ${s.messages.pending} pending · ${s.messages.dead} dead`),
    el("table", { class: "cards", "aria-label": "Destinations" },
      el("thead", {}, el("tr", {}, ["Destination", "State", "Pacing", "Queue", "Dead", "Delivered", "Last error", "Next try"].map(h => el("th", { scope: "col" }, h)))),
      el("tbody", {}, s.destinations.map(d => el("tr", { "data-destination": d.name },
        cell("Destination", d.name), cell("State", badge(d.health), d.since ? el("span", { class: "muted" }, " since " + when(d.since)) : null),
        cell("Pacing", pacing(d)), cell("Queue", String(d.pending)), cell("Dead", d.dead ? el("a", { href: "/admin/messages?status=dead&destination=" + encodeURIComponent(d.name) }, String(d.dead)) : "0"),
        cell("Delivered", String(d.delivered)), cell("Last error", d.reason || "—"), cell("Next try", d.next_try ? when(d.next_try) : "—"))))));
}

// Open, paced (messages wait for its token bucket) or holding (nothing goes until when, and why).
function pacing(d) {
  const bucket = d.rate ? `${d.rate.tokens} of ${d.rate.burst} tokens, one per ${d.rate.per_seconds} s${d.rate.slowed ? " (slowed by ntfy)" : ""}` : "unpaced";
  if (d.pacing === "holding")
    return [badge("holding"), el("span", { class: "muted" }, ` until ${when(d.hold_until)}: ${d.hold_reason}${d.fallback ? " · waiting messages move to " + d.fallback : ""}`)];
  if (d.pacing === "paced") return [badge("paced"), el("span", { class: "muted" }, ` ${d.pending} waiting · ${bucket}`)];
  return el("span", { class: "muted" }, bucket);
}

// ---- /admin/playground: try a mapping on an event, send nothing (unless asked twice)
async function playgroundPage() {
  document.title = "Playground · Bridge";
  const params = new URLSearchParams(location.search);
  const options = await api("/playground");
  const ruleSelect = el("select", { id: "p-rule" }, el("option", { value: "" }, "none: run a mapping alone"),
    options.rules.map(r => el("option", { value: r.name }, `${r.name} (${r.mapping} → ${r.destination})`)));
  const mappingSelect = el("select", { id: "p-mapping" }, options.mappings.map(m => el("option", { value: m }, m)));
  const sourceSelect = el("select", { id: "p-source" }, options.sources.map(s => el("option", { value: s }, s)));
  const eventSelect = el("select", { id: "p-event" }, el("option", { value: "" }, "paste a body below"),
    options.events.map(e => el("option", { value: e.id, selected: params.get("event") === e.id }, `${when(e.received_at)} · ${e.source} · ${e.action || "—"} · ${e.user || "—"}`)));
  const body = el("textarea", { id: "p-body", rows: "8", spellcheck: "false", placeholder: "{\"event\": {...}}" });
  const script = el("textarea", { id: "p-script", rows: "16", spellcheck: "false" });
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const result = el("section", { "aria-label": "Result" });
  const topic = el("input", { id: "p-topic", autocomplete: "off" });
  const confirmBox = el("input", { id: "p-confirm", type: "checkbox" });
  // A throttled rule's digest: the mapping runs with ctx.throttle of a period that held this event.
  const digestBox = el("input", { id: "p-digest", type: "checkbox" });
  const digestField = el("div", { hidden: true }, el("label", { for: "p-digest" }, digestBox, " Its digest (ctx.throttle)"));
  const sendStatus = el("p", { class: "status", role: "status", "aria-live": "polite" });
  let edited = false;
  let lastCase = null;
  script.addEventListener("input", () => { edited = true; });

  async function loadScript() {
    script.value = await api("/playground/script?name=" + encodeURIComponent(mappingSelect.value));
    edited = false;
  }
  function pickRule() {
    const rule = options.rules.find(r => r.name === ruleSelect.value);
    digestField.hidden = !(rule && rule.throttled);
    if (digestField.hidden) digestBox.checked = false;
    if (!rule) return;
    mappingSelect.value = rule.mapping;
    if (rule.source) sourceSelect.value = rule.source;
    topic.value = rule.topic || "";
    loadScript();
  }
  const bodyField = el("div", {}, el("label", { for: "p-body" }, "Body"), body);
  const sourceField = el("div", {}, el("label", { for: "p-source" }, "Source"), sourceSelect);
  function pickEvent() { bodyField.hidden = sourceField.hidden = eventSelect.value !== ""; }
  eventSelect.addEventListener("change", pickEvent);
  ruleSelect.addEventListener("change", pickRule);
  mappingSelect.addEventListener("change", loadScript);

  function request() {
    return { rule: ruleSelect.value || null, mapping: mappingSelect.value, source: eventSelect.value ? null : sourceSelect.value,
      event: eventSelect.value || null, body: eventSelect.value ? null : body.value, script: edited ? script.value : null,
      digest: digestBox.checked };
  }
  function goTo(line, column) {
    const lines = script.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset += Math.max(0, (column || 1) - 1);
    script.focus();
    script.setSelectionRange(offset, offset);
  }
  async function run(e) {
    e.preventDefault();
    status.textContent = "Running…";
    try {
      const r = await post("/playground/run", request());
      lastCase = r.test_case;
      status.textContent = r.errors.length ? `The mapping failed (${r.errors.length} error${r.errors.length > 1 ? "s" : ""}); nothing was sent.`
        : r.dropped ? "The mapping returned nothing; nothing would be sent." : `${r.messages.length} message(s) would be sent; nothing was sent.`;
      result.replaceChildren(
        el("h2", {}, "ntfy JSON that would be sent"),
        r.messages.length ? el("pre", { id: "ntfy-json", tabindex: "0" }, r.messages.map(m => JSON.stringify(m, null, 2)).join("\n\n")) : el("p", { class: "muted" }, "None."),
        el("h2", {}, "Errors"),
        r.errors.length ? el("ul", { class: "errors" }, r.errors.map(er => el("li", { class: "error" }, er.text,
          er.line ? [" ", el("button", { type: "button", class: "secondary", onclick: () => goTo(er.line, er.column) }, `Go to line ${er.line}, column ${er.column}`)] : null)))
          : el("p", { class: "muted" }, "None."),
        el("h2", {}, "Console"), r.console.length ? el("pre", { tabindex: "0" }, r.console.join("\n")) : el("p", { class: "muted" }, "Nothing printed."),
        el("h2", {}, "Rules"),
        el("table", { class: "cards", "aria-label": "Verdicts" }, el("thead", {}, el("tr", {}, ["Rule", "Verdict", "Why"].map(h => el("th", { scope: "col" }, h)))),
          el("tbody", {}, r.verdicts.map(v => el("tr", {}, cell("Rule", v.rule), cell("Verdict", badge(v.matched ? "matched" : "not matched")), cell("Why", v.reason || "all its keys match"))))),
        el("details", {}, el("summary", {}, "Normalised event"), json(r.event)));
    } catch (err) { status.textContent = err.message; result.replaceChildren(); }
  }
  function download() {
    if (!lastCase) { status.textContent = "Run it first: the case expects what the run made."; return; }
    const a = el("a", { href: URL.createObjectURL(new Blob([lastCase], { type: "application/yaml" })), download: (mappingSelect.value.replace(/\.js$/, "").replace(/[^A-Za-z0-9_-]/g, "") || "default") + ".playground.yaml" });
    document.body.append(a);
    a.click();
    a.remove();
  }
  async function send(e) {
    e.preventDefault();
    if (!confirmBox.checked) { sendStatus.textContent = "Tick the box to confirm the topic first."; return; }
    sendStatus.textContent = "Sending…";
    try {
      const answer = await post("/playground/send", Object.assign(request(), { topic: topic.value, confirm_topic: topic.value }));
      sendStatus.replaceChildren("Queued as test event ", el("a", { href: "/admin/events/" + encodeURIComponent(answer.event) }, answer.event), ".");
    } catch (err) { sendStatus.textContent = err.message; }
  }

  const form = el("form", { "aria-label": "Try a mapping", onsubmit: run },
    el("div", { class: "filters" },
      el("div", {}, el("label", { for: "p-rule" }, "Rule"), ruleSelect),
      digestField,
      el("div", {}, el("label", { for: "p-mapping" }, "Mapping"), mappingSelect),
      el("div", {}, el("label", { for: "p-event" }, "Event"), eventSelect),
      sourceField),
    bodyField,
    el("div", {}, el("label", { for: "p-script" }, "Script"), script),
    el("p", { class: "row" }, el("button", { type: "submit" }, "Run (sends nothing)"),
      el("button", { type: "button", class: "secondary", onclick: download }, "Download as bridge test case")),
    status);
  const sendForm = el("form", { class: "card", "aria-label": "Send as test", onsubmit: send },
    el("h2", {}, "Send as test"),
    el("p", { class: "muted" }, "Sends what the mapping makes to the topic below, for real, and records it as a test event."),
    el("label", { for: "p-topic" }, "Topic"), topic,
    el("p", {}, el("label", { for: "p-confirm", class: "inline" }, confirmBox, " Send a real notification to this topic")),
    el("button", { type: "submit", class: "danger" }, "Send as test"), sendStatus);
  show(el("h1", {}, "Playground"), form, result, sendForm);
  pickEvent();
  if (params.get("rule")) { ruleSelect.value = params.get("rule"); pickRule(); }
  else if (options.rules.length) { ruleSelect.value = options.rules[0].name; pickRule(); }
  else await loadScript();
}

// ---- the silences in force: shown above every page while one exists, each with a button that ends it
async function silenceBanner() {
  const { silences } = await api("/silences");
  if (!silences.length) return;
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const keys = s => Object.entries(s.match).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}=${v}`).join(", ");
  async function end(s, button) {
    button.disabled = true;
    try {
      await api("/silences/" + encodeURIComponent(s.id), { method: "DELETE" });
      button.closest("li").remove();
      status.textContent = `Ended ${s.id}: its events are sent again.`;
    } catch (e) {
      button.disabled = false;
      status.textContent = e.message;
    }
  }
  main.prepend(el("section", { class: "silences", "aria-label": "Silences in force" },
    el("h2", {}, silences.length === 1 ? "1 silence in force" : `${silences.length} silences in force`),
    el("ul", {}, silences.map(s => el("li", { "data-silence": s.id },
      el("strong", {}, keys(s)), ` until ${when(s.ends_at)} · ${s.comment} · ${s.created_by} `,
      el("button", { type: "button", class: "secondary", "aria-label": "End silence " + s.id, onclick: e => end(s, e.currentTarget) }, "End")))),
    status));
}

async function route() {
  markNav();
  const path = location.pathname.replace(/\/+$/, "");
  const detail = /^\/admin\/events\/(.+)$/.exec(path);
  try {
    if (path === "/admin/events") eventsPage();
    else if (detail) await eventPage(decodeURIComponent(detail[1]));
    else if (path === "/admin/messages") await messagesPage();
    else if (path === "/admin/destinations") await destinationsPage();
    else if (path === "/admin/playground") await playgroundPage();
    else show(el("h1", {}, "Not found"), el("p", {}, el("a", { href: "/admin/events" }, "Events")));
    await silenceBanner();
  } catch (e) {
    if (e.message !== "signed out") show(el("h1", {}, "Could not load this page"), el("p", { class: "error", role: "alert" }, e.message));
  }
}

route();
