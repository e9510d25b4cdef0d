// One pipeline (#/pipelines/:id): its definition, "Run now", activate or
// deactivate, and its runs (status, records, times) with paging, refreshed
// while a run has not finished.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { dl, flash, flashError, h, heading, num, pager, redraw, table, timeEl } from "../ui.js";
import { activeBadge, execBadge } from "./pipelines.js";
import { dagSection } from "../dag.js";
import { errorsSection, nextRunsOf, qualitySection } from "../pipelineparts.js";

const LIMIT = 20;
const UNFINISHED = ["PENDING", "RUNNING"];

// Where a run reads, in words (a file by its link is drawn by the caller).
function sourceText(p) {
  const c = p.source_config || {};
  if (p.source_type === "DATASET") return t("pipelineFromDataset", { name: c.dataset_name || c.dataset_id });
  if (p.source_type === "DATABASE")
    return c.query ? t("pipelineFromQuery", { source: c.source_id || "default" })
      : t("pipelineFromTable", { table: c.table || t("none"), source: c.source_id || "default" });
  return p.source_type ? JSON.stringify(c) : t("pipelineParent");
}

// "30 2 * * 1-5 (UTC)", "every 900 s"
function scheduleText(s) {
  if (!s) return t("none");
  if (typeof s === "string") return h("code", { text: s });
  if (s.type === "interval") return t("scheduleEvery", { n: s.interval_seconds });
  return h("span", {}, h("code", { text: s.expression }), " ", t("scheduleIn", { tz: s.timezone || "UTC" }));
}

export async function render(ctx) {
  const id = ctx.params.id;
  const signal = ctx.scope.signal;
  let p = (await api("GET", `/pipelines/${id}`, { signal })).data;
  // The input file by its name (its id when it is gone).
  const fileId = p.source_type === "FILE" ? p.source_config?.file_id : null;
  let fileName = null;
  if (fileId) {
    try { fileName = (await api("GET", `/files/${fileId}`, { signal })).data.filename; } catch (err) {
      if (err.name === "AbortError") throw err;
    }
  }
  const nextRuns = await nextRunsOf(p, signal);
  const errors = errorsSection(signal);
  let runs = null;
  let skip = 0;
  let seen = "";
  // A run started here: the pipeline's counters are read again when it ends
  // (also when it ended before the list first showed it unfinished).
  let started = false;
  const top = h("div", { tabindex: "-1" });
  const runsBox = h("section", { class: "list", tabindex: "-1", "aria-labelledby": "runs-h" });

  const loadRuns = async () => {
    runs = await list(`/pipelines/${id}/executions`, { skip, limit: LIMIT, itemsKey: "executions", signal });
    const now = JSON.stringify([runs.total, runs.items, skip]);
    if (now !== seen) { seen = now; redraw(runsBox, drawRuns); await errors.refresh(runs.items); }
  };
  const unfinished = () => runs && runs.items.some((e) => UNFINISHED.includes(e.status));

  const runNow = async (e) => {
    const btn = e.currentTarget;
    btn.disabled = true;
    try {
      await api("POST", `/pipelines/${id}/execute`, { signal, json: {} });
      flash(t("runStarted", { name: p.job_name }));
      started = true;
      skip = 0;
      await loadRuns();
    } catch (err) { flashError(err); } finally {
      // A disabled button drops the focus: give it back to a keyboard user.
      if (btn.isConnected) { btn.disabled = false; if (document.activeElement === document.body) btn.focus(); }
    }
  };
  const toggle = async (e) => {
    e.currentTarget.disabled = true;
    try {
      p = (await api("POST", `/pipelines/${id}/${p.is_active ? "deactivate" : "activate"}`, { signal, json: {} })).data;
      flash(t(p.is_active ? "pipelineActivated" : "pipelineDeactivated", { name: p.job_name }));
    } catch (err) { flashError(err); }
    drawTop();
    top.querySelector("button.toggle")?.focus();
  };

  const drawTop = () => {
    const file = p.source_type === "FILE" && p.source_config?.file_id;
    top.replaceChildren(...[
      h("div", { class: "title-row" }, heading(t("pipelineTitle", { name: p.job_name })),
        h("span", { class: "row-actions" },
          h("button", { type: "button", class: "primary", text: t("runNow"), onclick: runNow }),
          h("button", { type: "button", class: "toggle",
                        text: t(p.is_active ? "deactivatePipeline" : "activatePipeline", { name: p.job_name }),
                        onclick: toggle }))),
      dl([
        [t("pipelineType"), t("ptype_" + p.job_type)],
        [t("colActive"), activeBadge(p)],
        [t("pipelineInput"), file ? h("a", { href: "#/files/" + file, text: file === fileId && fileName ? fileName : t("pipelineFile", { id: file }) })
          : sourceText(p)],
        [t("pipelineOutput"), p.destination?.type === "dataset"
          ? t("pipelineToDataset", { name: p.destination.dataset_name || p.destination.dataset_id,
                                     mode: t("write_" + p.destination.write_mode) })
          : t("pipelineToFile", { format: p.output_format || p.destination?.format || t("none") })],
        [t("pipelineSchedule"), scheduleText(p.schedule)],
        [t("pipelineNextRun"), timeEl(p.next_run_at)],
        ...(nextRuns ? [[t("pipelineNextRuns"), nextRuns]] : []),
        [t("colLastRun"), h("span", { class: "status-line" }, execBadge(p.last_execution_status),
                            p.last_execution ? timeEl(p.last_execution) : null)],
        [t("pipelineSuccessRate"), p.success_rate == null ? t("none") : t("percent", { n: p.success_rate })],
        [t("pipelineRuns"), num(p.total_executions)],
        [t("colCreated"), timeEl(p.created_at)],
      ]),
      p.compiled_steps?.length ? h("details", {}, h("summary", { text: t("pipelineSteps") }),
        h("ol", { class: "steps-list" }, p.compiled_steps.map((s) =>
          h("li", {}, h("strong", { text: t("step_" + s.type) }), " ", h("code", { text: JSON.stringify(s.params || {}) })))))
        : null].filter(Boolean));
  };

  const drawRuns = () => runsBox.replaceChildren(
    h("h2", { id: "runs-h", text: t("executionsTitle") }),
    table({ caption: t("executionsCaption"), rows: runs.items, empty: t("executionsEmpty"), className: "runs-table",
            columns: [
              { label: t("colStatus"), cell: (e) => execBadge(e.status) },
              { label: t("colRecords"), cell: (e) => t("execRecords", { processed: num(e.records_processed),
                  ok: num(e.records_successful), failed: num(e.records_failed) }) },
              { label: t("colStarted"), cell: (e) => timeEl(e.start_time) },
              { label: t("colEnded"), cell: (e) => timeEl(e.end_time) },
              { label: t("colDuration"), className: "num",
                cell: (e) => e.duration_seconds == null ? t("none") : t("seconds", { n: Number(e.duration_seconds).toFixed(1) }) },
              { label: t("colTrigger"), cell: (e) => t("trigger_" + e.trigger) },
            ] }),
    pager({ skip, limit: LIMIT, total: runs.total, label: t("executionsTitle"),
            onPage: (s) => { skip = s; loadRuns().catch(flashError); } }));

  drawTop();
  const [dag, quality] = await Promise.all([dagSection(p, signal),
    fileId ? qualitySection(fileId, signal) : null]);
  ctx.main.append(top, dag, runsBox, errors.element, quality || "");
  await loadRuns();
  // While a run has not finished its row follows it; when it ends, the
  // pipeline's counters (last run, success rate) are read again.
  ctx.scope.every(async () => {
    if (!unfinished() && !started) return;
    await loadRuns();
    if (!unfinished()) {
      started = false;
      await errors.load();
      p = (await api("GET", `/pipelines/${id}`, { signal })).data;
      redraw(top, drawTop);
    }
  }, 1500);
}
