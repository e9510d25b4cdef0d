// An export (a dataset, a query's whole result) is a job of its own: the
// box follows it (its status and progress, every second) and offers its
// file once it is written. Shared by the dataset and SQL pages.
import { api } from "./api.js";
import { t } from "./strings.js";
import { flashError, h, redraw, select } from "./ui.js";
import { download, isActive, jobProgress, statusBadge } from "./jobkit.js";

export const FORMATS = ["csv", "jsonl", "json"];

export function formatSelect(name = "export_format") {
  const s = select(name, FORMATS.map((f) => [f, t("format_" + f)]), "csv");
  s.id = name;
  return s;
}

// follow(job, format): the job a 202 answered (writing format); the box
// shows it until it ends, then its Download.
export function exportBox(scope, label) {
  const box = h("div", { class: "export-status", role: "status", "aria-live": "polite" });
  let job = null, polling = false, format = "";
  const draw = () => redraw(box, () => box.replaceChildren(
    h("p", { class: "status-line" }, h("span", { text: label }), statusBadge(job.status), jobProgress(job)),
    job.status === "COMPLETED" ? h("button", { type: "button", class: "primary export-download",
      text: t("downloadExport", { format: t("format_" + format) }), onclick: () => download(job, scope.signal) }) : "",
    job.error_message ? h("p", { class: "error-text", text: job.error_message }) : ""));
  return {
    element: box,
    async follow(j, fmt) {
      job = j;
      format = fmt;
      draw();
      if (polling) return;
      polling = true;
      scope.every(async () => {
        if (!job || !isActive(job)) return;
        try { job = (await api("GET", `/jobs/${job.id}`, { signal: scope.signal })).data; draw(); } catch (err) {
          if (err.name !== "AbortError") flashError(err);
        }
      }, 1000);
    },
  };
}
