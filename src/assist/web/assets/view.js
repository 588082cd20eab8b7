// DOM for the sidebar. Every piece of text from the server, the host or the customer is
// set as text (never HTML), so nothing that arrives here can run.

import { clip, composeForInsert, dirOf, dirOfLang, isolateRuns, segments } from "./text.js";

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

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

/**
 * One suggestion: the reply with its slots as inputs, the source, the checklist, and
 * Insert (or Copy) / Dismiss. `actions` = {insert(card), dismiss(card), dataInput(card, input)}.
 * `known`: the customer values sent with the request (the server may have filled them in);
 * `weak`: one of the closest entries when no suggestion is confident (shows its score).
 */
export class Card {
  constructor(t, suggestion, number, { copy = false, open = false, weak = false, known = [], actions }) {
    this.t = t;
    this.suggestion = suggestion;
    this.number = number;
    this.copy = copy;
    this.known = known;
    this.actions = actions;
    this.done = false;
    this.parts = segments(suggestion.text, suggestion.slots);
    this.inputs = [];
    const dir = dirOfLang(suggestion.lang);
    this.dir = dir;
    const titleId = nextId("title");
    const todoId = nextId("todo");

    const reply = h("p", { class: "reply" });
    let glue = null; // the slot just placed: punctuation right after it stays on its line
    for (const part of this.parts) {
      if (part.type === "text") {
        let rest = part.text;
        const stick = glue && /^[.,:;!?،؛؟)\]»"'…]+/u.exec(rest);
        if (stick) {
          glue.append(stick[0]);
          rest = rest.slice(stick[0].length);
        }
        reply.append(...bidiText(rest, dir));
        glue = null;
      } else {
        glue = h("bdi", { class: "slot-wrap", dir }, this.#input(part.slot, dir));
        reply.append(glue);
      }
    }
    this.todo = h("p", { class: "todo", id: todoId });
    this.hint = h("p", { class: "hint", "aria-hidden": "true", hidden: true });
    this.insertButton = h(
      "button",
      {
        type: "button",
        class: "primary insert",
        "aria-describedby": todoId,
        onclick: () => this.insert(),
      },
      copy ? t.copy : t.insert,
    );
    this.dismissButton = h(
      "button",
      {
        type: "button",
        class: "quiet dismiss",
        "aria-label": t.dismissLabel(number),
        onclick: () => this.dismiss(),
      },
      t.dismiss,
    );
    const source =
      suggestion.source === "snippet"
        ? t.source.snippet(suggestion.author)
        : `${t.source.playbook} · ${suggestion.title}`;
    const guidance = suggestion.guidance || [];
    this.node = h(
      "article",
      {
        class: weak ? "card is-weak" : "card",
        dir,
        lang: suggestion.lang,
        tabindex: "-1",
        "aria-labelledby": titleId,
        "data-suggestion": suggestion.id,
        "data-number": number,
      },
      h(
        "header",
        { class: "card-head" },
        number <= 9 ? h("kbd", { class: "pick", dir: "ltr", "aria-hidden": "true" }, t.pick(number)) : null,
        h(
          "h3",
          { class: "source", id: titleId },
          h("span", { class: "sr-only" }, t.suggestionLabel(number, "")),
          ...bidiText(source, dir),
        ),
        suggestion.fallback_lang
          ? h("span", { class: "chip fallback" }, t.fallbackLang(suggestion.lang))
          : null,
        weak && typeof suggestion.score === "number"
          ? h("span", { class: "chip score", title: t.scoreLabel }, t.score(suggestion.score))
          : null,
      ),
      reply,
      this.hint,
      guidance.length || suggestion.promise_limit_hours
        ? h(
            "details",
            { class: "guidance", open },
            h("summary", {}, t.checklist(guidance.length)),
            h(
              "ul",
              {},
              guidance.map((item) =>
                h("li", {}, h("label", {}, h("input", { type: "checkbox" }), h("span", {}, ...bidiText(item, dir)))),
              ),
            ),
            suggestion.promise_limit_hours
              ? h("p", { class: "promise" }, t.promiseLimit(suggestion.promise_limit_hours))
              : null,
          )
        : null,
      h("div", { class: "actions" }, this.insertButton, this.dismissButton, this.todo),
    );
    this.update();
  }

  #input(slot, cardDir) {
    const human = slot.kind === "human";
    const hint = slot.hint || slot.name || "";
    const hintDir = dirOf(hint) || cardDir;
    const input = h("input", {
      type: "text",
      class: `slot ${human ? "slot-human" : "slot-data"}`,
      placeholder: hint,
      "aria-label": human ? this.t.write(hint) : this.t.fill(hint),
      "aria-required": "true",
      required: true,
      autocomplete: "off",
      spellcheck: human ? "true" : "false",
      dir: hintDir,
      title: hint,
      maxlength: "2000",
      "data-kind": slot.kind,
      "data-name": slot.name || null,
    });
    const width = Math.max(4, Math.min(30, Array.from(hint).length + 1));
    input.size = width;
    input.dataset.width = String(width);
    input.addEventListener("input", () => {
      this.#fit(input);
      if (!human) {
        input.dataset.touched = "1";
        this.actions.dataInput(this, input);
      }
      this.update();
    });
    input.addEventListener("focus", () => {
      // The whole hint, which a narrow slot may cut short. It stays after blur: hiding
      // it would move the buttons under a pointer that is pressing one.
      if (this.done) return;
      this.hint.replaceChildren(h("span", { class: "hint-label" }, human ? "✎ " : "⌗ "), hint);
      this.hint.dir = hintDir;
      this.hint.hidden = false;
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        this.focusNext(input);
      }
    });
    this.inputs.push(input);
    return input;
  }

  /** Size and direction follow what is typed. */
  #fit(input) {
    const value = input.value;
    const width = Number(input.dataset.width);
    input.size = Math.max(width, Math.min(80, Array.from(value).length + 1));
    input.dir = dirOf(value) || dirOf(input.placeholder) || this.dir;
    input.classList.toggle("filled", value.trim() !== "");
  }

  /** Set a data slot from elsewhere (the same detail typed in another card), unless the
   * agent typed something else here. */
  offer(name, value) {
    if (this.done) return;
    for (const input of this.inputs) {
      if (input.dataset.name === name && !input.dataset.touched) {
        input.value = value;
        this.#fit(input);
      }
    }
    this.update();
  }

  get missing() {
    const empty = this.inputs.filter((i) => !i.value.trim());
    return {
      human: empty.filter((i) => i.dataset.kind === "human").length,
      data: empty.filter((i) => i.dataset.kind === "data").length,
      first: empty[0] || null,
    };
  }

  get ready() {
    const { human, data } = this.missing;
    return !this.done && human === 0 && data === 0;
  }

  /** The finished reply as it leaves the sidebar (bidi-safe for Persian: text.js). */
  get text() {
    return composeForInsert(
      this.parts,
      this.inputs.map((i) => i.value),
      { lang: this.suggestion.lang, known: this.known },
    );
  }

  update() {
    if (this.done) return;
    const { human, data } = this.missing;
    const ready = human === 0 && data === 0;
    this.insertButton.disabled = !ready;
    this.todo.textContent = ready ? (this.copy ? this.t.readyCopy : this.t.ready) : this.t.todo(human, data);
    this.node.classList.toggle("is-ready", ready);
  }

  /** Alt+n: the first slot still to fill, else the Insert button. */
  pick() {
    const closed = this.node.closest("details:not([open])"); // the low-confidence entries
    if (closed) closed.open = true;
    this.node.scrollIntoView({ block: "nearest" });
    const target = this.missing.first || (this.done ? this.node : this.insertButton);
    target.focus();
    if (target === this.node) return;
    this.node.classList.add("picked");
    setTimeout(() => this.node.classList.remove("picked"), 600);
  }

  focusNext(from) {
    const empty = this.inputs.filter((i) => !i.value.trim() && i !== from);
    const after = empty.find((i) => from.compareDocumentPosition(i) & Node.DOCUMENT_POSITION_FOLLOWING);
    (after || empty[0] || (this.ready ? this.insertButton : from)).focus();
  }

  insert() {
    if (!this.ready) {
      this.missing.first?.focus();
      return;
    }
    this.actions.insert(this);
  }

  markDone(label) {
    this.done = true;
    this.node.classList.add("is-done");
    this.node.classList.remove("is-ready");
    for (const input of this.inputs) input.readOnly = true;
    this.insertButton.disabled = true;
    this.insertButton.textContent = `${label} ✓`;
    this.todo.textContent = "";
    this.hint.hidden = true;
  }

  dismiss() {
    this.actions.dismiss(this);
  }
}
