// The review page (/widget/review): a lead's queue of shared snippets (approve / edit /
// reject, with the near duplicates already in the library), the contributors and their
// counts, and an agent's own snippets with the reviewer's note. The key is typed in (or
// given as #key=…, dropped from the address at once) and kept in memory only.
//
// Whether the key is a lead's is asked of the server, which alone knows (GET /v1/me).

import { Api, ApiError } from "./api.js";
import { QueueItem, explain, snippetBody } from "./review-queue.js";
import { reviewStrings } from "./review-strings.js";
import { applyPageLanguage, h, keyFromFragment, noticeView, setConnection } from "./view.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const ui = {
  form: $("connect"),
  key: $("key"),
  keyLabel: $("key-label"),
  lang: $("ui"),
  langLabel: $("ui-label"),
  connectButton: $("connect-button"),
  connection: $("connection"),
  brand: $("brand-sub"),
  tabs: $("tabs"),
  panels: { queue: $("queue"), contributors: $("contributors"), mine: $("mine") },
  tab: { queue: $("tab-queue"), contributors: $("tab-contributors"), mine: $("tab-mine") },
};

let t = reviewStrings(initialLanguage());
let generation = 0; // a newer Connect makes the answers of an older one stale
const state = {
  api: null,
  role: null, // "lead" | "agent", once the server said
  forbidden: "", // why the queue is closed to this key (the server's 403 detail)
  queue: null, // proposed snippets (a lead's)
  items: [], // their QueueItems, in the queue panel
  authors: null,
  mine: null,
  errors: {}, // section → [title, detail]
  selected: "queue",
};

function initialLanguage() {
  const asked = params.get("ui");
  if (asked === "fa" || asked === "en") return asked;
  return (navigator.language || "").toLowerCase().startsWith("fa") ? "fa" : "en";
}

// ------------------------------------------------------------------ connecting

async function connect(key) {
  const mine = ++generation;
  const api = new Api(new URL("../", location.href), key);
  Object.assign(state, { api, role: null, forbidden: "", queue: null, items: [], errors: {} });
  Object.assign(state, { authors: null, mine: null });
  setConnection(ui, t.connecting, "");
  renderAll();
  let role;
  try {
    role = await askRole(api);
  } catch (error) {
    if (mine !== generation) return;
    const [title, detail] = explain(t, error, api);
    state.errors = { queue: [title, detail], contributors: [title, detail], mine: [title, detail] };
    setConnection(ui, error instanceof ApiError && error.kind === "auth" ? t.keyRefused : title, "error");
    renderAll();
    return;
  }
  if (mine !== generation) return;
  state.role = role.role;
  state.forbidden = role.detail;
  setConnection(ui, role.role === "lead" ? t.connectedLead : t.connectedAgent, "ok");
  select(role.role === "lead" ? "queue" : "mine");
  renderAll();
  await Promise.all([loadQueue(mine), loadAuthors(mine), loadMine(mine)]);
}

/** "lead" (an admin reviews too) or "agent" with the reason; throws on 401 and the like. */
async function askRole(api) {
  const me = await api.get("v1/me");
  if (me.role === "lead" || me.role === "admin") return { role: "lead", detail: "" };
  return { role: "agent", detail: `the review queue needs a lead key; ${me.name} is an agent key` };
}

async function load(generationAtStart, section, call, store) {
  try {
    const answer = await call();
    if (generationAtStart !== generation) return;
    store(answer);
    delete state.errors[section];
  } catch (error) {
    if (generationAtStart !== generation) return;
    state.errors[section] = explain(t, error, state.api);
  }
  render(section);
  if (section === "contributors") render("mine"); // an agent's own counts are shown there
}

function loadQueue(at = generation) {
  if (state.role !== "lead") return render("queue");
  return load(at, "queue", () => state.api.get("v1/snippets", { status: "proposed" }), (answer) => {
    state.queue = answer.snippets;
    state.items = [];
  });
}

function loadAuthors(at = generation) {
  return load(at, "contributors", () => state.api.get("v1/snippets/authors"), (answer) => {
    state.authors = answer.authors;
  });
}

function loadMine(at = generation) {
  return load(at, "mine", () => state.api.get("v1/snippets"), (answer) => {
    state.mine = [...answer.snippets].reverse(); // newest first
  });
}

// ------------------------------------------------------------------ rendering

function renderAll() {
  render("queue");
  render("contributors");
  render("mine");
}

function render(section) {
  const panel = ui.panels[section];
  panel.removeAttribute("aria-busy");
  const error = state.errors[section];
  if (!state.api) {
    panel.replaceChildren(noticeView("info", t.noKey, ""));
  } else if (error) {
    panel.replaceChildren(noticeView("error", error[0], error[1]));
  } else if (section === "queue") {
    renderQueue(panel);
  } else if (section === "contributors") {
    renderAuthors(panel);
  } else {
    renderMine(panel);
  }
  ui.tab.mine.textContent = state.role === "lead" ? t.tabTeam : t.tabMine;
  const pending = state.items.filter((item) => !item.node.classList.contains("is-done")).length;
  ui.tab.queue.replaceChildren(
    t.tabQueue,
    state.queue ? h("span", { class: "count" }, t.num(pending)) : "",
  );
}

function loading(panel) {
  panel.setAttribute("aria-busy", "true");
  panel.replaceChildren(h("p", { class: "note", role: "status" }, t.loading));
}

function renderQueue(panel) {
  if (state.role === "agent") {
    panel.replaceChildren(
      noticeView("error", t.notLead, state.forbidden),
      h("p", { class: "note" }, t.notLeadBody),
    );
    return;
  }
  if (!state.queue) return loading(panel);
  if (!state.items.length) {
    state.items = state.queue.map(
      (snippet) => new QueueItem(t, snippet, { api: state.api, onDone: reviewed }),
    );
  }
  const waiting = state.items.some((item) => !item.node.classList.contains("is-done"));
  panel.replaceChildren(
    ...state.items.map((item) => item.node),
    waiting ? "" : noticeView("empty", t.queueEmpty, t.queueEmptyBody),
  );
}

/** A snippet was approved or rejected: it leaves the queue (its item says what was
 * done), and the counts and lists elsewhere changed too. */
function reviewed(item) {
  state.queue = state.queue.filter((snippet) => snippet.id !== item.snippet.id);
  render("queue");
  loadAuthors();
  loadMine();
}

function renderAuthors(panel) {
  if (!state.authors) return loading(panel);
  const own = state.role !== "lead";
  const columns = ["approved", "proposed", "rejected", "shown", "inserted", "sent"];
  if (!state.authors.length) {
    panel.replaceChildren(noticeView("empty", t.contributorsEmpty, ""));
    return;
  }
  panel.replaceChildren(
    h(
      "table",
      { class: "authors" },
      h("caption", {}, own ? t.contributorsOwn : t.contributorsTitle),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t.columns.author),
          columns.map((c) => h("th", { scope: "col" }, t.columns[c])),
        ),
      ),
      h(
        "tbody",
        {},
        state.authors.map((row) =>
          h(
            "tr",
            { "data-author": row.author },
            h("th", { scope: "row" }, h("bdi", {}, row.author)),
            columns.map((c) => h("td", { "data-column": c }, t.num(row[c] ?? 0))),
          ),
        ),
      ),
    ),
  );
}

function renderMine(panel) {
  if (!state.mine) return loading(panel);
  const lead = state.role === "lead";
  const ownRow = !lead && state.authors?.length === 1 ? state.authors[0] : null;
  const counts = ownRow ? h("p", { class: "my-counts", role: "status" }, t.myCounts(ownRow)) : null;
  if (!state.mine.length) {
    panel.replaceChildren(counts || "", noticeView("empty", t.mineEmpty, t.mineEmptyBody));
    return;
  }
  panel.replaceChildren(
    counts || "",
    ...state.mine.map((snippet) =>
      h(
        "article",
        { class: "snippet mine", "data-snippet": snippet.id, "data-status": snippet.status },
        snippetBody(t, snippet, { author: lead }),
        snippet.reviewer || snippet.review_note
          ? h(
              "div",
              { class: `review-note state-${snippet.status}` },
              snippet.reviewer
                ? h("p", { class: "reviewer" }, t.reviewer(""), h("bdi", {}, snippet.reviewer))
                : null,
              snippet.review_note
                ? h(
                    "p",
                    { class: "note-text" },
                    h("strong", {}, `${t.note}: `),
                    h("span", { dir: "auto" }, snippet.review_note),
                  )
                : null,
            )
          : null,
      ),
    ),
  );
}

// ------------------------------------------------------------------ tabs, language

function select(name) {
  state.selected = name;
  for (const [key, tab] of Object.entries(ui.tab)) {
    const on = key === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    ui.panels[key].hidden = !on;
  }
}

function onTabKey(event) {
  const names = Object.keys(ui.tab);
  const at = names.indexOf(state.selected);
  const rtl = document.documentElement.dir === "rtl";
  let next = null;
  if (event.key === "ArrowRight") next = at + (rtl ? -1 : 1);
  else if (event.key === "ArrowLeft") next = at + (rtl ? 1 : -1);
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = names.length - 1;
  if (next === null) return;
  event.preventDefault();
  const name = names[(next + names.length) % names.length];
  select(name);
  ui.tab[name].focus();
}

function applyLanguage() {
  applyPageLanguage(ui, t);
  ui.tabs.setAttribute("aria-label", t.tabsLabel);
  ui.tab.contributors.textContent = t.tabContributors;
  if (state.role) setConnection(ui, state.role === "lead" ? t.connectedLead : t.connectedAgent, "ok");
  state.items = []; // rebuilt in the new language
  renderAll();
}

// ------------------------------------------------------------------ start

keyFromFragment(ui.key);
ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = ui.key.value.trim();
  if (key) connect(key.slice(0, 500));
  else setConnection(ui, t.noKey, "error");
});
ui.lang.addEventListener("change", () => {
  t = reviewStrings(ui.lang.value);
  applyLanguage();
});
for (const [name, tab] of Object.entries(ui.tab)) tab.addEventListener("click", () => select(name));
ui.tabs.addEventListener("keydown", onTabKey);
select(state.selected);
applyLanguage();
