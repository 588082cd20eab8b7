// Search the library by typing: the box in the sidebar's bar asks GET /v1/library?q=&lang=
// once typing pauses (the previous request is aborted), and lists the replies found as
// cards (slots as inputs, source and author), each inserted like a suggestion. Keys:
// ArrowDown goes from the box to the first result, Ctrl+Enter inserts the focused one,
// Escape clears the search and returns to the box.

import { ApiError } from "./api.js";
import { dirOf } from "./text.js";
import { h, noticeView } from "./view.js";

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2; // one letter matches half the library
const MAX_QUERY = 300; // the server's limit for q
const RESULTS = 6;

export class LibrarySearch {
  /**
   * @param {{input: HTMLInputElement, panel: HTMLElement,
   *   api: () => import("./api.js").Api | null, lang: () => string | null,
   *   cards: (results: object[]) => {cards: import("./card.js").Card[], note?: string}}} parts
   *   `cards` turns the results into cards wired to the sidebar's insert path.
   */
  constructor(t, { input, panel, api, lang, cards }) {
    this.input = input;
    this.panel = panel;
    this.api = api;
    this.lang = lang;
    this.makeCards = cards;
    this.cards = [];
    this.timer = 0;
    this.controller = null;
    this.setStrings(t);
    input.addEventListener("input", () => this.#typed());
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.clear();
      } else if (event.key === "ArrowDown" && this.cards.length) {
        event.preventDefault();
        this.cards[0].pick();
      } else if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(this.timer);
        this.#search();
      }
    });
    panel.addEventListener("keydown", (event) => {
      const card = this.cards.find((c) => c.node.contains(document.activeElement));
      if (event.key === "Escape") {
        event.preventDefault();
        this.clear();
        this.input.focus();
      } else if (card && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        card.insert();
      }
    });
  }

  setStrings(t) {
    this.t = t;
    this.input.placeholder = t.searchPlaceholder;
    this.input.setAttribute("aria-label", t.searchLabel);
    this.#fitDirection();
  }

  /** What is typed sets the direction; the interface's when the box is empty (dir=auto
   * would lay a Persian placeholder out left to right). */
  #fitDirection() {
    this.input.dir = dirOf(this.input.value) || document.documentElement.dir || "ltr";
  }

  clear() {
    clearTimeout(this.timer);
    this.controller?.abort();
    this.input.value = "";
    this.#fitDirection();
    this.cards = [];
    this.panel.replaceChildren();
    this.panel.hidden = true;
  }

  #typed() {
    this.#fitDirection();
    clearTimeout(this.timer);
    if (Array.from(this.input.value.trim()).length < MIN_CHARS) {
      this.controller?.abort();
      this.cards = [];
      this.panel.replaceChildren();
      this.panel.hidden = true;
      return;
    }
    this.timer = setTimeout(() => this.#search(), DEBOUNCE_MS);
  }

  async #search() {
    const t = this.t;
    const q = Array.from(this.input.value.trim()).slice(0, MAX_QUERY).join("");
    if (Array.from(q).length < MIN_CHARS) return;
    this.controller?.abort();
    this.panel.hidden = false;
    const api = this.api();
    if (!api) {
      this.#show(noticeView("error", t.errors.noKey, ""));
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.panel.setAttribute("aria-busy", "true");
    if (!this.cards.length) this.#show(h("p", { class: "note", role: "status" }, t.searching));
    try {
      const found = await api.library({ q, lang: this.lang(), k: RESULTS }, controller.signal);
      if (controller.signal.aborted) return;
      this.#results(found.results || []);
    } catch (error) {
      if (controller.signal.aborted) return;
      const title =
        error instanceof ApiError
          ? (error.kind === "network" ? t.errors.network(api.base.origin) : t.errors[error.kind]) ||
            t.errors.server
          : t.errors.server;
      this.cards = [];
      this.#show(noticeView("error", title, error?.detail || ""));
    } finally {
      if (this.controller === controller) this.panel.removeAttribute("aria-busy");
    }
  }

  #results(results) {
    const t = this.t;
    if (!results.length) {
      this.cards = [];
      this.#show(h("p", { class: "note", role: "status" }, t.searchNone));
      return;
    }
    const { cards, note } = this.makeCards(results);
    this.cards = cards;
    this.#show(
      h(
        "div",
        { class: "library-head" },
        h("p", { class: "note", role: "status" }, t.searchResults(cards.length)),
        h(
          "button",
          {
            type: "button",
            class: "quiet small library-clear",
            onclick: () => {
              this.clear();
              this.input.focus();
            },
          },
          t.searchClear,
        ),
      ),
      note ? h("p", { class: "note" }, note) : null,
      cards.map((card) => card.node),
    );
  }

  #show(...nodes) {
    this.panel.replaceChildren(...nodes.flat().filter(Boolean));
  }
}
