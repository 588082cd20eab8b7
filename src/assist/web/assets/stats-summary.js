// The stats page's summary: tiles for suggestions served, how well they matched, the
// customers' mood, the drafts checked and the follow-ups, then the same per language.

import { dataTable, stackedBar } from "./stats-charts.js";
import { h } from "./view.js";

const MOODS = ["calm", "frustrated", "angry"];

function tile(name, title, main, sub, extra) {
  return h(
    "div",
    { class: "tile", "data-tile": name, role: "group", "aria-label": title },
    h("p", { class: "tile-title" }, title),
    h("p", { class: "tile-main" }, main),
    extra || null,
    sub ? h("p", { class: "tile-sub" }, sub) : null,
  );
}

/** The tiles, from the /v1/stats answer. */
export function summaryTiles(t, stats, rtl) {
  const a = stats.answers;
  const matchParts = [
    { value: a.match_rate ?? 0, className: "part-confident", name: "confident", rate: a.match_rate },
    { value: a.weak_rate ?? 0, className: "part-weak", name: "weak", rate: a.weak_rate },
    { value: a.no_match_rate ?? 0, className: "part-none", name: "none", rate: a.no_match_rate },
  ].map((p) => ({ ...p, title: `${t.matchParts[p.name]}: ${t.pct(p.rate)}` }));
  const moods = moodParts(t, stats.mood);
  const c = stats.checks;
  const f = stats.followups;
  return h(
    "div",
    { class: "tiles", role: "region", "aria-label": t.summaryLabel },
    tile("served", t.served, t.num(a.served), t.servedSub),
    tile(
      "match",
      t.match,
      a.served ? t.pct(a.match_rate) : "—",
      t.matchSub(t.pct(a.weak_rate), t.pct(a.no_match_rate)),
      a.served
        ? stackedBar({ parts: matchParts, rtl, ariaLabel: matchParts.map((p) => p.title).join(t.sep) })
        : null,
    ),
    tile(
      "mood",
      t.moodTitle,
      moods.length ? moods.map((m) => m.title).join(t.sep) : t.moodNone,
      null,
      moods.length
        ? stackedBar({ parts: moods, rtl, ariaLabel: moods.map((m) => m.title).join(t.sep) })
        : null,
    ),
    tile("checks", t.checksTitle, t.num(c.checked), t.checksSub(t.pct(c.recital_rate), t.pct(c.over_promise_rate))),
    tile(
      "followups",
      t.followupsTitle,
      t.followupsMain(t.num(f.on_time ?? 0), t.num(f.overdue ?? 0)),
      t.followupsSub(t.num(f.done_on_time ?? 0), t.num(f.done_late ?? 0)),
    ),
  );
}

function moodParts(t, mood) {
  const rows = [...(mood || [])].filter((m) => m.served > 0);
  rows.sort((x, y) => MOODS.indexOf(x.mood) - MOODS.indexOf(y.mood));
  return rows.map((m) => ({
    value: m.share ?? 0,
    className: `mood-${MOODS.includes(m.mood) ? m.mood : "other"}`,
    title: `${t.mood[m.mood] || m.mood} ${t.pct(m.share)}`,
  }));
}

/** Served and match rates per language, a small table (nothing when there is one language
 * or none: the tiles already say it). */
export function languageTable(t, byLang) {
  if (!byLang || byLang.length < 2) return null;
  const names = ["served", "match_rate", "weak_rate", "no_match_rate"];
  return h(
    "section",
    { id: "languages", class: "stats-section", "aria-labelledby": "languages-title" },
    h("h2", { id: "languages-title" }, t.langTitle),
    dataTable({
      columns: [
        { label: t.columns.lang },
        ...names.map((name) => ({ name, label: t.columns[name], numeric: true })),
      ],
      rows: byLang.map((row) => ({
        key: row.lang,
        cells: [
          t.langName[row.lang] || row.lang,
          t.num(row.served),
          t.pct(row.match_rate),
          t.pct(row.weak_rate),
          t.pct(row.no_match_rate),
        ],
      })),
    }),
  );
}
