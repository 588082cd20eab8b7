// The agent's overdue follow-ups: a badge in the sidebar's bar with their count, opening
// a short list (what was promised, the channel, how late) with Done on each. Read from
// GET /v1/followups?status=open&due_before=<now> (the server keeps an agent to their own)
// once a suggestion request has succeeded (not at init: a wrong address or a tight rate
// limit should be reported on the customer's message, not spent here), after a follow-up
// is created, and every minute while visible.

import { clip } from "./text.js";
import { h } from "./view.js";

const POLL_MS = 60000;

export class OverdueList {
  /**
   * @param {{button: HTMLButtonElement, panel: HTMLElement,
   *   api: () => import("./api.js").Api | null, announce: (text: string) => void}} hooks
   */
  constructor(t, { button, panel, api, announce }) {
    this.t = t;
    this.button = button;
    this.panel = panel;
    this.api = api;
    this.announce = announce;
    this.items = [];
    this.timer = 0;
    this.button.addEventListener("click", () => this.toggle());
  }

  /** Read them now and every minute after (once; later calls do nothing). */
  start() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (document.visibilityState === "visible") this.refresh();
    }, POLL_MS);
    this.refresh();
  }

  setStrings(t) {
    this.t = t;
    this.render();
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
  }

  async refresh() {
    const api = this.api();
    if (!api) return;
    try {
      const found = await api.get("v1/followups", {
        status: "open",
        due_before: new Date().toISOString(),
        limit: 50,
      });
      this.items = found.followups || [];
    } catch (error) {
      console.warn("assist: overdue follow-ups not read", error);
      return;
    }
    this.render();
  }

  render() {
    const t = this.t;
    const count = this.items.length;
    this.button.hidden = count === 0;
    this.button.textContent = t.overdueBadge(count);
    this.button.setAttribute("aria-label", t.overdueLabel(count));
    if (!count) this.toggle(false);
    this.panel.replaceChildren(
      h("h2", { class: "overdue-head" }, t.overdueTitle),
      h(
        "ul",
        { class: "overdue-list" },
        this.items.map((item) => {
          const done = h("button", { type: "button", class: "secondary small overdue-done" }, t.followupDone);
          done.addEventListener("click", () => this.close(item, done));
          return h(
            "li",
            { class: "overdue-item", "data-id": item.id },
            h("q", { class: "overdue-reason", dir: "auto" }, clip(item.reason, 160)),
            h(
              "span",
              { class: "overdue-meta" },
              `${t.channels[item.channel] || item.channel} · ${t.late(lateMinutes(item.due_at))} · `,
              h("bdi", {}, clip(item.conversation_id, 40)),
            ),
            done,
          );
        }),
      ),
    );
  }

  async close(item, button) {
    button.disabled = true;
    try {
      await this.api().post(`v1/followups/${encodeURIComponent(item.id)}/done`);
    } catch (error) {
      // 409: already closed elsewhere; anything else: leave it listed.
      if (error?.kind !== "conflict") {
        button.disabled = false;
        return;
      }
    }
    this.items = this.items.filter((other) => other !== item);
    this.render();
    this.announce(this.t.followupClosed);
    if (this.items.length) this.panel.querySelector(".overdue-done")?.focus();
  }
}

function lateMinutes(dueAt) {
  const due = new Date(dueAt).getTime();
  return Number.isNaN(due) ? 0 : Math.max(0, Math.round((Date.now() - due) / 60000));
}
