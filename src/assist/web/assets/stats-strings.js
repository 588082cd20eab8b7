// The stats page's own words, in English and Persian (the language menu, `?ui=fa`, or the
// browser's language). Every number and date it writes goes through `num`, `pct` and
// `day`: Persian digits (and the Persian calendar for days) with ui=fa.

import { strings } from "./strings.js";

const enNumber = new Intl.NumberFormat("en-US");
const faNumber = new Intl.NumberFormat("fa-IR");

/** A rate 0..1 as a percentage; one decimal under 10 % so small rates don't read as 0. */
function percent(rate, format, sign) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return "—";
  const value = rate * 100;
  const digits = value > 0 && value < 10 ? 1 : 0;
  const rounded = Number(value.toFixed(digits));
  return format(rounded) + sign;
}

function formatDay(value, locale) {
  const date = parseDay(value);
  if (!date) return String(value ?? "");
  return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" }).format(date);
}

function formatLongDay(value, locale) {
  const date = parseDay(value);
  if (!date) return String(value ?? "");
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

/** "2026-12-07" (or a full ISO time) as that day at 00:00 UTC. */
function parseDay(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value ?? ""));
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) ? null : date;
}

const en = {
  lang: "en",
  sep: " · ",
  num: (n) => enNumber.format(n ?? 0),
  pct: (rate) => percent(rate, (v) => enNumber.format(v), "%"),
  score: (s) => (typeof s === "number" ? s.toFixed(2) : "—"),
  day: (value) => formatDay(value, "en-GB"),
  longDay: (value) => formatLongDay(value, "en-GB"),
  pageTitle: "assist · team statistics",
  brand: "team statistics",
  keyLabel: "API key",
  keyPlaceholder: "ak_… (a lead's key)",
  uiLabel: "Language",
  connect: "Connect",
  connecting: "Connecting…",
  connected: (team) => `Connected: team ${team}`,
  connectedAdmin: "Connected as an admin: any team",
  connectedAgent: "Connected, but an agent key",
  keyRefused: "Key refused",
  noKey: "Type a lead's API key, then Connect.",
  rangeLabel: "Range and team",
  from: "From",
  to: "To",
  team: "Team",
  teamHelpLead: "Your key's team",
  teamHelpAdmin: "Any team (empty: your key's)",
  show: "Show",
  badRange: "The start date must be on or before the end date.",
  noDates: "Give both dates.",
  loading: "Loading the numbers…",
  leadsOnly: "Statistics are for leads.",
  leadsOnlyBody: (name) =>
    `${name} is an agent key. A lead (or an admin) of the team sees these numbers; your own snippets and their counts are on the review page.`,
  reviewLink: "Open my snippets",
  rangeTitle: (from, to, team) => `${from} – ${to} · team ${team}`,
  empty: "Nothing recorded in this range.",
  emptyBody: (from, to, team) =>
    `Between ${from} and ${to}, team ${team} was served no suggestions, checked no drafts and had no follow-ups. Pick another range, or another team.`,
  // summary tiles
  summaryLabel: "Summary",
  served: "Suggestions served",
  servedSub: "answers to customer messages",
  match: "Confident match",
  matchSub: (weak, none) => `weak ${weak} · no match ${none}`,
  matchParts: { confident: "Confident", weak: "Weak", none: "No match" },
  moodTitle: "Customer mood",
  mood: { calm: "Calm", frustrated: "Frustrated", angry: "Angry" },
  moodNone: "No mood recorded",
  checksTitle: "Drafts checked",
  checksSub: (recital, over) => `recital ${recital} · over-promise ${over}`,
  followupsTitle: "Follow-ups",
  followupsMain: (onTime, overdue) => `open now: ${onTime} on time · ${overdue} overdue`,
  followupsSub: (onTime, late) => `done in this range: ${onTime} on time, ${late} late`,
  openNow: (onTime, overdue) => `Follow-ups open now: ${onTime} on time, ${overdue} overdue.`,
  noData: "no data",
  // by language
  langTitle: "By language",
  langName: { en: "English", fa: "Persian" },
  // acceptance per reply
  repliesTitle: "Acceptance per reply",
  repliesNote: (shown, total) =>
    shown < total
      ? `The ${shown} most shown of ${total} replies; acceptance = inserted or sent ÷ shown. The table lists all.`
      : "Acceptance = inserted or sent ÷ shown.",
  repliesSummary: (rows, pct) =>
    rows.length
      ? `Acceptance per reply. Highest: ${rows[0].key} ${pct(rows[0].acceptance)}.`
      : "Acceptance per reply: no data.",
  repliesEmpty: "No suggestion was shown in this range.",
  repliesEmptyBody: "Acceptance appears once the sidebar records shown suggestions.",
  ofShown: (used, shown) => `${used} of ${shown}`,
  fromSnippet: (who) => `snippet by ${who || "an agent"}`,
  snippetLabel: (id, who) => `snippet #${id}${who ? ` by ${who}` : ""}`,
  // trend
  trendTitle: "Recital and over-promise per day",
  trendNote: "Share of checked drafts that recite a template word for word, and that promise more than the situation allows.",
  trendSummary: (checked, recital, over) =>
    `Over ${checked} checked drafts: recital ${recital}, over-promise ${over}.`,
  trendEmpty: "No draft was checked in this range.",
  trendEmptyBody: "The sidebar's Check panel logs each draft it checks (codes only, never the text).",
  recital: "Recital",
  overPromise: "Over-promise",
  // contributors
  contributorsTitle: "Contributors",
  contributorsNote: "Each bar: times their snippets were shown; the filled part: inserted or sent.",
  contributorsSummary: (rows, num) =>
    rows.length
      ? `Contributors by use. Most used: ${rows[0].author}, ${num(rows[0].used)} of ${num(rows[0].shown)} shown.`
      : "Contributors: no data.",
  contributorsEmpty: "No team snippet was shown in this range.",
  contributorsEmptyBody: "Snippets the agents share count here once a lead approves them and they are suggested.",
  // gaps
  gapsTitle: "Gaps: messages that found nothing",
  gapsNote: (g, num) =>
    `${num(g.kept)} messages kept that found no or only a weak match; the newest ${num(g.messages)} fall into ${num(g.clusters.length)} ${g.clusters.length === 1 ? "group" : "groups"}` +
    (g.unclustered ? ` and ${num(g.unclustered)} stand alone` : "") +
    ". Each group is a playbook entry to write.",
  gapsNoGroup: (kept, num) => `${num(kept)} messages kept, but no two alike yet: no group to write an entry for.`,
  gapsEmpty: "No unmatched message kept in this range.",
  gapsEmptyBody:
    "Messages that find nothing are kept only when the server runs with ASSIST_KEEP_UNMATCHED=true (personal data masked, deleted after ASSIST_UNMATCHED_RETENTION_DAYS).",
  gapsFailed: "The groups could not be loaded.",
  gapSize: (n, distinct, num) =>
    `${num(n)} ${n === 1 ? "message" : "messages"}` + (distinct && distinct < n ? ` (${num(distinct)} different)` : ""),
  gapLabel: (i, num) => `Gap ${num(i + 1)}`,
  gapClosest: "Closest entry",
  gapNothingClose: "Nothing close in the library",
  examples: "Examples (masked)",
  skeleton: "Playbook skeleton",
  showSkeleton: "Show the skeleton",
  copySkeleton: "Copy skeleton",
  copied: "Copied: paste it into a playbook file, then fill it in.",
  copyFailed: "Could not copy: the skeleton is selected, press Ctrl+C.",
  // tables
  asTable: "Show as a table",
  columns: {
    reply: "Reply",
    title: "Situation",
    source: "Source",
    shown: "Shown",
    inserted: "Inserted",
    sent: "Sent",
    sent_rewritten: "Sent rewritten",
    dismissed: "Dismissed",
    acceptance: "Acceptance",
    mean_edit_distance: "Text changed (mean)",
    day: "Day",
    checked: "Checked",
    recital_rate: "Recital",
    over_promise_rate: "Over-promise",
    author: "Author",
    snippets: "Snippets",
    lang: "Language",
    served: "Served",
    match_rate: "Confident",
    weak_rate: "Weak",
    no_match_rate: "No match",
  },
  sourceName: { playbook: "playbook", snippet: "snippet" },
};

const fa = {
  ...en,
  lang: "fa",
  sep: "، ", // a middle dot reads as a Persian zero (۰) beside Persian digits
  num: (n) => faNumber.format(n ?? 0),
  pct: (rate) => percent(rate, (v) => faNumber.format(v), "٪"),
  score: (s) => (typeof s === "number" ? faNumber.format(Number(s.toFixed(2))) : "—"),
  day: (value) => formatDay(value, "fa-IR"),
  longDay: (value) => formatLongDay(value, "fa-IR"),
  pageTitle: "assist · آمار تیم",
  brand: "آمار تیم",
  keyLabel: "کلید API",
  keyPlaceholder: "ak_… (کلید سرپرست)",
  uiLabel: "زبان",
  connect: "اتصال",
  connecting: "در حال اتصال…",
  connected: (team) => `متصل: تیم ${team}`,
  connectedAdmin: "متصل با کلید مدیر: همهٔ تیم‌ها",
  connectedAgent: "متصل، ولی با کلید کارشناس",
  keyRefused: "کلید پذیرفته نشد",
  noKey: "کلید API سرپرست را بنویسید و «اتصال» را بزنید.",
  rangeLabel: "بازه و تیم",
  from: "از",
  to: "تا",
  team: "تیم",
  teamHelpLead: "تیمِ کلید شما",
  teamHelpAdmin: "هر تیمی (خالی: تیمِ کلید شما)",
  show: "نمایش",
  badRange: "تاریخ شروع باید پیش از تاریخ پایان یا همان روز باشد.",
  noDates: "هر دو تاریخ را بدهید.",
  loading: "در حال بارگیری آمار…",
  leadsOnly: "آمار فقط برای سرپرست‌هاست.",
  leadsOnlyBody: (name) =>
    `این کلید (${name}) کلید کارشناس است. سرپرست (یا مدیر) تیم این آمار را می‌بیند؛ پیشنهادهای خودتان و آمارشان در صفحهٔ بررسی است.`,
  reviewLink: "پیشنهادهای من",
  rangeTitle: (from, to, team) => `${from} تا ${to}، تیم ${team}`,
  empty: "در این بازه چیزی ثبت نشده.",
  emptyBody: (from, to, team) =>
    `از ${from} تا ${to} برای تیم ${team} نه پیشنهادی ارائه شده، نه پیش‌نویسی بررسی شده و نه پیگیری‌ای بوده است. بازه یا تیم دیگری را انتخاب کنید.`,
  summaryLabel: "خلاصه",
  served: "پیشنهاد ارائه‌شده",
  servedSub: "پاسخ به پیام‌های مشتری",
  match: "تطابق مطمئن",
  matchSub: (weak, none) => `ضعیف ${weak}، بی‌تطابق ${none}`,
  matchParts: { confident: "مطمئن", weak: "ضعیف", none: "بی‌تطابق" },
  moodTitle: "حال مشتری",
  mood: { calm: "آرام", frustrated: "کلافه", angry: "عصبانی" },
  moodNone: "حالی ثبت نشده",
  checksTitle: "پیش‌نویس بررسی‌شده",
  checksSub: (recital, over) => `عین قالب ${recital}، قول بیش از حد ${over}`,
  followupsTitle: "پیگیری‌ها",
  followupsMain: (onTime, overdue) => `باز اکنون: ${onTime} سر وقت، ${overdue} عقب‌افتاده`,
  followupsSub: (onTime, late) => `انجام‌شده در این بازه: ${onTime} سر وقت، ${late} با تأخیر`,
  openNow: (onTime, overdue) => `پیگیری‌های باز اکنون: ${onTime} سر وقت، ${overdue} عقب‌افتاده.`,
  noData: "داده‌ای نیست",
  langTitle: "به تفکیک زبان",
  langName: { en: "انگلیسی", fa: "فارسی" },
  repliesTitle: "پذیرش هر پاسخ",
  repliesNote: (shown, total) =>
    shown < total
      ? `${faNumber.format(shown)} پاسخِ پرنمایش‌تر از ${faNumber.format(total)} پاسخ؛ پذیرش = درج یا ارسال ÷ نمایش. جدول همه را دارد.`
      : "پذیرش = درج یا ارسال ÷ نمایش.",
  repliesSummary: (rows, pct) =>
    rows.length
      ? `پذیرش هر پاسخ. بیشترین: ${rows[0].key} ${pct(rows[0].acceptance)}.`
      : "پذیرش هر پاسخ: داده‌ای نیست.",
  repliesEmpty: "در این بازه پیشنهادی نمایش داده نشده.",
  repliesEmptyBody: "وقتی نوار کناری نمایش پیشنهادها را ثبت کند، پذیرش اینجا می‌آید.",
  ofShown: (used, shown) => `${used} از ${shown}`,
  fromSnippet: (who) => `پیشنهاد ${who || "یک همکار"}`,
  snippetLabel: (id, who) => `پیشنهاد #${faNumber.format(id)}${who ? ` از ${who}` : ""}`,
  trendTitle: "عین قالب و قول بیش از حد در هر روز",
  trendNote: "سهم پیش‌نویس‌های بررسی‌شده‌ای که عیناً متن قالب‌اند، و آن‌هایی که بیش از حدِ موقعیت قول می‌دهند.",
  trendSummary: (checked, recital, over) =>
    `از ${checked} پیش‌نویس بررسی‌شده: عین قالب ${recital}، قول بیش از حد ${over}.`,
  trendEmpty: "در این بازه پیش‌نویسی بررسی نشده.",
  trendEmptyBody: "بخش «بررسی» نوار کناری هر پیش‌نویس را ثبت می‌کند (فقط کدها، هرگز متن).",
  recital: "عین قالب",
  overPromise: "قول بیش از حد",
  contributorsTitle: "همکاران",
  contributorsNote: "هر نوار: دفعات نمایش پیشنهادهای او؛ بخش پُر: درج یا ارسال.",
  contributorsSummary: (rows, num) =>
    rows.length
      ? `همکاران به ترتیب استفاده. بیشترین: ${rows[0].author}، ${num(rows[0].used)} از ${num(rows[0].shown)} نمایش.`
      : "همکاران: داده‌ای نیست.",
  contributorsEmpty: "در این بازه پیشنهادی از همکاران نمایش داده نشده.",
  contributorsEmptyBody: "پیشنهادهایی که همکاران به اشتراک می‌گذارند پس از تأیید سرپرست و پیشنهاد شدن اینجا شمرده می‌شوند.",
  gapsTitle: "کمبودها: پیام‌هایی که پاسخی نیافتند",
  gapsNote: (g, num) =>
    `${num(g.kept)} پیام نگه داشته شده که تطابقی نیافتند یا تطابقشان ضعیف بود؛ ${num(g.messages)} پیامِ تازه‌تر در ${num(g.clusters.length)} گروه جا می‌گیرند` +
    (g.unclustered ? ` و ${num(g.unclustered)} پیام تک‌اند` : "") +
    ". هر گروه یک مورد راهنما برای نوشتن است.",
  gapsNoGroup: (kept, num) => `${num(kept)} پیام نگه داشته شده، ولی هنوز دو پیام شبیه هم نیست: گروهی برای نوشتن مورد نیست.`,
  gapsEmpty: "در این بازه پیام بی‌پاسخی نگه داشته نشده.",
  gapsEmptyBody:
    "پیام‌های بی‌پاسخ فقط وقتی نگه داشته می‌شوند که سرور با ASSIST_KEEP_UNMATCHED=true اجرا شود (اطلاعات شخصی پوشانده، پس از ASSIST_UNMATCHED_RETENTION_DAYS پاک).",
  gapsFailed: "گروه‌ها بارگیری نشد.",
  gapSize: (n, distinct, num) =>
    `${num(n)} پیام` + (distinct && distinct < n ? ` (${num(distinct)} متفاوت)` : ""),
  gapLabel: (i, num) => `کمبود ${num(i + 1)}`,
  gapClosest: "نزدیک‌ترین مورد",
  gapNothingClose: "چیز نزدیکی در کتابخانه نیست",
  examples: "نمونه‌ها (پوشانده)",
  skeleton: "اسکلت مورد راهنما",
  showSkeleton: "نمایش اسکلت",
  copySkeleton: "رونوشت اسکلت",
  copied: "رونوشت شد: در یک فایل راهنما بگذارید و کاملش کنید.",
  copyFailed: "رونوشت نشد: اسکلت انتخاب شده، Ctrl+C را بزنید.",
  asTable: "نمایش به صورت جدول",
  columns: {
    reply: "پاسخ",
    title: "موقعیت",
    source: "منبع",
    shown: "نمایش",
    inserted: "درج",
    sent: "ارسال",
    sent_rewritten: "ارسال بازنویسی‌شده",
    dismissed: "رد",
    acceptance: "پذیرش",
    mean_edit_distance: "میانگین تغییر متن",
    day: "روز",
    checked: "بررسی‌شده",
    recital_rate: "عین قالب",
    over_promise_rate: "قول بیش از حد",
    author: "نویسنده",
    snippets: "پیشنهادها",
    lang: "زبان",
    served: "ارائه‌شده",
    match_rate: "مطمئن",
    weak_rate: "ضعیف",
    no_match_rate: "بی‌تطابق",
  },
  sourceName: { playbook: "راهنما", snippet: "پیشنهاد همکار" },
};

/** The page's words for `ui` ("en" | "fa"), with the sidebar's error sentences. */
export function statsStrings(ui) {
  const page = ui === "fa" ? fa : en;
  return { ...page, errors: strings(page.lang).errors };
}
