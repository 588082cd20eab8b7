// Pure text helpers for the sidebar: slot spans, composing the final reply, direction.
// No DOM here, so the browser tests can import this module on its own.

// The server's slot grammar (render.py): {{data}} and [[human hint]].
const SLOT = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}|\[\[([^[\]\n]*)\]\]/g;
const RTL_CHAR = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;
const LTR_CHAR = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]/;
const STRONG = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;

/**
 * Split a suggestion's text into literal text and slots. The API's `start`/`end` count
 * code points while JS strings count UTF-16 units, so slicing goes through Array.from.
 * Spans that don't point at slot markup (should never happen), or no spans at all (a
 * library search result), fall back to parsing the text with the server's grammar, so a
 * slot is never silently inserted as markup.
 * @returns {{type: "text", text: string} | {type: "slot", slot: object, raw: string}}[]
 */
export function segments(text, slots) {
  if (!Array.isArray(slots)) return parseSlots(text); // a library result: no spans sent
  const points = Array.from(text);
  const sorted = [...(slots || [])].sort((a, b) => a.start - b.start);
  const out = [];
  let pos = 0;
  for (const slot of sorted) {
    const { start, end } = slot;
    const fits =
      Number.isInteger(start) && Number.isInteger(end) && start >= pos && end > start &&
      end <= points.length;
    const raw = fits ? points.slice(start, end).join("") : "";
    const markup = slot.kind === "human" ? /^\[\[[^]*\]\]$/ : /^\{\{[^]*\}\}$/;
    if (!fits || !markup.test(raw)) return parseSlots(text);
    if (start > pos) out.push({ type: "text", text: points.slice(pos, start).join("") });
    out.push({ type: "slot", slot, raw });
    pos = end;
  }
  if (pos < points.length) out.push({ type: "text", text: points.slice(pos).join("") });
  return out;
}

/** Slots found by the grammar alone (the fallback for inconsistent spans). */
export function parseSlots(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(SLOT)) {
    if (match.index > last) out.push({ type: "text", text: text.slice(last, match.index) });
    const slot = match[1]
      ? { name: match[1], kind: "data", hint: match[1].replaceAll("_", " ") }
      : { name: "", kind: "human", hint: match[2].trim() };
    out.push({ type: "slot", slot, raw: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push({ type: "text", text: text.slice(last) });
  return out;
}

/**
 * The reply as it will leave the sidebar: every slot replaced by what was typed. A value
 * of `null` is a data slot the agent left out on purpose ("not known"): it goes, and so
 * does the space it leaves before punctuation or another space.
 */
export function compose(parts, values) {
  return joinParts(parts, values, (value) => value, (text) => text);
}

const AFTER_GAP = /^[\s.,:;!?،؛؟)\]»]/u;

/** `parts` joined with `values` in the slots; `slotText` and `plainText` decorate. */
function joinParts(parts, values, slotText, plainText) {
  let slot = 0;
  let out = "";
  let gap = false; // a slot was just left out
  for (const part of parts) {
    if (part.type === "slot") {
      const value = values[slot++];
      if (value === null) {
        gap = true;
        continue;
      }
      out += slotText((value ?? "").trim(), part);
    } else {
      let text = plainText(part.text);
      if (gap && AFTER_GAP.test(text)) {
        if (!out.trim()) text = text.replace(/^[\s.,:;!?،؛؟]+/u, ""); // it opened the reply
        else out = out.replace(/\s+$/u, "");
      }
      out += text;
    }
    gap = false;
  }
  return gap ? out.replace(/\s+$/u, "") : out;
}

const RLM = "\u200f";
const FSI = "\u2068";
const PDI = "\u2069";
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LATIN_WORD = "A-Za-z0-9\u00c0-\u024f";

/**
 * The reply as it leaves the sidebar for the host's composer (or the clipboard). A
 * Persian reply (`lang` "fa") is made to stay right to left wherever it lands, since a
 * composer with dir=auto takes the first strong character: every Latin-script data value
 * in it (a `{{data}}` slot the agent filled, or one of `known`, the customer values the
 * server filled in) is isolated with FSI … PDI, so the punctuation around it stays put,
 * and an RLM goes first when the text would otherwise start with a Latin letter. Other
 * replies are returned as composed.
 * @param {string[]} known customer values sent with the request (they may be in the text)
 */
export function composeForInsert(parts, values, { lang, known = [] } = {}) {
  const plain = compose(parts, values);
  if (lang !== "fa") return plain;
  const latin = (value) => LTR_CHAR.test(value);
  const names = [...new Set(known.map((v) => String(v).split(/\s+/).join(" ").trim()))]
    .filter(latin)
    .sort((a, b) => b.length - a.length);
  const filled = names.length
    ? new RegExp(
        `(?<![${LATIN_WORD}])(?:${names.map(escapeRegExp).join("|")})(?![${LATIN_WORD}])`,
        "g",
      )
    : null;
  const text = joinParts(
    parts,
    values,
    (value, part) => (part.slot.kind === "data" && latin(value) ? FSI + value + PDI : value),
    (plainText) => (filled ? plainText.replace(filled, (value) => FSI + value + PDI) : plainText),
  );
  return dirOf(plain) === "ltr" ? RLM + text : text;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** Text without bidi control marks (what composeForInsert adds). */
export function stripBidiControls(text) {
  return (text || "").replace(BIDI_CONTROLS, "");
}

/** Direction of the first strong character, or null when there is none. */
export function dirOf(text) {
  const match = STRONG.exec(text || "");
  if (!match) return null;
  return RTL_CHAR.test(match[0]) ? "rtl" : "ltr";
}

/** Direction for a language code from the API ("fa" → rtl). */
export function dirOfLang(lang) {
  return lang === "fa" ? "rtl" : "ltr";
}

/**
 * Runs of the opposite script inside a paragraph of direction `base`, so each can be
 * isolated (<bdi>): Latin words and codes inside Persian, Persian names inside English.
 * Neutral characters between runs then follow the paragraph, and "A-1042:" stays whole.
 * @returns {{text: string, isolate: boolean}[]}
 */
export function isolateRuns(text, base) {
  const run =
    base === "rtl"
      ? /[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f@#&_.\-/:+']*(?:[ ]+[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f@#&_.\-/:+']*)*/g
      : /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff][\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u200c\u200d]*(?:[ ]+[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff][\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u200c\u200d]*)*/g;
  const out = [];
  let last = 0;
  for (const match of text.matchAll(run)) {
    if (base === "rtl" && !LTR_CHAR.test(match[0])) continue; // digits alone read fine
    if (match.index > last) out.push({ text: text.slice(last, match.index), isolate: false });
    out.push({ text: match[0], isolate: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), isolate: false });
  return out;
}

/** Trim `text` to at most `max` code points, ending with an ellipsis when cut. */
export function clip(text, max) {
  const points = Array.from(text || "");
  return points.length <= max ? points.join("") : points.slice(0, max - 1).join("") + "…";
}

/** Equality ignoring whitespace and bidi marks, for matching a sent message to an
 * inserted reply (a host may keep or drop the marks composeForInsert added). */
export function sameText(a, b) {
  const norm = (s) => stripBidiControls(s).replace(/\s+/g, " ").trim();
  return norm(a) === norm(b);
}
