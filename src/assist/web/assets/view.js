// DOM for the sidebar. Every piece of text from the server, the host or the customer is
// set as text (never HTML), so nothing that arrives here can run.

import { clip, isolateRuns, parseSlots } from "./text.js";

let uid = 0;
/** A page-unique id ("title-3"), for aria-labelledby and aria-controls. */
export const nextId = (prefix) => `${prefix}-${++uid}`;

/** h("p", {class: "x", dir: "auto"}, "text", child, …) */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Text with runs of the other script isolated (<bdi>), for a paragraph of `dir`. */
export function bidiText(text, dir) {
  return isolateRuns(text, dir).map((run) => (run.isolate ? h("bdi", {}, run.text) : run.text));
}

/**
 * A stored reply with its slots marked, not editable: `{{data}}` and `[[human]]` become
 * coloured chips (`.slot-chip`, `data-kind`, `data-name`) that read like the card's inputs.
 */
export function slottedText(text, dir, attrs = {}) {
  return h(
    "p",
    { class: "slotted", dir, ...attrs },
    parseSlots(text).map((part) =>
      part.type === "text"
        ? bidiText(part.text, dir)
        : h(
            "bdi",
            {
              class: `slot-chip slot-${part.slot.kind}`,
              "data-kind": part.slot.kind,
              "data-name": part.slot.name || null,
              title: part.raw,
            },
            part.slot.hint || part.slot.name,
          ),
    ),
  );
}

/** The customer's message the suggestions answer, with the signals the server found. */
export function messageView(t, { name, text, lang }) {
  return h(
    "div",
    { class: "message" },
    h(
      "div",
      { class: "who" },
      ...t.customerSays(name ? clip(name, 40) : "").map((part, i) =>
        i === 0 && name ? h("bdi", {}, part) : part,
      ),
    ),
    h("p", { class: "message-text", dir: "auto", lang: lang || null }, clip(text, 600)),
  );
}

export function signalsView(t, signals, tookMs) {
  const mood = signals.mood in t.mood ? signals.mood : "calm";
  return h(
    "div",
    { class: "signals" },
    h(
      "span",
      { class: `chip mood mood-${mood}`, "aria-label": `${t.moodLabel}: ${t.mood[mood]}` },
      h("span", { class: "dot", "aria-hidden": "true" }),
      t.mood[mood],
    ),
    signals.mood_cues?.length
      ? h(
          "span",
          { class: "cues", dir: "auto" },
          `${t.cues}: `,
          signals.mood_cues
            .slice(0, 4)
            .map((cue, i) => [i ? t.comma : "", h("bdi", { class: "cue", "data-cue": cue }, t.cue(cue))]),
        )
      : null,
    h("span", { class: "chip lang", title: signals.lang }, signals.lang === "fa" ? "فا" : "EN"),
    typeof tookMs === "number"
      ? h("span", { class: "took", dir: "auto" }, t.took(tookMs))
      : null,
  );
}

export function noticeView(kind, title, body, action) {
  return h(
    "div",
    { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("p", { class: "notice-title" }, title),
    body ? h("p", { class: "notice-body", dir: "auto" }, body) : null,
    action || null,
  );
}

export function loadingView(t) {
  return h(
    "div",
    { class: "loading", role: "status", "aria-live": "polite" },
    h("span", { class: "sr-only" }, t.loading),
    h("div", { class: "skeleton", "aria-hidden": "true" }, h("i"), h("i"), h("i", { class: "short" })),
    h("div", { class: "skeleton", "aria-hidden": "true" }, h("i"), h("i", { class: "short" })),
  );
}

// The key from the page's #key=… (a fragment never reaches a server), then dropped from
// the address bar so it is not bookmarked or shared with the page's address.
export function keyFromFragment(input) {
  const key = new URLSearchParams(location.hash.slice(1)).get("key");
  if (key) {
    history.replaceState(null, "", location.pathname + location.search);
    input.value = key;
  }
}

// The lead pages' connection line: its text, and its kind ("ok", "error" or none) for the style.
export function setConnection(ui, text, kind) {
  ui.connection.textContent = text;
  ui.connection.dataset.kind = kind;
}

// The header the lead pages share (brand, key, language, connect): direction and labels.
export function applyPageLanguage(ui, t) {
  document.documentElement.lang = t.lang;
  document.documentElement.dir = t.lang === "fa" ? "rtl" : "ltr";
  document.title = t.pageTitle;
  ui.brand.textContent = t.brand;
  ui.keyLabel.textContent = t.keyLabel;
  ui.key.placeholder = t.keyPlaceholder;
  ui.langLabel.textContent = t.uiLabel;
  ui.connectButton.textContent = t.connect;
  ui.lang.value = t.lang;
}
