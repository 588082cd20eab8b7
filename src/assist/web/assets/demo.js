// A demo helpdesk that embeds the sidebar exactly as a real chat page would: an iframe,
// the key passed at init, customer messages in, finished replies out (README protocol).
// The composer reports its text as the agent edits it (`draft`), so the sidebar checks the
// reply being written; the sidebar's "Send anyway" (`send`) sends the composer as it stands.

import { keyFromFragment } from "./view.js";

const CONVERSATIONS = [
  {
    id: "demo-sara",
    label: "Sara · English",
    customer: { name: "Sara", order_id: "A-1042" },
    samples: [
      "My order A-1042 is a week late. Where is it?",
      "This is the third time I'm writing and nobody answers!!",
      "Where is my order? Also, can I still change the delivery address?",
      "I was charged twice for the same order",
    ],
  },
  {
    id: "demo-maryam",
    label: "مریم · فارسی",
    customer: { name: "مریم" },
    samples: [
      "یک ساعته تتر خریدم هنوز به ولتم نرسیده، سومین باره پیام میدم",
      "سفارشم یک هفته است نرسیده. کجاست؟",
      "پول از حسابم کم شده ولی پرداخت ناموفق بود",
      "میخوام با مدیرتون صحبت کنم",
    ],
  },
];

const $ = (id) => document.getElementById(id);
const frame = $("sidebar");
const origin = location.origin;
const state = {
  key: null,
  ready: false,
  current: CONVERSATIONS[0],
  logs: new Map(CONVERSATIONS.map((c) => [c.id, []])),
  drafts: new Map(), // conversation id → {text, suggestion_id} last inserted
  sequence: 0,
};

// The key: typed in, or from this page's #key=….
keyFromFragment($("key"));

const sidebarUrl = new URL("../widget", location.href);
sidebarUrl.searchParams.set("host_origin", origin);
frame.src = sidebarUrl.href;

window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow || event.origin !== origin) return;
  const message = event.data;
  if (message?.type === "ready") {
    state.ready = true;
    if (state.key !== null) connect();
  } else if (message?.type === "insert_reply" && typeof message.text === "string") {
    switchTo(CONVERSATIONS.find((c) => c.id === message.conversation_id) || state.current);
    const reply = $("reply");
    reply.value = message.text;
    state.drafts.set(state.current.id, { text: message.text, suggestion_id: message.suggestion_id });
    reply.focus();
    reply.setSelectionRange(reply.value.length, reply.value.length);
  } else if (message?.type === "send" && message.conversation_id === state.current.id) {
    $("composer").requestSubmit();
  }
});

$("connect").addEventListener("submit", (event) => {
  event.preventDefault();
  state.key = $("key").value.trim();
  connect();
});

function connect() {
  if (!state.ready) {
    $("connection").textContent = "Loading the sidebar…";
    return;
  }
  frame.contentWindow.postMessage(
    { type: "init", api_key: state.key, ui: $("ui").value },
    origin,
  );
  $("connection").textContent = state.key ? "Key sent to the sidebar" : "No key (auth disabled?)";
  const last = lastCustomerMessage();
  if (last) sendToSidebar(last);
}

$("customer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("customer-text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  customerSays(text);
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const reply = $("reply");
  const text = reply.value.trim();
  if (!text) return;
  const draft = state.drafts.get(state.current.id);
  addMessage({ role: "agent", text });
  reply.value = "";
  state.drafts.delete(state.current.id);
  frame.contentWindow.postMessage(
    {
      type: "agent_message",
      conversation_id: state.current.id,
      text,
      ...(draft ? { suggestion_id: draft.suggestion_id } : {}),
    },
    origin,
  );
});

$("reply").addEventListener("input", () => {
  frame.contentWindow.postMessage(
    { type: "draft", conversation_id: state.current.id, text: $("reply").value },
    origin,
  );
});

$("reply").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
  // Alt+1…9 while typing here picks that suggestion in the sidebar ("pick" message), as
  // the same keys do inside it: focus goes to the card's first empty slot.
  const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  if (digit && event.altKey && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    frame.contentWindow.postMessage(
      { type: "pick", n: Number(digit[1]), conversation_id: state.current.id },
      origin,
    );
  }
});

function customerSays(text) {
  const message = { role: "customer", text, id: `m${++state.sequence}` };
  addMessage(message);
  sendToSidebar(message);
}

function sendToSidebar(message) {
  if (!state.ready) return;
  frame.contentWindow.postMessage(
    {
      type: "customer_message",
      conversation_id: state.current.id,
      message_id: message.id,
      text: message.text,
      customer: state.current.customer,
    },
    origin,
  );
}

function lastCustomerMessage() {
  const log = state.logs.get(state.current.id);
  return [...log].reverse().find((m) => m.role === "customer") || null;
}

function addMessage(message) {
  state.logs.get(state.current.id).push(message);
  $("log").append(bubble(message));
  $("log").lastElementChild.scrollIntoView({ block: "end" });
}

function bubble(message) {
  const item = document.createElement("li");
  item.className = `bubble ${message.role}`;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = message.role === "customer" ? state.current.customer.name : "You";
  const text = document.createElement("p");
  text.dir = "auto";
  text.textContent = message.text;
  item.append(who, text);
  return item;
}

function switchTo(conversation) {
  if (conversation === state.current) return;
  state.current = conversation;
  renderTabs();
  $("log").replaceChildren(...state.logs.get(conversation.id).map(bubble));
  $("reply").value = state.drafts.get(conversation.id)?.text || "";
  renderSamples();
  const last = lastCustomerMessage();
  if (last) sendToSidebar(last); // same message_id: the sidebar just switches back
}

function renderTabs() {
  $("tabs").replaceChildren(
    ...CONVERSATIONS.map((conversation) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.role = "tab";
      tab.className = "tab";
      tab.textContent = conversation.label;
      tab.dir = "auto";
      tab.setAttribute("aria-selected", String(conversation === state.current));
      tab.addEventListener("click", () => switchTo(conversation));
      return tab;
    }),
  );
}

function renderSamples() {
  $("samples").replaceChildren(
    ...state.current.samples.map((sample) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "sample";
      chip.dir = "auto";
      chip.textContent = sample;
      chip.addEventListener("click", () => customerSays(sample));
      return chip;
    }),
  );
}

renderTabs();
renderSamples();
