// The gaps on the stats page: groups of kept messages that found nothing or only weak
// matches (GET /v1/stats/gaps), each with a few masked examples, the closest entry, and
// a playbook entry skeleton to copy — the next entry to write.

import { h, noticeView } from "./view.js";

/** The gaps section: `gaps` is the /v1/stats/gaps answer (null while it loads), `kept`
 * the count /v1/stats gave. */
export function gapsSection(t, { gaps, kept, error }) {
  const headingId = "gaps-title";
  const clusters = gaps?.clusters || [];
  let body;
  if (!kept && !gaps?.kept) {
    body = noticeView("empty", t.gapsEmpty, t.gapsEmptyBody);
  } else if (error) {
    body = noticeView("error", t.gapsFailed, `${error[0]} ${error[1] || ""}`.trim());
  } else if (!gaps) {
    body = h("p", { class: "note", role: "status" }, t.loading);
  } else if (!clusters.length) {
    body = noticeView("empty", t.gapsNoGroup(gaps.kept ?? kept, t.num), "");
  } else {
    body = [
      h("p", { class: "note gaps-note" }, t.gapsNote(gaps, t.num)),
      h("ol", { class: "gaps" }, clusters.map((cluster, i) => gapItem(t, cluster, i))),
    ];
  }
  return h(
    "section",
    { id: "gaps", class: "stats-section", "aria-labelledby": headingId },
    h("h2", { id: headingId }, t.gapsTitle),
    body,
  );
}

function gapItem(t, cluster, i) {
  const titleId = `gap-${i}-title`;
  const skeleton = h("pre", { class: "skeleton-text", dir: "ltr", tabindex: "0" }, cluster.skeleton || "");
  const folded = h("details", { class: "skeleton-box" }, h("summary", {}, t.showSkeleton), skeleton);
  const said = h("span", { class: "copy-status", role: "status" });
  const copy = h(
    "button",
    {
      type: "button",
      class: "secondary small copy-skeleton",
      "aria-describedby": titleId,
      onclick: () => copySkeleton(t, cluster.skeleton || "", { skeleton, folded, said }),
    },
    t.copySkeleton,
  );
  const closest = cluster.best_entry_id
    ? [
        `${t.gapClosest}: `,
        h("bdi", { dir: "ltr", class: "entry-id" }, cluster.best_entry_id),
        ` (${t.score(cluster.best_score)})`,
      ]
    : t.gapNothingClose;
  return h(
    "li",
    { class: "gap", "data-cluster": cluster.id, "data-size": cluster.size, "aria-labelledby": titleId },
    h(
      "header",
      { class: "gap-head" },
      h("h3", { id: titleId }, t.gapLabel(i, t.num)),
      h("span", { class: "chip gap-size" }, t.gapSize(cluster.size, cluster.distinct, t.num)),
      cluster.lang ? h("span", { class: "chip lang" }, t.langName[cluster.lang] || cluster.lang) : null,
      h("span", { class: "gap-closest" }, closest),
    ),
    h("p", { class: "examples-title" }, t.examples),
    h(
      "ul",
      { class: "examples" },
      (cluster.examples || []).map((text) =>
        h("li", {}, h("q", { dir: "auto", lang: cluster.lang || null }, text)),
      ),
    ),
    h("div", { class: "actions" }, copy, said),
    folded,
  );
}

/** To the clipboard; where that is refused (no permission, not a secure page), the
 * skeleton is opened and selected so Ctrl+C does it. */
async function copySkeleton(t, text, { skeleton, folded, said }) {
  try {
    await navigator.clipboard.writeText(text);
    said.textContent = t.copied;
    said.dataset.kind = "ok";
  } catch {
    folded.open = true;
    const range = document.createRange();
    range.selectNodeContents(skeleton);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    skeleton.focus();
    said.textContent = t.copyFailed;
    said.dataset.kind = "error";
  }
}
