// What the sidebar keeps per conversation (customer details, the turns so far, the
// cards shown, the replies handed over and shared), and the plain helpers that turn it
// into request bodies. DOM-free apart from each conversation's own nodes.

import { h } from "./view.js";

const MAX_HISTORY = 20; // the server's default max_history_turns
const MAX_TURN_CHARS = 2000;

export class Conversation {
  constructor(id) {
    this.id = id;
    this.customer = {}; // from the host: name, order_id, …
    this.context = {}; // data slots the agent typed here: sent back as customer context
    this.history = []; // {role, text, suggestion_id?}, oldest first
    this.inserted = new Map(); // suggestion_id → the text that left the sidebar
    this.sent = new Set(); // suggestion ids already recorded as sent
    this.shown = new Map(); // suggestion_id → {answerId, saved: Promise} of its latest `shown`
    this.messageKey = null;
    this.cards = [];
    this.node = h("section", { class: "conversation" });
    this.controller = null;
    this.inflight = false;
    this.retryTimer = 0;
    this.failed = null; // the request that found the server unreachable: retried when back
    this.lang = null; // the language the server detected for the last message
    // "Share with the team": the open panel, or the offer for the reply just sent.
    this.shareArea = h("div", { class: "share-area" });
    this.sharing = null; // {panel, suggestion_id}
    this.shareable = new Map(); // suggestion_id → the reply to share (its latest text)
  }
}

/** The turns to send: the latest MAX_HISTORY, keeping every reply we handed over (so the
 * server never repeats its wording) ahead of older customer turns. */
export function recentHistory(turns) {
  const picked = new Set();
  for (let i = turns.length - 1; i >= 0 && picked.size < MAX_HISTORY; i--) {
    if (turns[i].suggestion_id) picked.add(i);
  }
  for (let i = turns.length - 1; i >= 0 && picked.size < MAX_HISTORY; i--) picked.add(i);
  return [...picked]
    .sort((a, b) => a - b)
    .map((i) => {
      const turn = { role: turns[i].role, text: Array.from(turns[i].text).slice(0, MAX_TURN_CHARS).join("") };
      if (turns[i].suggestion_id) turn.suggestion_id = turns[i].suggestion_id;
      return turn;
    });
}

/** The customer message a reply answered (the last customer turn before `turn`), the
 * turns before that, and the customer's details: what POST /v1/snippets needs. */
export function answered(conversation, turn) {
  const turns = conversation.history;
  let i = turn ? turns.indexOf(turn) : turns.length;
  if (i < 0) i = turns.length;
  while (--i >= 0 && turns[i].role !== "customer");
  return {
    message: i >= 0 ? turns[i].text : "",
    history: i > 0 ? recentHistory(turns.slice(0, i)) : [],
    customer: { ...conversation.customer, ...conversation.context },
  };
}

/** The customer values sent with a request, which the server may have put in a reply. */
export function knownValues(customer) {
  return Object.values(customer || {})
    .filter((value) => typeof value === "string" || typeof value === "number")
    .map(String);
}

/** The host's customer object, kept to short scalars (a hostile host sends anything). */
export function cleanCustomer(customer) {
  const out = {};
  if (!customer || typeof customer !== "object") return out;
  for (const [key, value] of Object.entries(customer).slice(0, 40)) {
    if (key.length > 100) continue;
    if (typeof value === "string" && value.trim()) out[key] = value.trim().slice(0, 500);
    else if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** A string or number from a message as text of at most `max` characters; else "". */
export function scalarText(value, max) {
  return typeof value === "string" || typeof value === "number" ? String(value).slice(0, max) : "";
}
