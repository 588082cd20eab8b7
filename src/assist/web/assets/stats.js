// The stats page (/widget/stats): a lead's view of what works and what is missing —
// suggestions served and how well they matched, acceptance per reply, recital and
// over-promise per day, contributors, and the gaps to write the next playbook entry for.
// Reads GET /v1/stats and /v1/stats/gaps; the key is typed in (or given as #key=…,
// dropped from the address at once) and kept in memory only. The range, team and
// language are in the address (?from=&to=&team=&ui=), so a view can be bookmarked.

import { Api, ApiError } from "./api.js";
import { explain } from "./review-queue.js";
import { gapsSection } from "./stats-gaps.js";
import { contributorsSection, repliesSection, trendSection } from "./stats-sections.js";
import { statsStrings } from "./stats-strings.js";
import { languageTable, summaryTiles } from "./stats-summary.js";
import { applyPageLanguage, h, keyFromFragment, noticeView, setConnection } from "./view.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const ui = {
  form: $("connect"),
  key: $("key"),
  keyLabel: $("key-label"),
  lang: $("ui"),
  langLabel: $("ui-label"),
  connectButton: $("connect-button"),
  connection: $("connection"),
  brand: $("brand-sub"),
  range: $("range"),
  rangeLabel: $("range-label"),
  from: $("from"),
  to: $("to"),
  team: $("team"),
  fromLabel: $("from-label"),
  toLabel: $("to-label"),
  teamLabel: $("team-label"),
  teamHelp: $("team-help"),
  show: $("show"),
  rangeError: $("range-error"),
  content: $("content"),
};

let t = statsStrings(initialLanguage());
let generation = 0; // a newer Connect or Show makes the answers of an older one stale
const state = {
  api: null,
  me: null, // {name, role, team} once the server said
  error: null, // [title, detail]: the connection or /v1/stats failed
  stats: null,
  gaps: null,
  gapsError: null,
  loading: false,
};

function initialLanguage() {
  const asked = params.get("ui");
  if (asked === "fa" || asked === "en") return asked;
  return (navigator.language || "").toLowerCase().startsWith("fa") ? "fa" : "en";
}

/** "YYYY-MM-DD" of a local date. */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function initialRange() {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const today = new Date();
  const monthAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  ui.from.value = day.test(params.get("from") || "") ? params.get("from") : isoDay(monthAgo);
  ui.to.value = day.test(params.get("to") || "") ? params.get("to") : isoDay(today);
  ui.team.value = (params.get("team") || "").slice(0, 100);
}

// ------------------------------------------------------------------ connecting, loading

async function connect(key) {
  const mine = ++generation;
  state.api?.close();
  const api = new Api(new URL("../", location.href), key);
  Object.assign(state, { api, me: null, error: null, stats: null, gaps: null, gapsError: null });
  setConnection(ui, t.connecting, "");
  render();
  let me;
  try {
    me = await api.get("v1/me");
  } catch (error) {
    if (mine !== generation) return;
    state.error = explain(t, error, api);
    setConnection(ui, error instanceof ApiError && error.kind === "auth" ? t.keyRefused : state.error[0], "error");
    render();
    return;
  }
  if (mine !== generation) return;
  state.me = me;
  applyRole();
  if (me.role === "agent") {
    render();
    return;
  }
  if (!ui.team.value || me.role !== "admin") ui.team.value = me.team;
  await load();
}

/** What the range form allows this key: an admin names any team, a lead sees their own. */
function applyRole() {
  const me = state.me;
  const agent = me?.role === "agent";
  for (const field of [ui.from, ui.to, ui.team, ui.show]) field.disabled = agent;
  ui.team.readOnly = me?.role !== "admin";
  ui.teamHelp.textContent = !me || agent ? "" : me.role === "admin" ? t.teamHelpAdmin : t.teamHelpLead;
  if (!me) return;
  if (agent) setConnection(ui, t.connectedAgent, "error");
  else setConnection(ui, me.role === "admin" ? t.connectedAdmin : t.connected(me.team), "ok");
}

function checkRange() {
  if (!ui.from.value || !ui.to.value) return t.noDates;
  if (ui.from.value > ui.to.value) return t.badRange;
  return "";
}

async function load() {
  const problem = checkRange();
  ui.rangeError.textContent = problem;
  ui.from.toggleAttribute("aria-invalid", Boolean(problem));
  if (problem || !state.api || state.me?.role === "agent") return;
  const mine = ++generation;
  const query = { from: ui.from.value, to: ui.to.value, team: ui.team.value.trim() };
  remember(query);
  Object.assign(state, { error: null, stats: null, gaps: null, gapsError: null, loading: true });
  render();
  const gaps = state.api.get("v1/stats/gaps", query).then(
    (answer) => ({ answer }),
    (error) => ({ error }),
  );
  try {
    state.stats = await state.api.get("v1/stats", query);
  } catch (error) {
    if (mine !== generation) return;
    state.error = explain(t, error, state.api);
  }
  if (mine !== generation) return;
  state.loading = false;
  render();
  const got = await gaps;
  if (mine !== generation) return;
  if (got.error) state.gapsError = explain(t, got.error, state.api);
  else state.gaps = { ...got.answer, clusters: got.answer.clusters || [] };
  render();
}

/** The range and team in the address (never the key). */
function remember({ from, to, team }) {
  const query = new URLSearchParams(location.search);
  query.set("from", from);
  query.set("to", to);
  if (team) query.set("team", team);
  else query.delete("team");
  query.set("ui", t.lang);
  history.replaceState(null, "", `${location.pathname}?${query}`);
}

// ------------------------------------------------------------------ rendering

function render() {
  const content = ui.content;
  content.toggleAttribute("aria-busy", state.loading);
  if (!state.api) return content.replaceChildren(noticeView("info", t.noKey, ""));
  if (state.error) return content.replaceChildren(noticeView("error", ...state.error));
  if (!state.me) return content.replaceChildren(loadingNote());
  if (state.me.role === "agent") return content.replaceChildren(leadsOnly());
  if (!state.stats) return content.replaceChildren(loadingNote());
  const stats = state.stats;
  const rtl = t.lang === "fa";
  const range = h(
    "p",
    { class: "range-title" },
    t.rangeTitle(t.longDay(stats.from), t.longDay(stats.to), stats.team ?? ""),
  );
  if (isEmpty(stats)) {
    const empty = noticeView("empty", t.empty, t.emptyBody(t.longDay(stats.from), t.longDay(stats.to), stats.team ?? ""));
    empty.id = "empty";
    const f = stats.followups || {};
    const open = f.on_time > 0 || f.overdue > 0;
    content.replaceChildren(
      range,
      empty,
      open ? h("p", { class: "note open-now" }, t.openNow(t.num(f.on_time ?? 0), t.num(f.overdue ?? 0))) : "",
    );
    return;
  }
  content.replaceChildren(
    range,
    summaryTiles(t, stats, rtl),
    languageTable(t, stats.by_lang) || "",
    repliesSection(t, stats.replies, rtl),
    trendSection(t, stats.checks, rtl),
    contributorsSection(t, stats.authors, rtl),
    gapsSection(t, { gaps: state.gaps, kept: stats.gaps?.kept ?? 0, error: state.gapsError }),
  );
}

/** Nothing at all happened in the range: one honest sentence instead of empty charts.
 * (Open follow-ups are counted as they stand now, not in the range: they don't count.) */
function isEmpty(stats) {
  const f = stats.followups || {};
  const followups = f.done_on_time > 0 || f.done_late > 0;
  return (
    !stats.answers?.served &&
    !stats.checks?.checked &&
    !(stats.replies || []).some((r) => r.shown > 0) &&
    !(stats.authors || []).some((a) => a.shown > 0) &&
    !stats.gaps?.kept &&
    !followups
  );
}

function loadingNote() {
  return h("p", { class: "note", role: "status" }, t.loading);
}

function leadsOnly() {
  const notice = noticeView("error", t.leadsOnly, t.leadsOnlyBody(state.me.name));
  notice.id = "leads-only";
  notice.append(h("a", { class: "button", href: `review?ui=${t.lang}` }, t.reviewLink));
  return notice;
}

// ------------------------------------------------------------------ language

function applyLanguage() {
  applyPageLanguage(ui, t);
  ui.rangeLabel.textContent = t.rangeLabel;
  ui.fromLabel.textContent = t.from;
  ui.toLabel.textContent = t.to;
  ui.teamLabel.textContent = t.team;
  ui.show.textContent = t.show;
  if (ui.rangeError.textContent) ui.rangeError.textContent = checkRange();
  applyRole();
  render();
}

// ------------------------------------------------------------------ start

keyFromFragment(ui.key);
initialRange();
ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = ui.key.value.trim();
  if (key) connect(key.slice(0, 500));
  else setConnection(ui, t.noKey, "error");
});
ui.range.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
ui.lang.addEventListener("change", () => {
  t = statsStrings(ui.lang.value);
  const query = new URLSearchParams(location.search);
  query.set("ui", t.lang);
  history.replaceState(null, "", `${location.pathname}?${query}`);
  applyLanguage();
});
applyLanguage();
