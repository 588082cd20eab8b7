// The sidebar: listens to its host page (or to Chatwoot), asks /v1/suggest for every
// customer message, shows the suggestions, and hands the finished reply back.
//
// Host protocol (README, "The sidebar widget"), all as window.postMessage:
//   host → sidebar  {type: "init", api_key, api_base?, ui?}
//                   {type: "customer_message", conversation_id, text, customer?, message_id?, lang?}
//                   {type: "agent_message", conversation_id, text, suggestion_id?}   (optional)
//                   {type: "pick", n, conversation_id?}   (optional: Alt+n pressed in the host's
//                     composer; n is 1–9; picks that card as Alt+n inside the sidebar does,
//                     so focus moves to its first empty slot or its Insert button; ignored
//                     when conversation_id names another conversation than the one shown)
//                   {type: "draft", conversation_id, text}   (optional: the composer's text as
//                     the agent edits it, sent on every change; the sidebar checks it 400 ms
//                     after the last one; "" clears the check)
//   sidebar → host  {type: "ready"}
//                   {type: "insert_reply", conversation_id, text, suggestion_id}
//                   {type: "send", conversation_id}   (the agent pressed "Send anyway" in the
//                     Check panel: send the composer's text as it stands; a host may ignore it)
// Messages are accepted only from the parent window and its origin; replies go to that
// origin only (never "*"). The API key is kept in memory only.
//
// Beside the suggestions: a search box in the bar (library.js: GET /v1/library, a result
// is inserted like a suggestion), and "Share with the team" (share.js: POST /v1/snippets)
// on a card once inserted, and on the reply an `agent_message` reports as sent (its text
// is the final one, as edited in the host's composer). Neither adds a message type.
//
// After Insert (or Copy in Chatwoot) the draft is checked (check.js: POST /v1/check) and
// re-checked as `draft` messages arrive; findings are marked in a mirror of the draft, a
// proposed follow-up is one click away, and nothing blocks sending. The bar's badge lists
// the agent's overdue follow-ups (followups.js).

import { Api, ApiError } from "./api.js";
import { FETCH_INFO, fromAppContext, parseAppContext } from "./chatwoot.js";
import { strings } from "./strings.js";
import { sameText } from "./text.js";
import { Card } from "./card.js";
import { CheckPanel } from "./check.js";
import { OverdueList } from "./followups.js";
import {
  Conversation,
  answered,
  cleanCustomer,
  knownValues,
  recentHistory,
  scalarText,
} from "./conversation.js";
import { LibrarySearch } from "./library.js";
import { SharePanel } from "./share.js";
import { h, loadingView, messageView, noticeView, signalsView } from "./view.js";

const MAX_CONVERSATIONS = 30;
const CHATWOOT_POLL_MS = 4000; // ask Chatwoot for the context while the app is visible

const params = new URLSearchParams(location.search);
const embedded = window.parent !== window;
const mode = params.get("mode") === "chatwoot" ? "chatwoot" : embedded ? "host" : "standalone";
const hostOrigin = originOf(params.get("host_origin")) || originOf(document.referrer);

let t = strings(params.get("ui"));
let api = null;
let connection = ["", ""]; // the status to show while the server answers: [label, kind]
/** @type {Map<string, Conversation>} */
const conversations = new Map();
let active = null;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  refresh: $("refresh"),
  notice: $("notice"),
  stage: $("stage"),
  announce: $("announce"),
  keys: $("keys"),
  title: $("title"),
  search: $("search"),
  library: $("library"),
  overdue: $("overdue"),
  overdueList: $("overdue-list"),
};
let library = null; // the search box, once the sidebar runs inside a chat page
let overdue = null; // the bar's overdue follow-ups, once a key is known

// ------------------------------------------------------------------ start

function start() {
  applyLanguage();
  if (mode === "standalone") {
    setStatus("");
    show(
      noticeView(
        "info",
        t.standaloneTitle,
        t.standaloneBody,
        h("a", { class: "button", href: new URL("widget/demo", baseUrl()).href }, t.openDemo),
      ),
    );
    return;
  }
  window.addEventListener("message", onMessage);
  document.addEventListener("keydown", onKey);
  startLibrary();
  overdue = new OverdueList(t, { button: ui.overdue, panel: ui.overdueList, api: () => api, announce });
  showEmpty();
  if (mode === "chatwoot") {
    startChatwoot();
  } else if (!hostOrigin) {
    setNotice(t.errors.noOrigin);
    setStatus("");
  } else {
    setStatus(t.waitingHost);
    post({ type: "ready" });
  }
}

function startChatwoot() {
  // The admin puts the key in the app URL's fragment: never sent to a server or in a
  // Referer. Keep it in memory and drop it from the address.
  const fragment = new URLSearchParams(location.hash.slice(1));
  const key = fragment.get("key");
  history.replaceState(null, "", location.pathname + location.search);
  ui.refresh.hidden = false;
  ui.refresh.addEventListener("click", () => fetchInfo());
  connection = [t.chatwoot, ""];
  setStatus(...connection);
  if (!key) {
    setNotice(t.errors.noKeyChatwoot);
    return;
  }
  api = connect(fragment.get("api_base"), key);
  fetchInfo();
  // Chatwoot sends the context only when asked; asking now and then picks up a new
  // customer message (or another conversation) without a click. It answers from memory.
  setInterval(() => {
    if (document.visibilityState === "visible") fetchInfo();
  }, CHATWOOT_POLL_MS);
}

function startLibrary() {
  ui.search.hidden = false;
  library = new LibrarySearch(t, {
    input: ui.search,
    panel: ui.library,
    api: () => api,
    lang: () => conversations.get(active)?.lang || null,
    cards: libraryCards,
  });
}

/** Library results as cards on the shown conversation's insert path: its customer's
 * details fill their data slots, and a detail typed in one fills the others. */
function libraryCards(results) {
  const conversation = conversations.get(active) || null;
  const customer = conversation ? { ...conversation.customer, ...conversation.context } : {};
  const actions = {
    insert: (card) =>
      conversation ? insert(conversation, card) : setNotice(t.searchNoConversation, "warn"),
    dataInput: (card, input) => {
      if (conversation && input.dataset.name) {
        const value = input.value.trim();
        if (value) conversation.context[input.dataset.name] = value.slice(0, 500);
        else delete conversation.context[input.dataset.name];
      }
    },
  };
  const cards = results.map((result, i) => {
    const suggestion = { ...result, slots: null, guidance: [], why: null };
    const card = new Card(t, suggestion, i + 1, {
      library: true,
      copy: mode === "chatwoot",
      known: knownValues(customer),
      actions,
    });
    for (const [name, value] of Object.entries(customer)) {
      card.offer(name, String(value));
      if (!name.startsWith("customer_")) card.offer(`customer_${name}`, String(value));
    }
    return card;
  });
  return { cards, note: conversation ? "" : t.searchNoConversation };
}

function fetchInfo() {
  // A bare request string with no data in it; Chatwoot answers with the context.
  window.parent.postMessage(FETCH_INFO, hostOrigin || "*");
}

// ------------------------------------------------------------------ messages in

function onMessage(event) {
  if (event.source !== window.parent) return;
  // A host page must be known by origin; Chatwoot's context carries nothing back, so
  // there the parent window alone is enough when its origin can't be known.
  if (mode === "host" && !hostOrigin) return;
  if (hostOrigin && event.origin !== hostOrigin) return;
  if (mode === "chatwoot") {
    const data = parseAppContext(event.data);
    if (data) onAppContext(data);
    return;
  }
  const message = event.data;
  if (!message || typeof message !== "object" || typeof message.type !== "string") return;
  if (message.type === "init") onInit(message);
  else if (message.type === "customer_message") onCustomerMessage(message);
  else if (message.type === "agent_message") onAgentMessage(message);
  else if (message.type === "pick") onPick(message);
  else if (message.type === "draft") onDraft(message);
}

function onInit(message) {
  const key = typeof message.api_key === "string" ? message.api_key.trim().slice(0, 500) : "";
  if (typeof message.ui === "string" && message.ui !== document.documentElement.lang) {
    t = strings(message.ui);
    applyLanguage();
  }
  setNotice("");
  connection = [t.connected, "ok"];
  api = connect(message.api_base, key);
  setStatus(...connection);
  if (active) {
    const conversation = conversations.get(active);
    if (conversation?.pending) suggest(conversation, conversation.pending);
  }
}

function onCustomerMessage(message) {
  const id = scalarText(message.conversation_id, 200);
  const said = scalarText(message.text, 20000);
  if (!id || !said.trim()) return;
  const conversation = conversationFor(id);
  Object.assign(conversation.customer, cleanCustomer(message.customer));
  const key = message.message_id != null ? String(message.message_id) : null;
  if (key && key === conversation.messageKey) {
    activate(conversation); // the host re-sent it (e.g. switched back): keep what was typed
    return;
  }
  const history = conversation.history.slice();
  conversation.history.push({ role: "customer", text: said });
  ask(conversation, {
    key,
    text: said,
    history,
    lang: message.lang === "fa" || message.lang === "en" ? message.lang : null,
  });
}

function onAgentMessage(message) {
  const conversation = conversations.get(scalarText(message.conversation_id, 200));
  const sent = scalarText(message.text, 20000);
  if (!conversation || !sent.trim()) return;
  // Only ids this sidebar handed over count: the host can't name others.
  let id = conversation.inserted.has(message.suggestion_id) ? message.suggestion_id : null;
  if (!id) {
    for (const [candidate, inserted] of conversation.inserted) {
      if (sameText(inserted, sent)) id = candidate;
    }
  }
  const turn = id && conversation.history.find((turn) => turn.suggestion_id === id && turn.pending);
  if (turn) {
    turn.text = sent;
    delete turn.pending;
  } else {
    conversation.history.push({ role: "agent", text: sent, ...(id ? { suggestion_id: id } : {}) });
  }
  if (id && !conversation.sent.has(id)) {
    conversation.sent.add(id);
    sendFeedback(conversation, id, "sent", sent);
  }
  conversation.check?.reset();
  conversation.draftSuggestion = null;
  const reply = answered(conversation, turn || conversation.history.at(-1));
  offerSentReply(conversation, { ...reply, text: sent, suggestion_id: id || undefined });
}

function onDraft(message) {
  const conversation = conversations.get(scalarText(message.conversation_id, 200));
  if (!conversation || typeof message.text !== "string") return;
  checkPanel(conversation).update(message.text);
}

function onPick(message) {
  const n = Number(message.n);
  const conversation = conversations.get(active);
  if (!Number.isInteger(n) || n < 1 || n > 9 || !conversation) return;
  if (message.conversation_id != null && scalarText(message.conversation_id, 200) !== conversation.id) return;
  conversation.cards[n - 1]?.pick();
}

function onAppContext(data) {
  const found = fromAppContext(data);
  if (found.error) {
    setNotice(found.error === "noIncoming" ? "" : t.errors[found.error]);
    if (found.error === "noIncoming") {
      show(noticeView("info", t.errors.noIncoming, ""));
    }
    return;
  }
  if (!api) {
    setNotice(t.errors.noKeyChatwoot);
    return;
  }
  setNotice("");
  const conversation = conversationFor(found.conversationId);
  conversation.customer = cleanCustomer(found.customer);
  // Chatwoot's transcript is the truth; mark the replies we handed over by their id.
  conversation.history = found.history.map((turn) => {
    if (turn.role !== "agent") return turn;
    for (const [id, inserted] of conversation.inserted) {
      if (sameText(inserted, turn.text)) return { ...turn, suggestion_id: id };
    }
    return turn;
  });
  const same = found.messageId === conversation.messageKey;
  if (same && (conversation.cards.length || conversation.inflight)) {
    activate(conversation); // nothing new: keep what the agent typed
    return;
  }
  ask(conversation, { key: found.messageId, text: found.text, history: conversation.history });
}

// ------------------------------------------------------------------ suggesting

function ask(conversation, request) {
  conversation.messageKey = request.key;
  conversation.pending = request;
  activate(conversation);
  suggest(conversation, request);
}

async function suggest(conversation, request) {
  clearTimeout(conversation.retryTimer);
  conversation.controller?.abort();
  conversation.cards = [];
  const name = conversation.customer.name;
  const message = messageView(t, { name, text: request.text, lang: request.lang });
  const list = h("div", { class: "results" });
  conversation.check?.reset(); // a draft answers the message before: checked no more
  conversation.node.replaceChildren(conversation.shareArea, message, checkPanel(conversation).node, list);
  if (!api) {
    list.replaceChildren(noticeView("error", t.errors.noKey, ""));
    return;
  }
  const controller = new AbortController();
  conversation.controller = controller;
  conversation.inflight = true;
  list.replaceChildren(loadingView(t));
  list.setAttribute("aria-busy", "true");
  const body = {
    conversation_id: conversation.id,
    message: request.text,
    history: recentHistory(request.history),
    customer: { ...conversation.customer, ...conversation.context },
  };
  if (request.lang) body.lang = request.lang;
  try {
    const result = await api.suggest(body, controller.signal);
    if (controller.signal.aborted) return;
    conversation.inflight = false;
    conversation.pending = null;
    conversation.failed = null;
    list.removeAttribute("aria-busy");
    const lang = result.signals?.lang;
    conversation.lang = lang === "fa" || lang === "en" ? lang : null;
    conversation.mood = result.signals?.mood || null;
    message.append(signalsView(t, result.signals, result.took_ms));
    overdue?.start(); // the key works: now the agent's overdue follow-ups, then every minute
    renderResult(conversation, list, result, knownValues(body.customer));
  } catch (error) {
    if (controller.signal.aborted) return;
    conversation.inflight = false;
    conversation.failed = error instanceof ApiError && error.unreachable ? request : null;
    list.removeAttribute("aria-busy");
    renderError(conversation, list, request, error);
  }
}

/**
 * How sure the server is: "confident", "weak" (no confident suggestion; `suggestions`
 * holds the closest entries) or "none". An older server sends only `no_match`.
 */
function matchOf(result) {
  const suggestions = Array.isArray(result.suggestions) ? result.suggestions : [];
  let match = result.match;
  if (!["confident", "weak", "none"].includes(match)) {
    match = result.no_match && suggestions.length ? "weak" : result.no_match ? "none" : "confident";
  }
  return suggestions.length ? match : "none";
}

function renderResult(conversation, list, result, known) {
  const { signals } = result;
  const notes = [];
  if (signals.truncated) notes.push(h("p", { class: "note" }, t.truncated));
  const match = matchOf(result);
  if (match === "none") {
    list.replaceChildren(...notes, noticeView("empty", t.noMatchTitle, t.noMatchBody));
    announce(t.announceNoMatch);
    return;
  }
  const weak = match === "weak";
  const actions = {
    insert: (card) => insert(conversation, card),
    dismiss: (card) => dismiss(conversation, card),
    dataInput: (card, input) => {
      const name = input.dataset.name;
      if (!name) return;
      const value = input.value.trim();
      if (value) conversation.context[name] = value.slice(0, 500);
      else delete conversation.context[name];
      for (const other of conversation.cards) if (other !== card) other.offer(name, input.value);
    },
  };
  const cards = result.suggestions.map(
    (suggestion, i) =>
      new Card(t, suggestion, i + 1, { copy: mode === "chatwoot", weak, known, actions }),
  );
  conversation.cards = cards;
  // Details the agent typed for an earlier message fill the same slots here.
  for (const [name, value] of Object.entries(conversation.context)) {
    for (const card of cards) card.offer(name, value);
  }
  const questions = signals.questions || [];
  const body = [];
  if (questions.length > 1) {
    notes.push(h("p", { class: "note" }, t.questionsNote(questions.length)));
    questions.forEach((question, q) => {
      const mine = cards.filter((card) => card.suggestion.question === q);
      body.push(
        h(
          "section",
          { class: "question", "aria-label": t.question(q + 1) },
          h(
            "h2",
            { class: "question-head" },
            h("span", { class: "question-number" }, t.question(q + 1)),
            h("q", { dir: "auto" }, question),
          ),
          mine.length ? mine.map((card) => card.node) : h("p", { class: "note" }, t.noMatchQuestion),
        ),
      );
    });
  } else {
    body.push(...cards.map((card) => card.node));
  }
  if (weak) {
    // "No confident suggestion", with the closest entries collapsed under it: shown (and
    // recorded as shown) only once the agent opens them, or picks one with Alt+n.
    const closest = h(
      "details",
      { class: "weak" },
      h(
        "summary",
        {},
        h("span", {}, t.weakEntries),
        h("span", { class: "count" }, t.num(cards.length)),
      ),
      h("div", { class: "weak-body" }, ...body),
    );
    closest.addEventListener("toggle", () => {
      if (!closest.open || closest.dataset.shown) return;
      closest.dataset.shown = "1";
      for (const card of cards) {
        if (card.node.isConnected) sendShown(conversation, card.suggestion.id, result.answer_id);
      }
    });
    list.replaceChildren(...notes, noticeView("empty", t.noMatchTitle, t.weakBody), closest);
    announce(t.announceWeak(cards.length));
    return;
  }
  list.replaceChildren(...notes, ...body);
  const mood = t.mood[signals.mood] || signals.mood;
  announce(t.announce(cards.length, mood));
  for (const card of cards) sendShown(conversation, card.suggestion.id, result.answer_id);
}

function renderError(conversation, list, request, error) {
  const retry = h(
    "button",
    { type: "button", class: "secondary", onclick: () => suggest(conversation, request) },
    t.retry,
  );
  if (!(error instanceof ApiError)) {
    list.replaceChildren(noticeView("error", t.errors.server, String(error?.message || error), retry));
    return;
  }
  if (error.kind === "rate" && !request.retried && error.retryAfter <= 10) {
    const wait = Math.max(1, error.retryAfter);
    list.replaceChildren(noticeView("error", t.errors.rate(wait), ""));
    conversation.retryTimer = setTimeout(
      () => suggest(conversation, { ...request, retried: true }),
      wait * 1000,
    );
    return;
  }
  const title =
    error.kind === "network" ? t.errors.network(api.base.origin)
    : error.kind === "rate" ? t.errors.rateFinal
    : t.errors[error.kind] || t.errors.server;
  const retryable = !["auth", "forbidden", "not_found", "conflict", "too_long", "invalid"].includes(
    error.kind,
  );
  list.replaceChildren(noticeView("error", title, error.detail, retryable ? retry : null));
  if (error.kind === "auth" || error.kind === "forbidden") {
    connection = [t.keyRefused, "error"];
    setStatus(...connection);
  }
}

// ------------------------------------------------------------------ agent actions

async function insert(conversation, card) {
  const finalText = card.text;
  const id = card.suggestion.id;
  if (mode === "chatwoot") {
    const copied = await copyText(finalText);
    if (!copied) {
      selectForCopy(card, finalText);
      announce(t.copyFailed);
      return;
    }
    card.markDone(t.copied);
    announce(t.announceCopied);
  } else {
    post({ type: "insert_reply", conversation_id: conversation.id, text: finalText, suggestion_id: id });
    card.markDone(t.inserted);
    announce(t.announceInserted);
  }
  conversation.inserted.set(id, finalText);
  const turn = { role: "agent", text: finalText, suggestion_id: id, pending: true };
  conversation.history.push(turn);
  conversation.shareable.set(id, { ...answered(conversation, turn), text: finalText, suggestion_id: id });
  card.offerShare(() => openShare(conversation, conversation.shareable.get(id), card.shareButton, card));
  conversation.draftSuggestion = id;
  checkPanel(conversation).update(finalText, { now: true });
  const saved = await sendFeedback(conversation, id, "inserted", finalText);
  if (!saved) setNotice(t.feedbackFailed, "warn");
}

// ------------------------------------------------------------------ checking the draft

/** The conversation's Check panel (made on first use). */
function checkPanel(conversation) {
  conversation.check ||= new CheckPanel(t, {
    api: () => api,
    request: () => checkContext(conversation),
    announce,
    sendAnyway: () => {
      if (mode === "chatwoot") announce(t.sendAnywayCopy);
      else post({ type: "send", conversation_id: conversation.id });
      conversation.check.reset();
    },
    onFollowup: () => overdue?.refresh(),
  });
  return conversation.check;
}

/** What /v1/check needs beside the draft: the customer's last message, the turns around
 * it (not the draft itself, which would "repeat" its own text), the customer, the
 * inserted suggestion and the mood /v1/suggest found. */
function checkContext(conversation) {
  const turns = conversation.history.filter((turn) => !turn.pending);
  let last = turns.length;
  while (--last >= 0 && turns[last].role !== "customer");
  const body = {
    conversation_id: conversation.id,
    history: recentHistory(turns.filter((_, i) => i !== last)),
    customer: { ...conversation.customer, ...conversation.context },
  };
  if (last >= 0) body.message = turns[last].text;
  if (conversation.draftSuggestion) body.suggestion_id = conversation.draftSuggestion;
  if (conversation.mood) body.mood = conversation.mood;
  return body;
}

// ------------------------------------------------------------------ sharing a reply

/** The host reported a reply as sent: share its final text. An open panel for the same
 * reply takes the new text; otherwise a one-line offer replaces the previous one. */
function offerSentReply(conversation, reply) {
  if (reply.suggestion_id) {
    const known = conversation.shareable.get(reply.suggestion_id);
    if (known) conversation.shareable.set(reply.suggestion_id, { ...known, text: reply.text });
  }
  const open = conversation.sharing;
  if (open && (!open.suggestion_id || open.suggestion_id === reply.suggestion_id)) {
    open.panel.offerText(reply.text);
    return;
  }
  if (open) return; // the agent is sharing another reply: don't pull it away
  const button = h("button", { type: "button", class: "secondary small share-open" }, t.share);
  button.addEventListener("click", () => openShare(conversation, reply, button));
  conversation.shareArea.replaceChildren(
    h("div", { class: "share-offer", role: "status" }, h("span", {}, t.sentOffer), button),
  );
}

function openShare(conversation, reply, opener, card = null) {
  if (!reply) return;
  conversation.sharing?.panel.node.remove();
  const panel = new SharePanel(t, reply, {
    api: () => api,
    announce,
    onShared: () => {
      // Its card (a suggestion or a search result) says so, from whichever button it came.
      const id = reply.suggestion_id;
      card?.markShared(t.shared);
      for (const other of [...conversation.cards, ...(library?.cards || [])]) {
        if (id && other.suggestion.id === id) other.markShared(t.shared);
      }
      if (id) conversation.shareable.delete(id);
    },
    onClose: () => {
      if (conversation.sharing?.panel === panel) conversation.sharing = null;
      if (opener?.isConnected && !opener.disabled) opener.focus();
      else if (card?.node.isConnected) card.node.focus();
      else ui.title.focus();
    },
  });
  conversation.sharing = { panel, suggestion_id: reply.suggestion_id };
  conversation.shareArea.replaceChildren(panel.node);
  panel.focus();
}

function dismiss(conversation, card) {
  const index = conversation.cards.indexOf(card);
  const next = conversation.cards[index + 1] || conversation.cards[index - 1] || null;
  conversation.cards.splice(index, 1);
  conversation.cards.forEach((other, i) => other.renumber(i + 1)); // Alt+n follows the list
  const group = card.node.parentElement;
  card.node.remove();
  if (group?.classList.contains("question") && !group.querySelector(".card")) {
    group.append(h("p", { class: "note" }, t.noMatchQuestion));
  }
  const closest = group?.closest("details.weak");
  if (closest && !closest.querySelector(".card")) closest.remove();
  else if (closest) closest.querySelector(".count").textContent = t.num(conversation.cards.length);
  if (!card.done) sendFeedback(conversation, card.suggestion.id, "dismissed");
  announce(t.announceDismissed);
  if (next) next.pick();
  else ui.title.focus();
}

/** `shown`, with the answer the suggestion came in: the server records its position
 * there, and refuses any other action on a suggestion it never saw shown. */
function sendShown(conversation, suggestionId, answerId) {
  if (!api) return;
  const body = { suggestion_id: suggestionId, conversation_id: conversation.id, action: "shown" };
  if (typeof answerId === "string" && answerId) body.answer_id = answerId;
  const saved = postFeedback(body);
  conversation.shown.set(suggestionId, { answerId: body.answer_id, saved });
}

/** inserted, sent or dismissed: after its `shown` has been answered (the server checks
 * for it). A reply that was never shown here (a library result) is not feedback on a
 * suggestion: nothing is posted, and that is no failure. */
async function sendFeedback(conversation, suggestionId, action, finalText) {
  if (!api) return false;
  const shown = conversation.shown.get(suggestionId);
  if (!shown) return true;
  await shown.saved;
  const body = { suggestion_id: suggestionId, conversation_id: conversation.id, action };
  if (shown.answerId) body.answer_id = shown.answerId;
  if (finalText !== undefined) body.final_text = finalText.slice(0, 20000);
  return postFeedback(body);
}

async function postFeedback(body) {
  try {
    await api.feedback(body);
    return true;
  } catch (error) {
    console.warn("assist: feedback not saved", body.action, error);
    return false;
  }
}

async function copyText(value) {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // Chatwoot's iframe grants no clipboard-write permission: the legacy copy command
    // still works there on the agent's click.
    const focused = document.activeElement;
    const area = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    area.value = value;
    document.body.append(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch {
      done = false;
    }
    area.remove();
    focused?.focus?.();
    return done;
  }
}

function selectForCopy(card, value) {
  const area = h("textarea", { class: "copy-box", readonly: true, rows: "4", dir: card.dir });
  area.value = value;
  card.node.append(area);
  area.focus();
  area.select();
}

// ------------------------------------------------------------------ keyboard

function onKey(event) {
  const conversation = conversations.get(active);
  if (!conversation) return;
  const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  if (event.altKey && !event.ctrlKey && !event.metaKey && digit) {
    const card = conversation.cards[Number(digit[1]) - 1];
    if (card) {
      event.preventDefault();
      card.pick();
    }
    return;
  }
  const card = conversation.cards.find((c) => c.node.contains(document.activeElement));
  if (!card) return;
  if (event.key === "Escape") {
    event.preventDefault();
    card.dismiss();
  } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    card.insert();
  }
}

// ------------------------------------------------------------------ helpers

function conversationFor(id) {
  let conversation = conversations.get(id);
  if (!conversation) {
    conversation = new Conversation(id);
    conversations.set(id, conversation);
    if (conversations.size > MAX_CONVERSATIONS) {
      const oldest = conversations.keys().next().value;
      if (oldest !== active) conversations.delete(oldest);
    }
  }
  return conversation;
}

function activate(conversation) {
  active = conversation.id;
  if (ui.stage.firstElementChild !== conversation.node) ui.stage.replaceChildren(conversation.node);
}

function originOf(value) {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

function baseUrl() {
  return new URL("./", location.href); // the server root the sidebar came from
}

function apiBase(given) {
  if (typeof given === "string" && given) {
    try {
      const url = new URL(given, location.href);
      if (url.protocol === "http:" || url.protocol === "https:") {
        if (!url.pathname.endsWith("/")) url.pathname += "/";
        return url;
      }
    } catch {
      /* fall through to the default */
    }
  }
  return baseUrl();
}

/** A client for the API at `given` (or this server); the status follows whether the
 * server answers, and the shown conversation's failed request is retried once it does. */
function connect(given, key) {
  api?.close();
  return new Api(apiBase(given), key, (reachable) => {
    if (!reachable) {
      setStatus(t.disconnected, "offline", t.disconnectedTitle);
      return;
    }
    setStatus(...connection);
    const conversation = conversations.get(active);
    if (conversation?.failed && !conversation.inflight) suggest(conversation, conversation.failed);
  });
}

function post(message) {
  if (hostOrigin) window.parent.postMessage(message, hostOrigin);
}

function show(node) {
  active = null;
  ui.stage.replaceChildren(node);
}

function showEmpty() {
  show(noticeView("info", t.emptyTitle, t.emptyBody));
}

function setStatus(label, kind = "", title = "") {
  ui.status.textContent = label;
  ui.status.dataset.kind = kind;
  ui.status.title = title;
}

function setNotice(message, kind = "error") {
  ui.notice.hidden = !message;
  ui.notice.textContent = message;
  ui.notice.dataset.kind = kind;
}

function announce(message) {
  // Cleared first so the same sentence twice is still announced.
  ui.announce.textContent = "";
  setTimeout(() => (ui.announce.textContent = message), 50);
}

function applyLanguage() {
  const lang = t === strings("fa") ? "fa" : "en";
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "fa" ? "rtl" : "ltr";
  ui.title.textContent = t.title;
  ui.keys.textContent = t.keys;
  ui.library.setAttribute("aria-label", t.searchLabel);
  library?.setStrings(t);
  overdue?.setStrings(t);
  ui.refresh.textContent = t.refresh;
  ui.refresh.setAttribute("aria-label", t.refreshLabel);
}

start();
