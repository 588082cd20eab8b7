// The sidebar's own words, in English and Persian (`?ui=fa` or `init.ui`). Suggestions
// keep the customer's language whatever the interface language is. Every number the
// sidebar writes goes through `num` (Persian digits with ui=fa).

const FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

/** ASCII digits as Persian ones ("0.42" → "۰٫۴۲"); anything else stays. */
export function persianDigits(value) {
  return String(value)
    .replace(/(\d)\.(?=\d)/g, "$1٫")
    .replace(/[0-9]/g, (d) => FA_DIGITS[d]);
}

// The server's mood cue names (core/mood.py); an unknown one is shown as it came.
const FA_CUES = {
  insult: "توهین",
  threat: "تهدید",
  "shouting punctuation": "علامت تعجب یا پرسش پیاپی",
  "all caps": "حروف بزرگ لاتین",
  "repeated contact": "پیگیری دوباره",
  "sounds like angry messages": "شبیه پیام‌های عصبانی",
  "sounds like frustrated messages": "شبیه پیام‌های کلافه",
};

const en = {
  num: (n) => String(n),
  cue: (name) => name,
  title: "Suggestions",
  waitingHost: "Waiting for the chat page…",
  connected: "Connected",
  chatwoot: "Chatwoot",
  refresh: "Refresh",
  refreshLabel: "Fetch the conversation from Chatwoot again",
  emptyTitle: "No customer message yet",
  emptyBody: "Suggestions appear here when the customer writes.",
  standaloneTitle: "This is the assist sidebar",
  standaloneBody:
    "It runs inside a chat page. Try the demo, or embed it as the README shows.",
  openDemo: "Open the demo",
  customer: "Customer",
  customerSays: (name) => (name ? [name, " wrote"] : ["The customer wrote"]),
  loading: "Finding suggestions…",
  mood: { calm: "Calm", frustrated: "Frustrated", angry: "Angry" },
  moodLabel: "Mood",
  cues: "Cues",
  comma: ", ",
  keyRefused: "Key refused",
  question: (n) => `Question ${n}`,
  questionsNote: (n) => `${n} questions in one message: a suggestion for each.`,
  noMatchTitle: "No confident suggestion",
  noMatchBody: "Nothing in the playbooks fits closely enough. Answer in your own words.",
  noMatchQuestion: "No confident suggestion for this question.",
  weakBody: "The closest entries are below, collapsed: check one fits before using it.",
  weakEntries: "Closest entries (low confidence)",
  score: (s) => `Score ${s.toFixed(2)}`,
  scoreLabel: "How closely it matched the message (low)",
  took: (ms) => `${Math.round(ms)} ms`,
  truncated: "Long message: only its first part was read.",
  source: { playbook: "Playbook", snippet: (who) => `Snippet by ${who || "an agent"}` },
  fallbackLang: (lang) => `Only in ${lang === "fa" ? "Persian" : "English"}`,
  pick: (n) => `Alt+${n}`,
  suggestionLabel: (n, title) => `Suggestion ${n}: ${title}`,
  write: (hint) => `Write: ${hint}`,
  fill: (hint) => `Fill in: ${hint}`,
  todo: (human, data) =>
    [
      human ? `Write ${human} ${human === 1 ? "part" : "parts"}` : "",
      data ? `fill ${data} ${data === 1 ? "detail" : "details"}` : "",
    ]
      .filter(Boolean)
      .join(", ") + " to insert",
  ready: "Ready to insert",
  readyCopy: "Ready to copy",
  checklist: (n) => `Checklist (${n})`,
  promiseLimit: (h) => `Promise at most ${h} h`,
  insert: "Insert",
  copy: "Copy",
  inserted: "Inserted",
  copied: "Copied",
  dismiss: "Dismiss",
  dismissLabel: (n) => `Dismiss suggestion ${n}`,
  announce: (n, mood) =>
    `${n} ${n === 1 ? "suggestion" : "suggestions"} for the new message. Mood: ${mood}.`,
  announceNoMatch: "New message: no confident suggestion.",
  announceWeak: (n) =>
    `New message: no confident suggestion. ${n} closest ${n === 1 ? "entry" : "entries"}, collapsed.`,
  announceInserted: "Reply inserted into the composer.",
  announceCopied: "Reply copied to the clipboard. Paste it into the reply box.",
  announceDismissed: "Suggestion dismissed.",
  copyFailed: "Copying was blocked by the browser: the reply is selected, press Ctrl+C.",
  keys: "Alt+1–3 pick · Enter next slot · Ctrl+Enter insert · Esc dismiss",
  retry: "Retry",
  feedbackFailed: "The reply went through, but the feedback was not saved.",
  errors: {
    auth: "The API key was refused (401). Ask your admin for a valid agent key.",
    forbidden: "This API key may not use suggestions (403).",
    rate: (s) => `Too many requests (429). Trying again in ${s} s…`,
    rateFinal: "Too many requests (429). Wait a moment, then retry.",
    not_ready: "Suggestions aren't ready on the server yet (503): no index is loaded.",
    too_long: "This message is too long for suggestions (413).",
    invalid: "The server refused the request (4xx).",
    server: "The server had a problem (5xx). Retry, or tell your admin.",
    network: (base) => `Can't reach the assist server at ${base}. Check the connection.`,
    timeout: "The server did not answer in time. Retry.",
    noKey: "No API key yet: the chat page has not connected the sidebar (init).",
    noKeyChatwoot:
      "No API key: add #key=<agent key> to this app's URL in Chatwoot (Settings → Integrations → Dashboard apps).",
    noOrigin:
      "Can't tell which page embeds the sidebar: add ?host_origin=<its origin> to the sidebar URL.",
    noIncoming: "No customer message in this conversation yet.",
    badContext: "Chatwoot sent a conversation the sidebar could not read.",
  },
};

const n = persianDigits;

const fa = {
  ...en,
  num: (value) => n(value),
  cue: (name) => FA_CUES[name] || name,
  title: "پیشنهادها",
  waitingHost: "در انتظار صفحهٔ گفتگو…",
  connected: "متصل",
  chatwoot: "چت‌وت",
  refresh: "تازه‌سازی",
  refreshLabel: "دریافت دوبارهٔ گفتگو از چت‌وت",
  emptyTitle: "هنوز پیامی از مشتری نیامده",
  emptyBody: "وقتی مشتری بنویسد، پیشنهادها اینجا می‌آیند.",
  standaloneTitle: "این نوار کناری assist است",
  standaloneBody: "درون صفحهٔ گفتگو اجرا می‌شود. نسخهٔ نمایشی را ببینید.",
  openDemo: "باز کردن نسخهٔ نمایشی",
  customer: "مشتری",
  customerSays: (name) => (name ? [name, " نوشت"] : ["مشتری نوشت"]),
  loading: "در حال یافتن پیشنهاد…",
  mood: { calm: "آرام", frustrated: "کلافه", angry: "عصبانی" },
  moodLabel: "حال مشتری",
  cues: "نشانه‌ها",
  comma: "، ",
  keyRefused: "کلید پذیرفته نشد",
  question: (i) => `پرسش ${n(i)}`,
  questionsNote: (i) => `${n(i)} پرسش در یک پیام: برای هر کدام یک پیشنهاد.`,
  noMatchTitle: "پیشنهاد مطمئنی نیست",
  noMatchBody: "چیزی در راهنماها به‌اندازهٔ کافی نزدیک نیست. با کلمات خودتان پاسخ دهید.",
  noMatchQuestion: "برای این پرسش پیشنهاد مطمئنی نیست.",
  weakBody: "نزدیک‌ترین موارد در زیر بسته‌اند: پیش از استفاده ببینید که واقعاً جور باشد.",
  weakEntries: "نزدیک‌ترین موارد (اطمینان پایین)",
  score: (s) => `امتیاز ${n(s.toFixed(2))}`,
  scoreLabel: "میزان نزدیکی به پیام (پایین)",
  took: (ms) => `${n(Math.round(ms))} میلی‌ثانیه`,
  truncated: "پیام طولانی است: فقط بخش اول آن خوانده شد.",
  source: { playbook: "راهنما", snippet: (who) => `نوشتهٔ ${who || "یک همکار"}` },
  fallbackLang: (lang) => `فقط به ${lang === "fa" ? "فارسی" : "انگلیسی"}`,
  pick: (i) => `Alt+${n(i)}`,
  suggestionLabel: (i, title) => `پیشنهاد ${n(i)}: ${title}`,
  write: (hint) => `بنویسید: ${hint}`,
  fill: (hint) => `پر کنید: ${hint}`,
  todo: (human, data) =>
    "برای درج، " +
    [human ? `${n(human)} بخش را بنویسید` : "", data ? `${n(data)} مورد را پر کنید` : ""]
      .filter(Boolean)
      .join(" و "),
  ready: "آمادهٔ درج",
  readyCopy: "آمادهٔ کپی",
  checklist: (i) => `فهرست بررسی (${n(i)})`,
  promiseLimit: (h) => `بیش از ${n(h)} ساعت قول ندهید`,
  insert: "درج",
  copy: "کپی",
  inserted: "درج شد",
  copied: "کپی شد",
  dismiss: "رد",
  dismissLabel: (i) => `رد پیشنهاد ${n(i)}`,
  announce: (i, mood) => `${n(i)} پیشنهاد برای پیام تازه. حال مشتری: ${mood}.`,
  announceNoMatch: "پیام تازه: پیشنهاد مطمئنی نیست.",
  announceWeak: (i) => `پیام تازه: پیشنهاد مطمئنی نیست. ${n(i)} مورد نزدیک، بسته.`,
  announceInserted: "پاسخ در کادر نوشتن درج شد.",
  announceCopied: "پاسخ کپی شد. آن را در کادر پاسخ بچسبانید.",
  announceDismissed: "پیشنهاد رد شد.",
  copyFailed: "مرورگر جلوی کپی را گرفت: پاسخ انتخاب شده است، Ctrl+C را بزنید.",
  keys: `Alt+${n(1)} تا ${n(3)} انتخاب · Enter جای خالی بعدی · Ctrl+Enter درج · Esc رد`,
  retry: "تلاش دوباره",
  feedbackFailed: "پاسخ رفت، اما بازخورد ذخیره نشد.",
  errors: {
    ...en.errors,
    auth: `کلید API پذیرفته نشد (${n(401)}). یک کلید معتبر از مدیر بگیرید.`,
    forbidden: `این کلید API اجازهٔ پیشنهاد ندارد (${n(403)}).`,
    rate: (s) => `درخواست‌ها زیاد است (${n(429)}). ${n(s)} ثانیه دیگر دوباره تلاش می‌شود…`,
    rateFinal: `درخواست‌ها زیاد است (${n(429)}). کمی صبر کنید و دوباره تلاش کنید.`,
    not_ready: `پیشنهادها روی سرور هنوز آماده نیست (${n(503)}): نمایه‌ای بار نشده.`,
    too_long: `این پیام برای پیشنهاد بیش از حد طولانی است (${n(413)}).`,
    invalid: `سرور درخواست را نپذیرفت (خطای ${n(4)}xx).`,
    server: `سرور دچار مشکل شد (خطای ${n(5)}xx). دوباره تلاش کنید یا به مدیر خبر دهید.`,
    network: (base) => `سرور assist در ${base} در دسترس نیست. اتصال را بررسی کنید.`,
    timeout: "سرور به‌موقع پاسخ نداد. دوباره تلاش کنید.",
    noKey: "هنوز کلید API نرسیده: صفحهٔ گفتگو نوار کناری را وصل نکرده است.",
    noKeyChatwoot:
      "کلید API نیست: در چت‌وت (Settings → Integrations → Dashboard apps) به نشانی این برنامه #key=<کلید agent> را بیفزایید.",
    noOrigin:
      "معلوم نیست کدام صفحه نوار کناری را در خود دارد: به نشانی نوار کناری ?host_origin=<مبدأ آن صفحه> را بیفزایید.",
    noIncoming: "هنوز پیامی از مشتری در این گفتگو نیست.",
    badContext: "گفتگویی که چت‌وت فرستاد خوانا نبود.",
  },
};

export const STRINGS = { en, fa };

export function strings(ui) {
  return STRINGS[ui] || en;
}
