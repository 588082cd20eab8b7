// The stats page's charts, each with its table and its own empty state: acceptance per
// reply (bars), recital and over-promise per day (lines), contributors (bars of use).

import { barChart, chartSection, dataTable, legendItem, lineChart } from "./stats-charts.js";
import { h, noticeView } from "./view.js";

const MOST_REPLIES = 12; // bars drawn; the table lists every reply
const MOST_AUTHORS = 12;

/** Suggestions inserted or sent (each once): the server's count, else from the rate. */
const used = (row) => row.accepted ?? Math.round((row.acceptance ?? 0) * row.shown);

function emptySection(id, title, empty, body) {
  return h(
    "section",
    { id, class: "stats-section is-empty", "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    noticeView("empty", empty, body),
  );
}

/** "order-late/check-tracking" as it is; a snippet ("snippet-7/shared") by its number
 * and author, which say more than its key. */
function replyLabel(t, r) {
  const number = /^snippet-(\d+)$/.exec(r.entry_id || "");
  return r.source === "snippet" && number ? t.snippetLabel(Number(number[1]), r.author) : r.key;
}

/** The entry's title in the page's language, else in English, else none. */
function entryTitle(t, r) {
  return r.title?.[t.lang] || r.title?.en || null;
}

/** Acceptance = inserted or sent ÷ shown, per playbook reply and snippet. */
export function repliesSection(t, replies, rtl) {
  const shown = (replies || []).filter((r) => r.shown > 0);
  if (!shown.length) return emptySection("replies", t.repliesTitle, t.repliesEmpty, t.repliesEmptyBody);
  const drawn = [...shown]
    .sort((a, b) => b.shown - a.shown)
    .slice(0, MOST_REPLIES)
    .sort((a, b) => (b.acceptance ?? 0) - (a.acceptance ?? 0) || b.shown - a.shown);
  const chart = barChart({
    rows: drawn.map((r) => ({
      key: r.key,
      label: replyLabel(t, r),
      value: r.acceptance ?? 0,
      text: `${t.pct(r.acceptance)}${t.sep}${t.ofShown(t.num(used(r)), t.num(r.shown))}`,
      title: [
        r.key,
        entryTitle(t, r),
        r.source === "snippet" ? t.fromSnippet(r.author) : null,
        `${t.columns.acceptance} ${t.pct(r.acceptance)}`,
        `${t.columns.shown} ${t.num(r.shown)}`,
        `${t.columns.inserted} ${t.num(r.inserted)}`,
        `${t.columns.sent} ${t.num(r.sent)}`,
        `${t.columns.dismissed} ${t.num(r.dismissed)}`,
      ]
        .filter(Boolean)
        .join(t.sep),
    })),
    max: 1,
    rtl,
    ariaLabel: t.repliesSummary(drawn, t.pct),
    className: "acceptance",
  });
  const names = ["shown", "inserted", "sent", "sent_rewritten", "dismissed", "acceptance", "mean_edit_distance"];
  const table = dataTable({
    caption: t.repliesTitle,
    columns: [
      { label: t.columns.reply },
      { name: "title", label: t.columns.title },
      { name: "source", label: t.columns.source },
      ...names.map((name) => ({ name, label: t.columns[name], numeric: true })),
    ],
    rows: [...replies]
      .sort((a, b) => b.shown - a.shown)
      .map((r) => ({
        key: r.key,
        cells: [
          h("bdi", { dir: "ltr" }, r.key),
          entryTitle(t, r) ? h("bdi", {}, entryTitle(t, r)) : "—",
          r.source === "snippet" ? t.fromSnippet(r.author) : t.sourceName[r.source] || r.source,
          t.num(r.shown),
          t.num(r.inserted),
          t.num(r.sent),
          t.num(r.sent_rewritten ?? 0),
          t.num(r.dismissed),
          t.pct(r.acceptance),
          // Stored in thousandths of the text (normalised Levenshtein): a share changed.
          typeof r.mean_edit_distance === "number" ? t.pct(r.mean_edit_distance / 1000) : "—",
        ],
      })),
  });
  return chartSection({
    id: "replies",
    title: t.repliesTitle,
    note: t.repliesNote(drawn.length, shown.length),
    chart,
    table,
    asTable: t.asTable,
  });
}

/** Every day from the first to the last of `trend` ("YYYY-MM-DD"), with the days the
 * server left out (nothing checked) as null: the line breaks, it doesn't fall to 0. */
function fillDays(trend) {
  const byDay = new Map(trend.map((row) => [String(row.day).slice(0, 10), row]));
  const days = [...byDay.keys()].sort();
  const out = [];
  const last = Date.parse(`${days[days.length - 1]}T00:00:00Z`);
  for (let at = Date.parse(`${days[0]}T00:00:00Z`); at <= last && out.length < 400; at += 86400000) {
    const day = new Date(at).toISOString().slice(0, 10);
    out.push({ day, row: byDay.get(day) || null });
  }
  return out;
}

/** Recital and over-promise rates of the checked drafts, per day. */
export function trendSection(t, checks, rtl) {
  const trend = (checks?.trend || []).filter((row) => row.checked > 0);
  if (!checks?.checked || !trend.length) {
    return emptySection("trend", t.trendTitle, t.trendEmpty, t.trendEmptyBody);
  }
  const days = fillDays(trend);
  const chart = lineChart({
    days: days.map((d) => t.day(d.day)),
    titles: days.map((d) => t.longDay(d.day)),
    series: [
      { name: t.recital, className: "recital", values: days.map((d) => d.row?.recital_rate ?? null) },
      { name: t.overPromise, className: "over-promise", values: days.map((d) => d.row?.over_promise_rate ?? null) },
    ],
    rtl,
    pct: t.pct,
    ariaLabel: t.trendSummary(t.num(checks.checked), t.pct(checks.recital_rate), t.pct(checks.over_promise_rate)),
  });
  const table = dataTable({
    caption: t.trendTitle,
    columns: [
      { label: t.columns.day },
      { name: "checked", label: t.columns.checked, numeric: true },
      { name: "recital_rate", label: t.columns.recital_rate, numeric: true },
      { name: "over_promise_rate", label: t.columns.over_promise_rate, numeric: true },
    ],
    rows: trend.map((row) => ({
      key: String(row.day).slice(0, 10),
      cells: [
        h("time", { datetime: String(row.day).slice(0, 10) }, t.longDay(row.day)),
        t.num(row.checked),
        t.pct(row.recital_rate),
        t.pct(row.over_promise_rate),
      ],
    })),
  });
  return chartSection({
    id: "trend",
    title: t.trendTitle,
    note: t.trendNote,
    chart,
    legend: [legendItem(t.recital, "recital"), legendItem(t.overPromise, "over-promise")],
    table,
    asTable: t.asTable,
  });
}

/** Who shares what works: times each author's snippets were shown, and used. */
export function contributorsSection(t, authors, rtl) {
  const rows = (authors || [])
    .filter((a) => a.shown > 0)
    .map((a) => ({ ...a, used: used(a) }))
    .sort((a, b) => b.used - a.used || b.shown - a.shown);
  if (!rows.length) {
    return emptySection("contributors", t.contributorsTitle, t.contributorsEmpty, t.contributorsEmptyBody);
  }
  const drawn = rows.slice(0, MOST_AUTHORS);
  const chart = barChart({
    rows: drawn.map((a) => ({
      key: a.author,
      label: a.author,
      value: a.used,
      total: a.shown,
      text: `${t.ofShown(t.num(a.used), t.num(a.shown))}${t.sep}${t.pct(a.acceptance)}`,
      title: [
        a.author,
        `${t.columns.snippets} ${t.num(a.snippets)}`,
        `${t.columns.shown} ${t.num(a.shown)}`,
        `${t.columns.inserted} ${t.num(a.inserted)}`,
        `${t.columns.sent} ${t.num(a.sent)}`,
      ].join(t.sep),
    })),
    max: Math.max(...drawn.map((a) => a.shown)),
    rtl,
    ariaLabel: t.contributorsSummary(drawn, t.num),
    className: "contributors",
  });
  const names = ["snippets", "shown", "inserted", "sent", "acceptance"];
  const table = dataTable({
    caption: t.contributorsTitle,
    columns: [
      { label: t.columns.author },
      ...names.map((name) => ({ name, label: t.columns[name], numeric: true })),
    ],
    rows: (authors || []).map((a) => ({
      key: a.author,
      cells: [
        h("bdi", {}, a.author),
        t.num(a.snippets),
        t.num(a.shown),
        t.num(a.inserted),
        t.num(a.sent),
        t.pct(a.acceptance),
      ],
    })),
  });
  return chartSection({
    id: "contributors",
    title: t.contributorsTitle,
    note: t.contributorsNote,
    chart,
    table,
    asTable: t.asTable,
  });
}
