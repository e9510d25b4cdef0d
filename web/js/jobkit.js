// What the job pages share: status words, progress and row counts as people
// read them, the download and cancel actions.
import { api } from "./api.js";
import { t } from "./strings.js";
import { flash, flashError, h, num, pct, progress } from "./ui.js";

export const ACTIVE = ["PENDING", "QUEUED", "RUNNING", "CANCELLATION_REQUESTED"];
export const STATUSES = ["PENDING", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLATION_REQUESTED", "CANCELLED"];
export const isActive = (job) => ACTIVE.includes(job.status);

export function statusBadge(status) {
  return h("span", { class: "badge badge-" + status.toLowerCase(), text: t("status_" + status) });
}

// Progress only means something while a job runs or once it completed; a
// failed or cancelled job shows its status, not a stale bar.
export function jobProgress(job) {
  const p = job.progress || {};
  const name = job.file_name;
  if (job.status === "COMPLETED") return progress(100, t("progressOf", { name }));
  if (job.status === "RUNNING" || job.status === "CANCELLATION_REQUESTED")
    return progress(p.percentage, t("progressOf", { name }), pct(p.percentage));
  if (job.status === "QUEUED") return progress(0, t("progressOf", { name }), t("jobWaiting"));
  return h("span", { class: "muted", text: t("none") });
}

// "429 written, 3 failed, 2 with warnings" once finished (rows_written from
// the run's metadata), "2,000 read, 0 failed" while it runs.
export function rowCounts(job) {
  const p = job.progress || {};
  const m = job.processing_metadata || {};
  if (job.status === "COMPLETED" && m.rows_written !== undefined)
    return t("rowsSummary", { written: num(m.rows_written), failed: num(p.failed_records),
                              warned: num(p.warn_records) });
  if (!p.processed_records && !p.failed_records) return t("rowsNone");
  return t("rowsRead", { read: num(p.processed_records), failed: num(p.failed_records) });
}

export async function download(job, signal) {
  try {
    flash(t("downloading", { name: job.file_name }));
    const r = await api("POST", `/jobs/${job.id}/download-url`, { json: {}, signal });
    // The signed URL answers with Content-Disposition: attachment, so the
    // page stays where it is while the browser saves the file.
    location.assign(r.data.download_url);
  } catch (err) { flashError(err); }
}

export async function cancel(job, signal) {
  try {
    const r = await api("POST", `/jobs/${job.id}/cancel`, { json: {}, signal });
    flash(t(r.data.status === "CANCELLED" ? "cancelled" : "cancelRequested", { name: job.file_name }));
    return r.data;
  } catch (err) { flashError(err); return null; }
}

// The buttons of a job: Download <name> when completed, Cancel <name> while
// it can be cancelled. after(job) runs when an action changed the job.
export function jobActions(job, after, signal) {
  const out = h("span", { class: "row-actions" });
  if (job.status === "COMPLETED")
    out.append(h("button", { type: "button", class: "primary", text: t("downloadFile", { name: job.file_name }),
                             onclick: () => download(job, signal) }));
  if (["PENDING", "QUEUED", "RUNNING"].includes(job.status))
    out.append(h("button", { type: "button", text: t("cancelJob", { name: job.file_name }),
                             onclick: async (e) => {
                               e.target.disabled = true;
                               const j = await cancel(job, signal);
                               if (j) after(j); else e.target.disabled = false;
                             } }));
  return out;
}
