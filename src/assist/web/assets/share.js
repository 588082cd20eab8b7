// "Share with the team": a small confirm panel for a reply the agent just inserted or
// sent. It shows the text that will be shared (editable; the composer's final text once
// the host reports the reply as sent), who gets it (the team, or only me), and POSTs
// /v1/snippets. The server turns the customer's own details back into slots and refuses
// other personal data with a 422 naming what it found: the panel shows that `detail` and
// keeps the text for the agent to edit and share again.

import { ApiError } from "./api.js";
import { dirOfLang, stripBidiControls } from "./text.js";
import { h, nextId, slottedText } from "./view.js";

const MAX_TEXT = 4000; // the server's MAX_SNIPPET_TEXT

/**
 * @typedef {{text: string, suggestion_id?: string, message: string,
 *   history: object[], customer: object}} SharedReply  what the agent sent, and what it answered
 */
export class SharePanel {
  /**
   * @param {SharedReply} reply
   * @param {{api: () => import("./api.js").Api | null, onClose: () => void,
   *   onShared: (snippet: object) => void, announce: (text: string) => void}} hooks
   */
  constructor(t, reply, { api, onClose, onShared, announce }) {
    this.t = t;
    this.reply = reply;
    this.api = api;
    this.onClose = onClose;
    this.onShared = onShared;
    this.announce = announce;
    this.edited = false; // the agent changed the text here: a later sent text won't replace it
    const headId = nextId("share-head");
    const textId = nextId("share-text");
    const errorId = nextId("share-error");
    this.area = h("textarea", {
      id: textId,
      class: "share-text",
      rows: "4",
      dir: "auto",
      maxlength: String(MAX_TEXT),
      "aria-describedby": errorId,
    });
    this.area.value = reply.text;
    this.area.addEventListener("input", () => (this.edited = true));
    this.area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    const group = nextId("visibility");
    const choice = (value, label, checked) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name: group, value, checked }),
        h("span", {}, label),
      );
    this.error = h("div", { class: "share-error", id: errorId, role: "alert", hidden: true });
    this.submit = h("button", { type: "submit", class: "primary share-send" }, t.shareSend);
    this.form = h(
      "form",
      { class: "share-form", novalidate: true },
      h("p", { class: "note" }, t.shareIntro),
      h("label", { class: "field-label", for: textId }, t.shareText),
      this.area,
      h(
        "fieldset",
        { class: "visibility" },
        h("legend", {}, t.shareWho),
        choice("team", t.shareTeam, true),
        choice("private", t.sharePrivate, false),
      ),
      this.error,
      h(
        "div",
        { class: "actions" },
        this.submit,
        h("button", { type: "button", class: "quiet share-cancel", onclick: () => this.close() }, t.cancel),
      ),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.node = h(
      "section",
      { class: "share", "aria-labelledby": headId },
      h("h2", { class: "share-head", id: headId }, t.share),
      this.form,
    );
    this.node.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
  }

  /** The host reported the reply as sent, perhaps edited in its composer: that final text
   * is what to share, unless the agent already edited it here. */
  offerText(text) {
    this.reply = { ...this.reply, text };
    if (!this.edited && !this.sent) this.area.value = text;
  }

  focus() {
    this.node.scrollIntoView({ block: "nearest" });
    this.area.focus();
  }

  close() {
    this.node.remove();
    this.onClose();
  }

  get visibility() {
    return this.form.querySelector("input[type=radio]:checked")?.value || "team";
  }

  async send() {
    const t = this.t;
    const text = stripBidiControls(this.area.value).trim();
    if (!text) {
      this.showError(t.shareEmpty, "");
      this.area.focus();
      return;
    }
    const api = this.api();
    if (!api) {
      this.showError(t.errors.noKey, "");
      return;
    }
    const body = {
      text: Array.from(text).slice(0, MAX_TEXT).join(""),
      history: this.reply.history,
      customer: this.reply.customer,
      visibility: this.visibility,
    };
    if (this.reply.message) body.message = Array.from(this.reply.message).slice(0, MAX_TEXT).join("");
    if (this.reply.suggestion_id) body.suggestion_id = this.reply.suggestion_id;
    this.showError("", "");
    this.submit.disabled = true;
    this.submit.textContent = t.shareSending;
    this.form.setAttribute("aria-busy", "true");
    try {
      this.shown(await api.share(body));
    } catch (error) {
      this.failed(error);
    } finally {
      this.submit.disabled = false;
      this.submit.textContent = t.shareSend;
      this.form.removeAttribute("aria-busy");
    }
  }

  /** What the server stored: the slotted text, and the wait for a lead (or "yours"). */
  shown(snippet) {
    const t = this.t;
    this.sent = true;
    const waiting = snippet.status !== "approved";
    const said = waiting ? t.shareWaiting : t.sharePrivateDone;
    const texts = Object.entries(snippet.replies || {}).flatMap(([lang, wordings]) =>
      wordings.map((text) => slottedText(text, dirOfLang(lang), { lang })),
    );
    const replaced = snippet.replaced || [];
    const close = h("button", { type: "button", class: "secondary", onclick: () => this.close() }, t.close);
    this.form.replaceWith(
      h(
        "div",
        { class: "share-result", "data-status": snippet.status, "data-snippet": snippet.id },
        h("p", { class: `share-done ${waiting ? "is-waiting" : "is-saved"}`, role: "status" }, said),
        h("p", { class: "note" }, t.shareStored),
        texts,
        replaced.length
          ? h(
              "p",
              { class: "note replaced" },
              `${t.shareReplaced} `,
              replaced.map((pair, i) => [
                i ? t.comma : "",
                h(
                  "span",
                  { class: "pair" },
                  h("bdi", {}, pair.text),
                  " → ",
                  h("bdi", { class: "slot-chip slot-data" }, t.slotName(pair.slot)),
                ),
              ]),
            )
          : null,
        h("div", { class: "actions" }, close),
      ),
    );
    this.announce(said);
    this.onShared(snippet);
    close.focus();
  }

  failed(error) {
    const t = this.t;
    if (!(error instanceof ApiError)) {
      this.showError(t.errors.server, String(error?.message || error));
      return;
    }
    if (error.kind === "invalid") {
      // 422: personal data in the reply, or something else the server names in `detail`.
      const personal = /personal data/i.test(error.detail);
      this.showError(personal ? t.sharePersonal : t.shareRefused, error.detail);
      this.area.focus();
      return;
    }
    const title =
      error.kind === "network" ? t.errors.network(this.api()?.base.origin || "")
      : error.kind === "rate" ? t.errors.rateFinal
      : t.errors[error.kind] || t.errors.server;
    this.showError(title, error.detail);
  }

  showError(title, detail) {
    this.error.hidden = !title;
    this.error.replaceChildren(
      ...(title ? [h("p", { class: "notice-title" }, title)] : []),
      ...(detail ? [h("p", { class: "notice-body", dir: "auto" }, detail)] : []),
    );
  }
}
