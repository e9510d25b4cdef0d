// Files (#/files?skip=): upload by drag and drop or the file input, with an
// upload progress bar (resumable: tus.js), and the list of uploaded files with paging.
import { api, list } from "../api.js";
import { tusUpload } from "../tus.js";
import { resumeSection } from "../resume.js";
import { t } from "../strings.js";
import { bytes, flash, flashError, h, heading, num, pager, progress, setProgress, table, timeEl, uid } from "../ui.js";

const LIMIT = 20;

export function fileStatus(f) {
  return h("span", { class: "badge badge-" + (f.processing_status === "PROCESSING" ? "running" : String(f.processing_status).toLowerCase()),
                     text: t("fstatus_" + f.processing_status) });
}

export async function render(ctx) {
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const signal = ctx.scope.signal;
  const input = h("input", { type: "file", name: "file", id: uid("file") });
  const status = h("div", { class: "upload-status", hidden: true });
  const zone = h("div", { class: "dropzone", id: "dropzone" },
    h("label", { for: input.id, text: t("dropZone") }), input);
  const box = h("div", { class: "list" });

  const upload = async (file) => {
    const label = t("uploadProgress", { name: file.name });
    const meter = progress(0, label, t("uploadBytes", { done: bytes(0), total: bytes(file.size) }));
    status.hidden = false;
    status.replaceChildren(h("p", { text: t("stepUpload", { name: file.name }) }), meter);
    input.disabled = true;
    try {
      const up = await tusUpload(file, { signal,
        onProgress: (done, total) => setProgress(meter, total ? 100 * done / total : 100,
          t("uploadBytes", { done: bytes(done), total: bytes(file.size) })) });
      const r = await api("GET", "/files/" + up.fileId, { signal });
      flash(t("fileUploaded", { name: r.data.filename }));
      ctx.go("#/files/" + r.data.file_id);
    } catch (err) {
      flashError(err);
    } finally {
      status.hidden = true;
      input.disabled = false;
      input.value = "";
    }
  };
  input.addEventListener("change", () => { if (input.files[0]) upload(input.files[0]); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) upload(f);
  });

  const resume = await resumeSection(ctx, { forJobs: false, done: (r) => ctx.go("#/files/" + r.fileId) });
  ctx.main.append(heading(t("filesTitle")), resume, zone, status, box);
  const page = await list("/files", { skip, limit: LIMIT, signal });
  box.replaceChildren(
    table({ caption: t("filesCaption"), rows: page.items, empty: t("filesEmpty"), columns: [
      { label: t("colName"), cell: (f) => h("a", { href: "#/files/" + f.file_id, text: f.filename }) },
      { label: t("colType2"), cell: (f) => f.file_type },
      { label: t("colSize"), cell: (f) => bytes(f.file_size), className: "num" },
      { label: t("colStatus"), cell: fileStatus },
      { label: t("colRows"), cell: (f) => f.records_processed ? num(f.records_processed) : t("none"), className: "num" },
      { label: t("colUploaded"), cell: (f) => timeEl(f.uploaded_at) },
    ] }),
    pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => ctx.go("#/files" + (s ? "?skip=" + s : "")) }));
}
