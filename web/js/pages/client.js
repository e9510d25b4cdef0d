// A client's progress records (#/clients/:krn?email=&skip=): the files its
// workers report on, with counts, completion, errors and warnings, refreshed
// every few seconds; one record's errors and warnings on request.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { field, flashError, h, heading, num, pager, progress, redraw, table, timeEl } from "../ui.js";

const LIMIT = 20;
const REFRESH_MS = 2000;

export async function render(ctx) {
  const krn = ctx.params.krn;
  const signal = ctx.scope.signal;
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const email = ctx.query.email || "";
  const path = `/clients/${encodeURIComponent(krn)}/progress`;
  const clients = await list("/clients", { limit: 1000, signal });
  const client = clients.items.find((c) => c.krn === krn);
  const nav = (q) => {
    const p = new URLSearchParams({ ...(email ? { email } : {}), ...q });
    for (const [k, v] of [...p]) if (!v || v === "0") p.delete(k);
    const s = p.toString();
    ctx.go("#/clients/" + encodeURIComponent(krn) + (s ? "?" + s : ""));
  };

  const who = h("input", { type: "email", name: "email", value: email, autocomplete: "off" });
  const filter = h("form", { class: "toolbar", role: "search" }, field(t("progressFilter"), who),
                   h("button", { type: "submit", text: t("progressFilterApply") }));
  filter.addEventListener("submit", (e) => { e.preventDefault(); nav({ email: who.value.trim(), skip: "0" }); });
  const box = h("div", { class: "list", tabindex: "-1" });
  const stamp = h("p", { class: "muted", "aria-live": "off" });
  const detail = h("section", { class: "panel", hidden: true, "aria-labelledby": "record-h", tabindex: "-1" });
  ctx.main.append(heading(t("clientTitle", { name: client ? client.name : krn })),
                  h("p", {}, h("code", { text: krn })), filter, stamp, box, detail);

  const showRecord = async (r) => {
    try {
      const d = (await api("GET", path, { signal, query: { filename: r.filename } })).data;
      const items = (xs) => xs && xs.length
        ? h("ul", {}, xs.map((e) => h("li", {}, e.line != null ? h("strong", { text: `${num(e.line)}: ` }) : null, e.message)))
        : h("p", { class: "muted", text: t("recordNone") });
      detail.hidden = false;
      detail.replaceChildren(
        h("div", { class: "title-row" }, h("h2", { id: "record-h", text: t("recordTitle", { name: d.filename }) }),
          h("button", { type: "button", text: t("close"), onclick: () => { detail.hidden = true; box.focus(); } })),
        h("h3", { text: `${t("recordErrors")} (${num(d.errorCount)})` }), items(d.errors),
        h("h3", { text: `${t("recordWarnings")} (${num(d.warningCount)})` }), items(d.warnings));
      detail.focus();
    } catch (err) { flashError(err); }
  };

  let seen = "";
  const load = async () => {
    const page = await list(path, { skip, limit: LIMIT, query: { email }, signal });
    stamp.textContent = t("lastRefresh", { time: new Date().toLocaleTimeString("en") });
    const key = JSON.stringify([page.total, page.items]);
    if (key === seen) return;
    seen = key;
    redraw(box, () => box.replaceChildren(
      table({ caption: t("progressCaption"), rows: page.items, empty: t("progressEmpty"), className: "progress-table", columns: [
        { label: t("colFilename"), cell: (r) => h("button", { type: "button", class: "link", text: r.filename,
                                                              "aria-label": t("showRecord", { name: r.filename }),
                                                              onclick: () => showRecord(r) }) },
        { label: t("colCreatedBy"), cell: (r) => r.email ?? t("none") },
        { label: t("colCounts"), cell: (r) => `${num(r.counts?.done)} / ${num(r.counts?.warn)} / ${num(r.counts?.failed)}`, className: "num" },
        { label: t("colTotal"), cell: (r) => r.total == null ? t("none") : num(r.total), className: "num" },
        { label: t("colCompletion"), cell: completion },
        { label: t("colErrors"), cell: (r) => num(r.errorCount), className: "num" },
        { label: t("colWarnings"), cell: (r) => num(r.warningCount), className: "num" },
        { label: t("colUpdated"), cell: (r) => timeEl(r.updatedAt) },
      ] }),
      pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => nav({ skip: String(s) }) })));
  };
  await load();
  ctx.scope.every(load, REFRESH_MS);
}

function completion(r) {
  const c = r.counts || {};
  const seen = (c.done || 0) + (c.warn || 0) + (c.failed || 0);
  const label = t("completionOf", { name: r.filename });
  if (r.isCompleted) return h("span", {}, progress(100, label, t("completed")));
  if (!r.total) return h("span", { class: "muted", text: t("inProgress") });
  return progress(100 * seen / r.total, label);
}
