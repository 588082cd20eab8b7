// One suggestion card: the reply with its slots as inputs, Insert (or Copy) / Dismiss, and
// the checklist and the matched example folded behind toggles. Text is set as text, never
// HTML (view.js's h), so nothing that arrives here can run.

import { clip, composeForInsert, dirOf, dirOfLang, segments } from "./text.js";
import { bidiText, h, nextId } from "./view.js";

/** A toggle button and the panel it shows and hides (folded at first). */
function disclosure(kind, label, content) {
  const id = nextId(kind);
  const panel = h("div", { class: `panel ${kind}`, id, hidden: true }, content);
  const button = h(
    "button",
    { type: "button", class: `toggle toggle-${kind}`, "aria-expanded": "false", "aria-controls": id },
    label,
  );
  button.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  });
  return { button, panel };
}

/** What the message matched: the example (or title) as written, and how closely. */
function whyView(t, why) {
  return h(
    "p",
    { class: "why-text" },
    `${t.whyKind(why.kind)}: `,
    h("q", { dir: "auto", lang: why.lang || null }, clip(why.text, 240)),
    typeof why.similarity === "number"
      ? h("span", { class: "similarity" }, ` · ${t.similarity(why.similarity)}`)
      : null,
  );
}

/**
 * Where a reply comes from, as the card's heading says it: "Snippet by Sara · title" for
 * an agent's snippet, "Playbook · title" for a playbook reply (" · by Sara" when a snippet
 * was promoted into the playbook and kept its author). The author part is `.author`.
 */
function sourceParts(t, suggestion) {
  // A snippet without a title of its own is titled by its id ("snippet-4"): not worth saying.
  const title = suggestion.title && suggestion.title !== suggestion.entry_id ? suggestion.title : "";
  if (suggestion.source === "snippet") {
    const label = t.source.snippet(suggestion.author);
    return { label, author: label, before: "", after: title ? ` · ${title}` : "" };
  }
  const head = title ? `${t.source.playbook} · ${title}` : t.source.playbook;
  if (!suggestion.author) return { label: head, author: null, before: head, after: "" };
  const by = t.source.by(suggestion.author);
  return { label: `${head} · ${by}`, author: by, before: `${head} · `, after: "" };
}

/**
 * One suggestion: the reply with its slots as inputs, the source, and Insert (or Copy) /
 * Dismiss; the checklist and the matched example ("why") fold away behind two toggles so
 * that two or three cards fit a laptop's window. `actions` = {insert(card), dismiss(card),
 * dataInput(card, input)}. `known`: the customer values sent with the request (the server
 * may have filled them in); `weak`: one of the closest entries when no suggestion is
 * confident (shows its score); `library`: a search result (no Alt+n, no Dismiss).
 */
export class Card {
  constructor(t, suggestion, number, { copy = false, weak = false, library = false, known = [], actions }) {
    this.t = t;
    this.library = library;
    this.suggestion = suggestion;
    this.copy = copy;
    this.known = known;
    this.actions = actions;
    this.done = false;
    this.parts = segments(suggestion.text, suggestion.slots);
    this.inputs = [];
    this.clears = [];
    const dir = dirOfLang(suggestion.lang);
    this.dir = dir;
    const titleId = nextId("title");
    const todoId = nextId("todo");

    const reply = h("p", { class: "reply" });
    // A slot keeps the punctuation right after it, and an opening bracket or quote right
    // before it, on its own line: "(" never waits alone at the end of a line.
    let glue = null; // the slot just placed
    let opener = ""; // "(" or "«" that ends the text before the next slot
    this.parts.forEach((part, i) => {
      if (part.type === "text") {
        let rest = part.text;
        const stick = glue && /^[.,:;!?،؛؟)\]»"'…]+/u.exec(rest);
        if (stick) {
          glue.append(stick[0]);
          rest = rest.slice(stick[0].length);
        }
        const open = this.parts[i + 1]?.type === "slot" && /[(\[«"'“]+$/u.exec(rest);
        opener = open ? open[0] : "";
        if (open) rest = rest.slice(0, -opener.length);
        reply.append(...bidiText(rest, dir));
        glue = null;
      } else {
        glue = h("bdi", { class: "slot-wrap", dir }, opener, this.#input(part.slot, dir));
        opener = "";
        reply.append(glue);
      }
    });
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
      { type: "button", class: "quiet dismiss", hidden: library, onclick: () => this.dismiss() },
      t.dismiss,
    );
    this.badge = h("kbd", { class: "pick", dir: "ltr", "aria-hidden": "true" });
    this.label = h("span", { class: "sr-only" });
    const source = sourceParts(t, suggestion);
    const guidance = suggestion.guidance || [];
    const checklist = guidance.length
      ? disclosure(
          "guidance",
          t.checklist(guidance.length),
          h(
            "ul",
            {},
            guidance.map((item) =>
              h("li", {}, h("label", {}, h("input", { type: "checkbox" }), h("span", {}, ...bidiText(item, dir)))),
            ),
          ),
        )
      : null;
    const why = suggestion.why?.text ? disclosure("why", t.whyToggle, whyView(t, suggestion.why)) : null;
    const promise = suggestion.promise_limit_hours
      ? h("span", { class: "promise" }, t.promiseLimit(suggestion.promise_limit_hours))
      : null;
    this.node = h(
      "article",
      {
        class: weak ? "card is-weak" : "card",
        dir,
        lang: suggestion.lang,
        tabindex: "-1",
        "aria-labelledby": titleId,
        "data-suggestion": suggestion.id,
        "data-source": suggestion.source || "playbook",
        "data-author": suggestion.author || null,
      },
      h(
        "header",
        { class: "card-head" },
        this.badge,
        h(
          "h3",
          { class: "source", id: titleId, title: source.label },
          this.label,
          ...bidiText(source.before, dir),
          source.author ? h("span", { class: "author" }, ...bidiText(source.author, dir)) : null,
          ...bidiText(source.after, dir),
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
      checklist || why || promise
        ? h("div", { class: "toggles" }, checklist?.button, why?.button, promise)
        : null,
      checklist?.panel,
      why?.panel,
      h("div", { class: "actions" }, this.insertButton, this.dismissButton, this.todo),
    );
    this.renumber(number);
    this.update();
  }

  /** Its place in the list: the Alt+n badge and the labels that say it. */
  renumber(number) {
    this.number = number;
    this.node.dataset.number = String(number);
    this.badge.textContent = this.t.pick(number);
    this.badge.hidden = number > 9 || this.library;
    this.label.textContent = this.library
      ? `${this.t.resultLabel(number)}: `
      : this.t.suggestionLabel(number, "");
    this.dismissButton.setAttribute("aria-label", this.t.dismissLabel(number));
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
    if (human) return input; // only the agent can write it: it can't be left out
    // A detail nobody has (a delivery date not set yet) can be left out on purpose, so
    // it doesn't block Insert; the agent says it in their own words instead.
    const clear = h("button", {
      type: "button",
      class: "slot-clear",
      "aria-pressed": "false",
      onclick: () => this.#leaveOut(input, clear, !input.dataset.omitted),
    });
    input.addEventListener("click", () => {
      if (input.dataset.omitted && !this.done) this.#leaveOut(input, clear, false);
    });
    this.#leaveOut(input, clear, false, { quiet: true });
    this.clears.push(clear);
    return [input, clear];
  }

  /** Mark a data slot "not known" (left out of the reply), or bring it back. */
  #leaveOut(input, button, omit, { quiet = false } = {}) {
    const t = this.t;
    const hint = input.title;
    if (omit) {
      input.dataset.omitted = "1";
      input.value = "";
      input.placeholder = t.notKnown;
    } else {
      delete input.dataset.omitted;
      input.placeholder = hint;
    }
    input.readOnly = omit;
    input.required = !omit;
    input.setAttribute("aria-required", String(!omit));
    input.setAttribute("aria-label", omit ? t.leftOut(hint) : t.fill(hint));
    input.classList.toggle("omitted", omit);
    button.textContent = omit ? "↺" : "×";
    button.title = omit ? t.putBack(hint) : t.leaveOut(hint);
    button.setAttribute("aria-label", button.title);
    button.setAttribute("aria-pressed", String(omit));
    if (quiet) return;
    this.#fit(input);
    this.update();
    if (omit) this.focusNext(input);
    else input.focus();
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
      if (input.dataset.name === name && !input.dataset.touched && !input.dataset.omitted) {
        input.value = value;
        this.#fit(input);
      }
    }
    this.update();
  }

  get missing() {
    const empty = this.inputs.filter((i) => !i.value.trim() && !i.dataset.omitted);
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
      this.inputs.map((i) => (i.dataset.omitted ? null : i.value)),
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
    const empty = this.inputs.filter((i) => !i.value.trim() && !i.dataset.omitted && i !== from);
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
    for (const clear of this.clears) clear.hidden = true;
    this.insertButton.disabled = true;
    this.insertButton.textContent = `${label} ✓`;
    this.todo.textContent = "";
    this.hint.hidden = true;
  }

  dismiss() {
    this.actions.dismiss?.(this);
  }

  /** After Insert (or Copy): a "Share with the team" button beside it. */
  offerShare(onShare) {
    if (this.shareButton) return;
    this.shareButton = h(
      "button",
      { type: "button", class: "secondary share-open", onclick: () => onShare(this) },
      this.t.share,
    );
    this.dismissButton.after(this.shareButton);
  }

  /** Shared: the button says so, and the same reply is not shared twice. */
  markShared(label) {
    if (!this.shareButton) return;
    this.shareButton.disabled = true;
    this.shareButton.textContent = `${label} ✓`;
  }
}
