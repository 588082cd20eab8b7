// The "Check" panel: coaching on the agent's draft before it is sent (POST /v1/check).
// The draft arrives from an Insert (or Copy in Chatwoot) and, as the agent edits, from the
// host's `draft` messages; it is re-checked 400 ms after the last change. Findings are
// listed with their message and hint, and each span is marked in a read-only mirror of
// the draft. It informs, never blocks: "Send anyway" is always there. When the draft
// promises to come back, the proposed follow-up (channel and due time, editable) is one
// click from POST /v1/followups.

import { ApiError } from "./api.js";
import { clip, dirOf } from "./text.js";
import { bidiText, h, nextId } from "./view.js";

const DEBOUNCE_MS = 400;
const MAX_DRAFT = 10000; // the server's MAX_DRAFT_CHARS
const CHANNELS = ["email", "phone", "sms", "chat"];

/** The draft as nodes: plain text with each finding's span (code points) in a <mark>.
 * Overlapping spans keep the earlier one; an empty span (something missing) marks nothing. */
export function markedDraft(text, findings, dir) {
  const chars = Array.from(text);
  const spans = findings
    .map((finding, i) => ({ ...finding, i }))
    .filter((f) => Number.isInteger(f.start) && f.end > f.start && f.end <= chars.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    if (span.start > at) nodes.push(...bidiText(chars.slice(at, span.start).join(""), dir));
    nodes.push(
      h(
        "mark",
        { class: `check-mark severity-${span.severity}`, "data-code": span.code, "data-finding": span.i },
        chars.slice(span.start, span.end).join(""),
      ),
    );
    at = span.end;
  }
  if (at < chars.length) nodes.push(...bidiText(chars.slice(at).join(""), dir));
  return nodes;
}

/** A datetime-local value ("2025-01-31T14:05") for `hours` from now, in local time. */
function localIn(hours) {
  const when = new Date(Date.now() + hours * 3600 * 1000);
  when.setSeconds(0, 0);
  const pad = (v) => String(v).padStart(2, "0");
  return (
    `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}` +
    `T${pad(when.getHours())}:${pad(when.getMinutes())}`
  );
}

export class CheckPanel {
  /**
   * @param {{api: () => import("./api.js").Api | null, request: () => object,
   *   announce: (text: string) => void, sendAnyway: () => void,
   *   onFollowup: (followup: object) => void}} hooks
   * `request()` gives the conversation's part of the body: conversation_id, message,
   * history, customer, suggestion_id?, mood?.
   */
  constructor(t, { api, request, announce, sendAnyway, onFollowup }) {
    this.t = t;
    this.api = api;
    this.request = request;
    this.announce = announce;
    this.sendAnyway = sendAnyway;
    this.onFollowup = onFollowup;
    this.draft = "";
    this.timer = 0;
    this.controller = null;
    this.created = new Set(); // promise sentences a follow-up was already created for
    this.proposal = null; // {text, form}: the follow-up form on show
    this.headId = nextId("check-head");
    this.node = h("section", { class: "check", "aria-labelledby": this.headId, hidden: true });
  }

  /** A new draft text: checked once the agent pauses (`now`: at once, e.g. on Insert). */
  update(text, { now = false } = {}) {
    const draft = Array.from(String(text || "")).slice(0, MAX_DRAFT).join("");
    if (draft === this.draft && !now) return;
    this.draft = draft;
    clearTimeout(this.timer);
    if (!draft.trim()) {
      this.reset();
      return;
    }
    this.node.hidden = false;
    this.node.setAttribute("aria-busy", "true");
    if (!this.node.firstChild) this.render(null);
    this.timer = setTimeout(() => this.run(), now ? 0 : DEBOUNCE_MS);
  }

  /** Nothing to check (sent, cleared, or a new customer message). */
  reset() {
    clearTimeout(this.timer);
    this.controller?.abort();
    this.draft = "";
    this.node.hidden = true;
    this.node.removeAttribute("aria-busy");
    this.node.replaceChildren();
  }

  async run() {
    const api = this.api();
    if (!api) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const draft = this.draft;
    try {
      const result = await api.check({ ...this.request(), draft }, controller.signal);
      if (controller.signal.aborted || draft !== this.draft) return;
      this.node.removeAttribute("aria-busy");
      this.render(result);
      const warnings = result.findings.filter((f) => f.severity === "warn").length;
      this.announce(this.t.checkAnnounce(warnings, result.follow_up ? 1 : 0));
    } catch (error) {
      if (controller.signal.aborted) return;
      this.node.removeAttribute("aria-busy");
      this.render(null, error);
    }
  }

  render(result, error = null) {
    const t = this.t;
    const head = h(
      "div",
      { class: "check-head" },
      h("h2", { id: this.headId }, t.checkTitle),
      result
        ? h("span", { class: "check-summary" }, t.checkSummary(result.findings.length, result.recital))
        : h("span", { class: "check-summary" }, error ? "" : t.checking),
    );
    const send = h("button", { type: "button", class: "secondary small check-send" }, t.sendAnyway);
    send.addEventListener("click", () => this.sendAnyway());
    const parts = [head];
    if (error) {
      const detail = error instanceof ApiError ? t.errors[error.kind] || t.errors.server : t.errors.server;
      parts.push(h("p", { class: "check-error note", role: "status" }, t.checkFailed(detail)));
    }
    if (result) {
      const dir = dirOf(this.draft);
      parts.push(
        h(
          "p",
          { class: "check-draft", dir, lang: result.lang || null, "aria-label": t.checkDraft },
          markedDraft(this.draft, result.findings, dir),
        ),
      );
      if (result.findings.length) {
        parts.push(
          h(
            "ul",
            { class: "findings" },
            result.findings.map((finding, i) =>
              h(
                "li",
                { class: `finding severity-${finding.severity}`, "data-code": finding.code, "data-finding": i },
                h("p", { class: "finding-message", dir: "auto" }, finding.message),
                finding.hint ? h("p", { class: "finding-hint", dir: "auto" }, finding.hint) : null,
              ),
            ),
          ),
        );
      } else {
        parts.push(h("p", { class: "note check-clean" }, t.checkClean));
      }
      if (result.follow_up) parts.push(this.followupView(result));
    }
    parts.push(h("div", { class: "check-actions" }, send));
    this.node.replaceChildren(...parts);
  }

  /** The proposed follow-up: channel and due time prefilled, the agent confirms. */
  followupView(result) {
    const t = this.t;
    const proposal = result.follow_up;
    if (this.created.has(proposal.text)) {
      return h("p", { class: "followup-done", role: "status" }, t.followupCreated);
    }
    // Re-checks while the agent types keep what they set here for the same promise.
    if (this.proposal?.text === proposal.text) return this.proposal.form;
    const channelId = nextId("fu-channel");
    const dueId = nextId("fu-due");
    const channel = h(
      "select",
      { id: channelId, class: "followup-channel" },
      CHANNELS.map((c) => h("option", { value: c, selected: c === proposal.channel }, t.channels[c])),
    );
    const due = h("input", {
      id: dueId,
      class: "followup-due",
      type: "datetime-local",
      required: true,
      value: localIn(proposal.due_in_hours),
    });
    const error = h("p", { class: "followup-error", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "primary small followup-create" }, t.followupCreate);
    const form = h(
      "form",
      { class: "followup" },
      h("p", { class: "followup-intro" }, t.followupProposed),
      h("q", { class: "followup-promise", dir: "auto" }, clip(proposal.text, 200)),
      h(
        "div",
        { class: "followup-fields" },
        h("label", { for: channelId }, t.followupChannel),
        channel,
        h("label", { for: dueId }, t.followupDue),
        due,
      ),
      error,
      submit,
    );
    this.proposal = { text: proposal.text, form };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const when = new Date(due.value);
      if (Number.isNaN(when.getTime())) {
        error.hidden = false;
        error.textContent = t.followupBadTime;
        return;
      }
      const { conversation_id, customer } = this.request();
      const body = {
        conversation_id,
        channel: channel.value,
        due_at: when.toISOString(),
        reason: proposal.text,
        source: "promise",
      };
      const ref = customer?.customer_ref ?? customer?.id;
      if (ref !== undefined && ref !== null && String(ref).trim()) body.customer_ref = String(ref).slice(0, 200);
      if (result.entry_id) body.entry_id = result.entry_id;
      submit.disabled = true;
      try {
        const made = await this.api().post("v1/followups", body);
        this.created.add(proposal.text);
        form.replaceWith(h("p", { class: "followup-done", role: "status" }, t.followupCreated));
        this.announce(t.followupCreated);
        this.onFollowup(made);
      } catch (failure) {
        submit.disabled = false;
        error.hidden = false;
        error.textContent =
          failure instanceof ApiError && failure.detail ? failure.detail : t.errors[failure?.kind] || t.errors.server;
      }
    });
    return form;
  }
}
