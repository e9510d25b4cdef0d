// One job (#/jobs/:id): live progress (ETag polling while it runs), cancel,
// download, its steps and metadata, and the line errors with paging and a
// severity filter.
import { api } from "../api.js";
import { t } from "../strings.js";
import { bytes, dl, field, h, heading, num, pager, redraw, select, table, timeEl } from "../ui.js";
import { isActive, jobActions, jobProgress, rowCounts, statusBadge } from "../jobkit.js";

const ERR_LIMIT = 20;

export async function render(ctx) {
  const id = ctx.params.id;
  const signal = ctx.scope.signal;
  let job = null;
  let etag = null;
  const top = h("div", { tabindex: "-1" });
  const errorsBox = h("section", { class: "errors", "aria-labelledby": "errors-h" });
  let errState = { skip: 0, severity: "" };
  let lastErrKey = "";

  const fetchJob = async () => {
    const r = await api("GET", `/jobs/${id}`, { signal, headers: etag ? { "If-None-Match": etag } : {} });
    if (r.status === 304) return false;
    etag = r.etag;
    job = r.data;
    return true;
  };

  const drawTop = () => {
    const p = job.progress || {};
    top.replaceChildren(
      h("div", { class: "title-row" }, heading(t("jobTitle", { name: job.file_name })),
        jobActions(job, (j) => { job = j; etag = null; tick(); }, signal)),
      h("section", { "aria-label": t("jobProgress"), class: "progress-box" },
        h("p", { class: "status-line" }, statusBadge(job.status), " ", jobProgress(job)),
        h("p", { text: rowCounts(job) }),
        job.error_message ? h("p", { class: "error-text" }, h("strong", { text: t("jobError") + ": " }), job.error_message) : null,
        job.status === "PENDING" ? h("p", { class: "muted", text: t("jobUploadMissing") }) : null),
      h("h2", { text: t("jobDetails") }),
      dl([
        [t("jobStatus"), statusBadge(job.status)],
        [t("jobInput"), `${job.input_format || t("none")} · ${bytes(job.original_file_size_bytes)}`],
        [t("jobOutput"), job.output_format || t("none")],
        [t("jobCreated"), timeEl(job.created_at)],
        [t("jobStarted"), timeEl(job.started_at)],
        [t("jobFinished"), timeEl(job.finished_at)],
        [t("jobEta"), timeEl(p.estimated_completion)],
        [t("colRows"), t("jobRead", { processed: num(p.processed_records), failed: num(p.failed_records), warned: num(p.warn_records) })],
      ]),
      h("h2", { text: t("jobSteps") }),
      stepsList(job.processing_steps),
      h("h2", { text: t("jobMetadata") }),
      metadata(job.processing_metadata));
  };

  const loadErrors = async () => {
    const r = await api("GET", `/jobs/${id}/errors`, { signal,
      query: { skip: errState.skip, limit: ERR_LIMIT, severity: errState.severity } });
    const key = JSON.stringify([errState, r.data]);
    if (key === lastErrKey) return;
    lastErrKey = key;
    const items = r.data.errors || [];
    const total = r.data.total ?? items.length;
    const sev = select("severity", [["", t("severityAll")], ["error", t("sev_error")], ["warning", t("sev_warning")]], errState.severity);
    sev.addEventListener("change", () => { errState = { skip: 0, severity: sev.value }; loadErrors(); });
    redraw(errorsBox, () => errorsBox.replaceChildren(
      h("h2", { id: "errors-h", text: t("errorsTitle") }),
      h("div", { class: "toolbar" }, field(t("severity"), sev, { className: "inline" })),
      table({ caption: t("errorsCaption"), rows: items, className: "errors-table",
              empty: t(errState.severity ? "errorsEmptyFiltered" : "errorsEmpty"),
              columns: [
                { label: t("colLine"), cell: (e) => e.line == null ? t("none") : num(e.line), className: "num" },
                { label: t("colColumn"), cell: (e) => e.column ?? t("none") },
                { label: t("colSeverity"), cell: (e) => h("span", { class: "sev sev-" + e.severity, text: t("sev_" + e.severity) }) },
                { label: t("colCode"), cell: (e) => h("code", { text: e.code }) },
                { label: t("colMessage"), cell: (e) => e.message },
              ] }),
      pager({ skip: errState.skip, limit: ERR_LIMIT, total, label: t("errorsTitle"),
              onPage: (s) => { errState = { ...errState, skip: s }; loadErrors(); } })));
  };

  const tick = async () => {
    const changed = await fetchJob();
    if (changed) {
      redraw(top, drawTop);
      await loadErrors();
    }
  };

  await fetchJob();
  drawTop();
  ctx.main.append(top, errorsBox);
  await loadErrors();
  // ETag polling while the job can still change (also after a reload).
  ctx.scope.every(async () => { if (isActive(job)) await tick(); }, 1000);
}

function stepsList(steps) {
  if (!steps || !steps.length) return h("p", { class: "muted", text: t("jobNoSteps") });
  return h("ol", { class: "steps-list" }, steps.map((s) =>
    h("li", {}, h("strong", { text: t("step_" + s.type) }), " ",
      h("code", { text: JSON.stringify(s.params || {}) }))));
}

function metadata(m) {
  if (!m) return h("p", { class: "muted", text: t("jobMetadataNone") });
  const simple = Object.entries(m).filter(([, v]) => v === null || typeof v !== "object");
  const types = m.data_types && typeof m.data_types === "object" ? m.data_types : null;
  const nulls = m.null_counts || {};
  return h("div", {},
    dl(simple.map(([k, v]) => [k, v === null ? t("none") : String(v)])),
    types ? table({ caption: t("dataTypes"), rows: Object.entries(types), columns: [
      { label: t("colColumn"), cell: ([c]) => c },
      { label: t("colType"), cell: ([, ty]) => String(ty) },
      { label: t("colNulls"), cell: ([c]) => num(nulls[c] ?? 0), className: "num" },
    ] }) : null);
}
