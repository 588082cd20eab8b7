// One snippet on the review page: what the customer wrote, the reply with its slots
// marked, who shared it and when, the near duplicates already in the library (loaded from
// /similar), and a lead's actions: approve, edit (PATCH the wordings and triggers, then
// approve) and reject (a note is required; the author sees it). Also the read-only view
// of a snippet used by "My snippets".

import { ApiError } from "./api.js";
import { dirOfLang } from "./text.js";
import { h, nextId, slottedText } from "./view.js";

/** The snippet's head, customer messages and reply wordings (shared by every list). */
export function snippetBody(t, snippet, { author = true } = {}) {
  const langs = Object.keys(snippet.replies || {});
  return [
    h(
      "header",
      { class: "snippet-head" },
      h("h3", { class: "snippet-title" }, t.snippet(snippet.id)),
      h("span", { class: `chip state state-${snippet.status}` }, t.status[snippet.status] || snippet.status),
      h("span", { class: "chip audience" }, t.visibility[snippet.visibility] || snippet.visibility),
      snippet.entry_id
        ? h("span", { class: "chip entry" }, `${t.entry}: `, h("bdi", { dir: "ltr" }, snippet.entry_id))
        : null,
      h(
        "span",
        { class: "meta" },
        author ? [h("span", { class: "author" }, t.by(""), h("bdi", {}, snippet.author)), " · "] : null,
        h("time", { datetime: String(snippet.created_at || "") }, t.date(snippet.created_at)),
      ),
    ),
    h(
      "div",
      { class: "triggers" },
      h("h4", {}, t.triggers),
      h(
        "ul",
        {},
        (snippet.triggers || []).map((text) => h("li", {}, h("q", { dir: "auto" }, text))),
      ),
    ),
    h(
      "div",
      { class: "replies" },
      h("h4", {}, t.reply),
      langs.flatMap((lang) =>
        snippet.replies[lang].map((text) =>
          h(
            "div",
            { class: "wording" },
            langs.length > 1 ? h("span", { class: "chip lang" }, t.langName[lang] || lang) : null,
            slottedText(text, dirOfLang(lang), { lang }),
          ),
        ),
      ),
    ),
  ];
}

/** What an ApiError says, for an inline alert: [title, detail]. */
export function explain(t, error, api) {
  if (!(error instanceof ApiError)) return [t.errors.server, String(error?.message || error)];
  const title =
    error.kind === "network" ? t.errors.network(api?.base.origin || "")
    : error.kind === "rate" ? t.errors.rateFinal
    : t.errors[error.kind] || t.errors.server;
  return [title, error.detail];
}

export class QueueItem {
  /**
   * @param {{api: import("./api.js").Api, onDone: (item: QueueItem) => void}} hooks
   */
  constructor(t, snippet, { api, onDone }) {
    this.t = t;
    this.snippet = snippet;
    this.api = api;
    this.onDone = onDone;
    this.similar = h(
      "div",
      { class: "similar", "aria-busy": "true" },
      h("h4", {}, t.similar),
      h("p", { class: "note" }, t.loading),
    );
    this.error = h("div", { class: "item-error", role: "alert", hidden: true });
    this.buttons = h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary approve", onclick: () => this.approve() }, t.approve),
      h("button", { type: "button", class: "secondary edit", onclick: () => this.openEditor() }, t.edit),
      h("button", { type: "button", class: "danger reject", onclick: () => this.openRejector() }, t.reject),
    );
    this.form = h("div", { class: "item-form" });
    this.body = h("div", { class: "snippet-body" }, snippetBody(t, snippet));
    this.node = h(
      "article",
      { class: "snippet", "data-snippet": snippet.id, "aria-label": t.snippet(snippet.id) },
      this.body,
      this.similar,
      this.error,
      this.form,
      this.buttons,
    );
    this.loadSimilar();
  }

  async loadSimilar() {
    const t = this.t;
    try {
      const found = await this.api.get(`v1/snippets/${this.snippet.id}/similar`);
      const list = found.duplicates || [];
      this.similar.replaceChildren(
        h("h4", {}, t.similar),
        list.length
          ? h(
              "ul",
              {},
              list.map((d) =>
                h(
                  "li",
                  { class: `duplicate kind-${d.kind}`, "data-entry": d.entry_id },
                  h("span", { class: "dup-title" }, h("bdi", {}, d.title || d.entry_id)),
                  h("span", { class: "chip kind" }, t.kind[d.kind] || d.kind),
                  h("span", { class: "dup-similarity" }, t.similarity(d.similarity)),
                  h(
                    "span",
                    { class: "dup-source" },
                    d.source === "snippet" ? t.fromSnippet(d.author) : t.fromPlaybook,
                  ),
                  h("q", { class: "dup-matched", dir: "auto" }, d.matched),
                ),
              ),
            )
          : h("p", { class: "note similar-none" }, t.similarNone(found.situation, found.wording)),
      );
    } catch (error) {
      const [title, detail] = explain(t, error, this.api);
      this.similar.replaceChildren(
        h("h4", {}, t.similar),
        h("p", { class: "note" }, `${t.similarFailed} ${title} ${detail || ""}`.trim()),
      );
    } finally {
      this.similar.removeAttribute("aria-busy");
    }
  }

  showError(error) {
    const [title, detail] = error instanceof Error ? explain(this.t, error, this.api) : [error, ""];
    this.error.hidden = !title;
    this.error.replaceChildren(
      h("p", { class: "notice-title" }, title || ""),
      detail ? h("p", { class: "notice-body", dir: "auto" }, detail) : "",
    );
  }

  busy(on) {
    for (const button of this.node.querySelectorAll("button")) button.disabled = on;
    this.node.toggleAttribute("aria-busy", on);
  }

  async approve() {
    this.showError("");
    this.busy(true);
    try {
      this.finish(await this.api.post(`v1/snippets/${this.snippet.id}/approve`, {}), this.t.approved);
    } catch (error) {
      this.showError(error);
    } finally {
      this.busy(false);
    }
  }

  openEditor() {
    const t = this.t;
    this.showError("");
    const areas = [];
    const fields = Object.entries(this.snippet.replies || {}).flatMap(([lang, texts]) =>
      texts.map((text, i) => {
        const id = nextId("wording");
        const area = h("textarea", { id, class: "edit-wording", rows: "3", dir: dirOfLang(lang), lang });
        area.value = text;
        areas.push({ lang, area });
        return [h("label", { for: id }, t.editWording(lang, i)), area];
      }),
    );
    const triggersId = nextId("triggers");
    const triggers = h("textarea", { id: triggersId, class: "edit-triggers", rows: "3", dir: "auto" });
    triggers.value = (this.snippet.triggers || []).join("\n");
    const save = async () => {
      const replies = {};
      for (const { lang, area } of areas) {
        const text = area.value.trim();
        if (text) (replies[lang] ||= []).push(text);
      }
      const lines = triggers.value.split("\n").map((line) => line.trim()).filter(Boolean);
      this.showError("");
      this.busy(true);
      try {
        const edited = await this.api.patch(`v1/snippets/${this.snippet.id}`, { replies, triggers: lines });
        this.snippet = edited;
        this.body.replaceChildren(...snippetBody(t, edited));
        const done = await this.api.post(`v1/snippets/${edited.id}/approve`, {});
        this.finish(done, t.approved);
      } catch (error) {
        this.showError(error);
      } finally {
        this.busy(false);
      }
    };
    this.openForm(
      "editor",
      [
        fields,
        h("label", { for: triggersId }, t.editTriggers),
        triggers,
        h("p", { class: "note" }, t.slotsHelp),
      ],
      h("button", { type: "button", class: "primary save-approve", onclick: save }, t.saveApprove),
      areas[0]?.area || triggers,
    );
  }

  openRejector() {
    const t = this.t;
    this.showError("");
    const id = nextId("note");
    const note = h("textarea", { id, class: "reject-note", rows: "2", dir: "auto", maxlength: "2000" });
    const send = async () => {
      const text = note.value.trim();
      if (!text) {
        this.showError(t.noteNeeded);
        note.setAttribute("aria-invalid", "true");
        note.focus();
        return;
      }
      note.removeAttribute("aria-invalid");
      this.showError("");
      this.busy(true);
      try {
        this.finish(await this.api.post(`v1/snippets/${this.snippet.id}/reject`, { note: text }), t.rejected);
      } catch (error) {
        this.showError(error);
      } finally {
        this.busy(false);
      }
    };
    this.openForm(
      "rejector",
      [h("label", { for: id }, t.rejectNote), note],
      h("button", { type: "button", class: "danger reject-confirm", onclick: send }, t.rejectConfirm),
      note,
    );
  }

  /** An inline form (edit or reject) in place of the action buttons. */
  openForm(kind, fields, confirm, first) {
    const cancel = h(
      "button",
      {
        type: "button",
        class: "quiet",
        onclick: () => {
          this.form.replaceChildren();
          this.buttons.hidden = false;
          this.showError("");
          this.buttons.querySelector(`.${kind === "editor" ? "edit" : "reject"}`).focus();
        },
      },
      this.t.cancel,
    );
    this.buttons.hidden = true;
    this.form.replaceChildren(
      h("div", { class: `form ${kind}` }, fields, h("div", { class: "actions" }, confirm, cancel)),
    );
    first.focus();
  }

  /** Approved or rejected: say so in place, and leave the queue. */
  finish(snippet, said) {
    this.snippet = snippet;
    this.body.replaceChildren(...snippetBody(this.t, snippet));
    this.form.replaceChildren();
    this.buttons.remove();
    this.node.classList.add("is-done");
    this.node.dataset.status = snippet.status;
    const done = h("p", { class: "done", role: "status", tabindex: "-1" }, said);
    this.node.append(done);
    this.onDone(this);
    done.focus();
  }
}
