// Pipelines (#/pipelines?skip=): name, type, active, the last finished run's
// status and time, with paging.
import { list } from "../api.js";
import { t } from "../strings.js";
import { h, heading, pager, table, timeEl } from "../ui.js";
import { errorSummary } from "../pipelineparts.js";

const LIMIT = 20;

export function execBadge(status) {
  if (!status) return h("span", { class: "muted", text: t("neverRun") });
  return h("span", { class: "badge badge-" + status.toLowerCase(), text: t("estatus_" + status) });
}

export function activeBadge(p) {
  return h("span", { class: "badge badge-" + (p.is_active ? "active" : "inactive"),
                     text: t(p.is_active ? "active" : "inactive") });
}

export async function render(ctx) {
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const [page, summary] = await Promise.all([
    list("/pipelines", { skip, limit: LIMIT, itemsKey: "jobs", signal: ctx.scope.signal }),
    errorSummary(ctx.scope.signal)]);
  ctx.main.append(
    h("div", { class: "title-row" }, heading(t("pipelinesTitle")),
      h("a", { class: "button primary", href: "#/pipelines/new", text: t("newPipeline") })),
    table({ caption: t("pipelinesCaption"), rows: page.items, empty: t("pipelinesEmpty"), columns: [
      { label: t("colName"), cell: (p) => h("a", { href: "#/pipelines/" + p.job_id, text: p.job_name }) },
      { label: t("pipelineType"), cell: (p) => t("ptype_" + p.job_type) },
      { label: t("colActive"), cell: activeBadge },
      { label: t("colLastRun"), cell: (p) => h("span", { class: "status-line" }, execBadge(p.last_execution_status),
                                                 p.last_execution ? timeEl(p.last_execution) : null) },
      { label: t("colCreated"), cell: (p) => timeEl(p.created_at) },
    ] }),
    pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => ctx.go("#/pipelines" + (s ? "?skip=" + s : "")) }),
    summary);
}
