// Chatwoot's Dashboard App protocol: the app asks with a string, Chatwoot answers with a
// JSON string {"event": "appContext", "data": {contact, conversation, currentAgent}}.
// Chatwoot gives apps no way to write into its composer, so replies go to the clipboard.

export const FETCH_INFO = "chatwoot-dashboard-app:fetch-info";

const INCOMING = 0;
const OUTGOING = 1;

/** The `data` of an appContext message, or null for anything else. */
export function parseAppContext(raw) {
  if (typeof raw !== "string" || !raw.startsWith("{")) return null;
  let message;
  try {
    message = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!message || message.event !== "appContext") return null;
  const data = message.data;
  return data && typeof data === "object" ? data : null;
}

/**
 * What to suggest for: the latest incoming (customer) message of the conversation, the
 * public turns before it, and the context that fills data slots.
 * @returns {{conversationId: string, messageId: string, text: string,
 *            history: {role: string, text: string}[], customer: object} | {error: string}}
 */
export function fromAppContext(data) {
  const conversation = data?.conversation;
  if (!conversation || typeof conversation !== "object") return { error: "badContext" };
  const all = Array.isArray(conversation.messages) ? conversation.messages : [];
  const messages = all
    .map((m, order) => ({ m, order }))
    .filter(({ m }) => m && typeof m.content === "string" && m.content.trim() && !m.private)
    .filter(({ m }) => m.message_type === INCOMING || m.message_type === OUTGOING)
    .sort((a, b) => stamp(a.m) - stamp(b.m) || a.order - b.order)
    .map(({ m }) => m);
  let latest = -1;
  messages.forEach((m, i) => {
    if (m.message_type === INCOMING) latest = i;
  });
  if (latest < 0) return { error: "noIncoming" };
  const message = messages[latest];
  const history = messages.slice(0, latest).map((m) => ({
    role: m.message_type === INCOMING ? "customer" : "agent",
    text: m.content,
  }));
  const contact = data.contact && typeof data.contact === "object" ? data.contact : {};
  const agent = data.currentAgent && typeof data.currentAgent === "object" ? data.currentAgent : {};
  const customer = {};
  for (const [key, value] of [
    ["name", contact.name],
    ["email", contact.email],
    ["phone", contact.phone_number],
    ["agent_name", agent.name],
  ]) {
    if (typeof value === "string" && value.trim()) customer[key] = value.trim();
  }
  const id = conversation.id ?? conversation.display_id;
  return {
    conversationId: `chatwoot-${id ?? "unknown"}`,
    messageId: String(message.id ?? `${stamp(message)}-${latest}`),
    text: message.content,
    history,
    customer,
  };
}

function stamp(message) {
  const t = message.created_at;
  if (typeof t === "number") return t;
  const parsed = Date.parse(t);
  return Number.isNaN(parsed) ? 0 : parsed / 1000;
}
