// The job list (#/jobs?status=&skip=): status filter, paging, live rows.
import { list } from "../api.js";
import { t } from "../strings.js";
import { field, h, heading, pager, redraw, select, table, timeEl } from "../ui.js";
import { STATUSES, isActive, jobActions, jobProgress, rowCounts, statusBadge } from "../jobkit.js";

const LIMIT = 20;

export async function render(ctx) {
  const status = STATUSES.includes(ctx.query.status) ? ctx.query.status : "";
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const nav = (q) => {
    const p = new URLSearchParams({ ...(status ? { status } : {}), ...q });
    for (const [k, v] of [...p]) if (!v || v === "0") p.delete(k);
    const s = p.toString();
    ctx.go("#/jobs" + (s ? "?" + s : ""));
  };
  const filter = select("status", [["", t("statusAll")], ...STATUSES.map((s) => [s, t("status_" + s)])], status);
  filter.addEventListener("change", () => nav({ status: filter.value, skip: "0" }));
  const box = h("div", { class: "list", tabindex: "-1" });
  ctx.main.append(
    h("div", { class: "title-row" }, heading(t("jobsTitle")),
      h("a", { class: "button primary", href: "#/jobs/new", text: t("navNewJob") })),
    h("div", { class: "toolbar" }, field(t("statusFilter"), filter, { className: "inline" })),
    box);

  let page = null;
  let seen = "";
  const load = async () => {
    page = await list("/jobs", { skip, limit: LIMIT, query: { status }, signal: ctx.scope.signal });
    const now = JSON.stringify([page.total, page.items]);
    if (now !== seen) { seen = now; redraw(box, draw); }
  };
  const draw = () => {
    const columns = [
      { label: t("colFile"), cell: (j) => h("a", { href: "#/jobs/" + j.id, text: j.file_name }) },
      { label: t("colStatus"), cell: (j) => statusBadge(j.status) },
      { label: t("colProgress"), cell: jobProgress },
      { label: t("colRows"), cell: rowCounts },
      { label: t("colCreated"), cell: (j) => timeEl(j.created_at) },
      { label: t("actions"), cell: (j) => jobActions(j, load, ctx.scope.signal), className: "actions-col" },
    ];
    box.replaceChildren(
      table({ caption: t("jobsCaption"), columns, rows: page.items,
              empty: t(status ? "jobsEmptyFiltered" : "jobsEmpty") }),
      pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => nav({ skip: String(s) }) }));
  };
  await load();
  // Rows of unfinished jobs follow their job (also after a reload).
  ctx.scope.every(async () => { if (page.items.some(isActive)) await load(); }, 1500);
}
