// Hand-drawn SVG charts for the stats page (no library, no CDN): horizontal bars, a line
// chart over days, a stacked bar for shares, and the table each chart also comes as.
//
// Charts are drawn left to right and mirrored for a right-to-left page: bars grow from
// the right and time runs right to left, as the page is read. Colours are CSS classes
// (stats.css), so dark mode and the CSP (no inline styles) both hold.

import { dirOf } from "./text.js";
import { h } from "./view.js";

const SVG = "http://www.w3.org/2000/svg";

/** s("rect", {x: 1}, child, …): an SVG element; text children become text nodes. */
function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(key, String(value));
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const round = (x) => Math.round(x * 10) / 10;

/**
 * A text whose `align` side ("left" | "right" | "middle") sits at x, whatever the
 * direction of its own words (an English entry id on a Persian page, or the reverse).
 */
function label(x, y, content, align, attrs = {}) {
  const own = dirOf(content) || "ltr";
  const anchor =
    align === "middle" ? "middle"
    : (align === "left") === (own === "ltr") ? "start"
    : "end";
  return s("text", { x: round(x), y: round(y), direction: own, "text-anchor": anchor, ...attrs }, content);
}

/** Clip a label to `max` characters; the whole of it goes in the bar's <title>. */
function clipLabel(text, max) {
  const points = Array.from(String(text));
  return points.length <= max ? points.join("") : points.slice(0, max - 1).join("") + "…";
}

/** Maps a left-to-right x (and width) onto the page's direction. */
function mirror(width, rtl) {
  return {
    x: (x) => (rtl ? width - x : x),
    rect: (x, w) => (rtl ? width - x - w : x),
    side: (align) => (rtl ? { left: "right", right: "left", middle: "middle" }[align] : align),
  };
}

/**
 * Horizontal bars, one row each: `value` filled over an optional lighter `total` (the
 * same unit, scaled to `max`), the label before the bar and `text` after it.
 * @param {{rows: {label: string, value: number, total?: number, text: string, title: string, key?: string}[],
 *          max: number, rtl: boolean, ariaLabel: string, className?: string}} options
 */
export function barChart({ rows, max, rtl, ariaLabel, className = "" }) {
  const width = 760;
  const labelWidth = 230;
  const valueWidth = 120;
  const rowHeight = 28;
  const barHeight = 16;
  const top = 4;
  const height = top * 2 + rows.length * rowHeight;
  const span = width - labelWidth - valueWidth;
  const m = mirror(width, rtl);
  const scale = (v) => (max > 0 ? (Math.max(0, Math.min(v, max)) / max) * span : 0);
  const bars = rows.map((row, i) => {
    const y = top + i * rowHeight;
    const middle = y + rowHeight / 2;
    const filled = scale(row.value);
    const whole = row.total === undefined ? null : scale(row.total);
    const end = labelWidth + Math.max(filled, whole ?? 0);
    return s(
      "g",
      { class: "bar-row", "data-key": row.key ?? row.label },
      s("title", {}, row.title),
      label(m.x(labelWidth - 10), middle + 4, clipLabel(row.label, 30), m.side("right"), {
        class: "bar-label",
      }),
      s("rect", {
        class: "bar-track",
        x: round(m.rect(labelWidth, span)),
        y: y + (rowHeight - barHeight) / 2,
        width: span,
        height: barHeight,
        rx: 3,
      }),
      whole === null
        ? null
        : s("rect", {
            class: "bar-total",
            x: round(m.rect(labelWidth, whole)),
            y: y + (rowHeight - barHeight) / 2,
            width: round(whole),
            height: barHeight,
            rx: 3,
          }),
      s("rect", {
        class: "bar-fill",
        x: round(m.rect(labelWidth, filled)),
        y: y + (rowHeight - barHeight) / 2,
        width: round(filled),
        height: barHeight,
        rx: 3,
      }),
      label(m.x(end + 8), middle + 4, row.text, m.side("left"), { class: "bar-value" }),
    );
  });
  return s(
    "svg",
    {
      class: `chart bar-chart ${className}`.trim(),
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": ariaLabel,
      preserveAspectRatio: "xMidYMin meet",
    },
    bars,
  );
}

// Scale tops and their grid steps: rates rarely reach 100 %, and round ticks read best.
const SCALES = [
  [0.05, 0.01],
  [0.1, 0.02],
  [0.2, 0.05],
  [0.3, 0.1],
  [0.5, 0.1],
  [1, 0.25],
];

/** The smallest scale that holds `top`, as [max, step]. */
function niceScale(top) {
  return SCALES.find(([max]) => top <= max) || SCALES[SCALES.length - 1];
}

/**
 * Lines over days: `series` [{name, className, values: (number|null)[]}] against `days`
 * (labels already formatted), rates 0..1. A null is a day with nothing to measure: the
 * line breaks there rather than dropping to zero.
 * @param {{days: string[], titles: string[], series: object[], rtl: boolean, ariaLabel: string,
 *          pct: (rate: number) => string}} options
 */
export function lineChart({ days, titles, series, rtl, ariaLabel, pct }) {
  const width = 760;
  const height = 220;
  const pad = { start: 56, end: 20, top: 14, bottom: 34 };
  const plotW = width - pad.start - pad.end;
  const plotH = height - pad.top - pad.bottom;
  const m = mirror(width, rtl);
  const values = series.flatMap((one) => one.values).filter((v) => typeof v === "number");
  const [yMax, step] = niceScale(Math.max(0.01, ...values));
  const xOf = (i) => pad.start + (days.length === 1 ? plotW / 2 : (i / (days.length - 1)) * plotW);
  const yOf = (v) => pad.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const levels = Array.from({ length: Math.round(yMax / step) + 1 }, (_, i) => i * step);
  const grid = levels.map((level) => {
    const y = yOf(level);
    return s(
      "g",
      { class: "grid" },
      s("line", { x1: m.x(pad.start), x2: m.x(width - pad.end), y1: round(y), y2: round(y) }),
      label(m.x(pad.start - 8), y + 4, pct(level), m.side("right"), { class: "axis-label" }),
    );
  });
  // At most 7 day labels, evenly spaced back from the last day (always labelled).
  const every = Math.max(1, Math.ceil(days.length / 7));
  const ticks = days.map((day, i) =>
    (days.length - 1 - i) % every === 0
      ? label(m.x(xOf(i)), height - 12, day, "middle", { class: "axis-label" })
      : null,
  );
  const lines = series.map((one) => {
    const runs = [];
    let run = [];
    one.values.forEach((v, i) => {
      if (typeof v === "number") run.push(`${round(m.x(xOf(i)))},${round(yOf(v))}`);
      else if (run.length) (runs.push(run), (run = []));
    });
    if (run.length) runs.push(run);
    return s(
      "g",
      { class: `series ${one.className}`, "data-series": one.className },
      runs.map((points) =>
        points.length > 1 ? s("polyline", { points: points.join(" "), fill: "none" }) : null,
      ),
      one.values.map((v, i) =>
        typeof v === "number"
          ? s(
              "circle",
              { cx: round(m.x(xOf(i))), cy: round(yOf(v)), r: 3.5 },
              s("title", {}, `${titles[i]} · ${one.name}: ${pct(v)}`),
            )
          : null,
      ),
    );
  });
  return s(
    "svg",
    {
      class: "chart line-chart",
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": ariaLabel,
      preserveAspectRatio: "xMidYMin meet",
    },
    grid,
    s("line", {
      class: "axis",
      x1: m.x(pad.start),
      x2: m.x(width - pad.end),
      y1: pad.top + plotH,
      y2: pad.top + plotH,
    }),
    ticks,
    lines,
  );
}

/** A legend entry: a short sample of the series' line, then its name. */
export function legendItem(name, className) {
  return h(
    "li",
    {},
    s(
      "svg",
      { class: `swatch series ${className}`, viewBox: "0 0 28 10", "aria-hidden": "true" },
      s("line", { x1: 1, x2: 27, y1: 5, y2: 5 }),
    ),
    name,
  );
}

/**
 * Shares as one stacked bar (`parts` [{value, className, title}], values summing to ≤ 1),
 * e.g. the mood mix; the page names the parts beside it.
 */
export function stackedBar({ parts, rtl, ariaLabel }) {
  const width = 200;
  const m = mirror(width, rtl);
  let at = 0;
  const rects = parts.map((part) => {
    const w = Math.max(0, part.value) * width;
    const rect = s(
      "rect",
      { class: part.className, x: round(m.rect(at, w)), y: 0, width: round(w), height: 10 },
      s("title", {}, part.title),
    );
    at += w;
    return rect;
  });
  return s(
    "svg",
    { class: "stacked", viewBox: `0 0 ${width} 10`, role: "img", "aria-label": ariaLabel, preserveAspectRatio: "none" },
    s("rect", { class: "bar-track", x: 0, y: 0, width, height: 10 }),
    rects,
  );
}

/**
 * The same numbers as a table: `columns` [{label, numeric?}], `rows` [{key, cells: [...]}];
 * the first cell of each row is its header.
 */
export function dataTable({ caption, columns, rows, className = "" }) {
  return h(
    "table",
    { class: `data ${className}`.trim() },
    caption ? h("caption", {}, caption) : null,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          { "data-key": row.key },
          row.cells.map((cell, i) =>
            i === 0
              ? h("th", { scope: "row" }, cell)
              : h("td", { class: columns[i].numeric ? "num" : null, "data-column": columns[i].name }, cell),
          ),
        ),
      ),
    ),
  );
}

/**
 * A chart section: heading, a note on what is counted, the chart (an image with a
 * one-sentence summary for screen readers), an optional legend, and its table folded
 * under "Show as a table".
 */
export function chartSection({ id, title, note, chart, legend, table, asTable }) {
  const headingId = `${id}-title`;
  return h(
    "section",
    { id, class: "stats-section", "aria-labelledby": headingId },
    h("h2", { id: headingId }, title),
    note ? h("p", { class: "note" }, note) : null,
    h("figure", { class: "chart-figure" }, chart, legend ? h("ul", { class: "legend" }, legend) : null),
    h("details", { class: "as-table" }, h("summary", {}, asTable), table),
  );
}
