// A new job (#/jobs/new): the file, the steps, the output format. The job is
// created (validated: a 422 lands on its field), the file goes up resumably
// (tus.js) with a progress bar and the job is queued when it is whole, then
// the page moves to the job. A job whose upload fails or is refused is
// cancelled, never left PENDING.
import { api } from "../api.js";
import { forgetFile, pageLeaving, tusUpload } from "../tus.js";
import { resumeSection } from "../resume.js";
import { t } from "../strings.js";
import { busy, bytes, clearFieldErrors, field, flash, flashError, h, heading, progress, setProgress, showFieldError } from "../ui.js";
import { jobOptions, stepBuilder } from "../steps.js";

export async function render(ctx) {
  const file = h("input", { type: "file", name: "file", required: true, dataset: { field: "file_name" } });
  const steps = stepBuilder();
  const options = jobOptions();
  const status = h("div", { class: "upload-status", hidden: true });
  const form = h("form", { class: "stack" },
    field(t("fileLabel"), file, { hint: t("fileHint") }),
    steps.element,
    options.element,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("submitJob") })),
    status);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    flash("");
    const f = file.files[0];
    if (!f) { file.focus(); return; }
    await busy(form, t("submitting"), () => submit(ctx, form, f, steps, options, status));
  });
  // An upload a reload interrupted continues here, from the server's offset.
  const resume = await resumeSection(ctx, { forJobs: true, done: (r) => ctx.go("#/jobs/" + r.jobId) });
  ctx.main.append(heading(t("newJobTitle")), resume, form);
}

async function submit(ctx, form, f, steps, options, status) {
  const signal = ctx.scope.signal;
  let job = null;
  const stop = new AbortController();
  signal.addEventListener("abort", () => stop.abort(), { once: true });
  try {
    status.hidden = false;
    status.replaceChildren(h("p", { text: t("stepCreate") }));
    job = (await api("POST", "/jobs", { signal, json: {
      file_name: f.name, original_file_size_bytes: f.size,
      processing_steps: steps.value(), ...options.value() } })).data;
    const label = t("uploadProgress", { name: f.name });
    const meter = progress(0, label, t("uploadBytes", { done: bytes(0), total: bytes(f.size) }));
    const abort = h("button", { type: "button", text: t("abortUpload"), onclick: () => stop.abort() });
    status.replaceChildren(h("p", { text: t("stepUpload", { name: f.name }) }), meter, abort);
    await tusUpload(f, { jobId: job.id, signal: stop.signal, onProgress: (done, total) => {
      setProgress(meter, total ? 100 * done / total : 100, t("uploadBytes", { done: bytes(done), total: bytes(f.size) }));
    } });
    status.replaceChildren(h("p", { text: t("stepMark") }));
    job = (await api("GET", `/jobs/${job.id}`, { signal })).data;
    form.reset();
    status.hidden = true;
    ctx.go("#/jobs/" + job.id);
  } catch (err) {
    // A reload or a closed tab cut the upload: the job stays PENDING, and
    // the next visit of this page offers to resume it.
    if (pageLeaving()) return;
    status.hidden = true;
    status.replaceChildren();
    if (job) {
      // Nothing is left PENDING: the job of a refused or broken upload goes.
      const gone = await api("POST", `/jobs/${job.id}/cancel`, { json: {} }).then(() => true, () => false);
      forgetFile(f, job.id);
      if (err.name === "AbortError") { if (ctx.scope.alive) flash(t("uploadAborted"), "warn"); return; }
      if (gone) { flash(t(err.status === 0 ? "uploadFailed" : "jobRefused", { reason: err.message, message: err.message }), "error"); return; }
    }
    if (err.name === "AbortError") return;
    if (showFieldError(form, err)) flash(t("fixFields"), "error");
    else flashError(err);
  }
}
