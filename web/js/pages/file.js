// One file (#/files/:id): its details and processing metadata, how long it
// is kept (pinning it), the inferred schema as a table, processing it with
// steps, deleting it.
import { api } from "../api.js";
import { t } from "../strings.js";
import { busy, bytes, clearFieldErrors, dl, flash, flashError, h, heading, num, showFieldError, table, timeEl } from "../ui.js";
import { jobOptions, stepBuilder } from "../steps.js";
import { fileStatus } from "./files.js";

const SAMPLE = 1000;

export async function render(ctx) {
  const id = ctx.params.id;
  const signal = ctx.scope.signal;
  const f = (await api("GET", `/files/${id}`, { signal })).data;
  const schemaBox = h("section", { "aria-labelledby": "schema-h" }, h("h2", { id: "schema-h", text: t("schemaTitle") }),
                      h("p", { class: "muted", text: t("loading") }));
  const del = h("div", { class: "actions" });
  const askDelete = () => {
    const yes = h("button", { type: "button", class: "danger", text: t("deleteYes"), onclick: async () => {
      yes.disabled = true;
      try {
        await api("DELETE", `/files/${id}`, { signal });
        flash(t("deleted", { name: f.filename }));
        ctx.go("#/files");
      } catch (err) { flashError(err); yes.disabled = false; }
    } });
    const no = h("button", { type: "button", text: t("deleteNo"), onclick: () => { drawDelete(); del.querySelector("button").focus(); } });
    del.replaceChildren(h("div", { class: "confirm", role: "group", "aria-label": t("deleteFile", { name: f.filename }) },
                          h("p", { text: t("deleteConfirm", { name: f.filename }) }), yes, no));
    yes.focus();
  };
  const drawDelete = () => del.replaceChildren(h("button", { type: "button", class: "danger",
    text: t("deleteFile", { name: f.filename }), onclick: askDelete }));
  drawDelete();

  // How long the file is kept, and the Pin toggle (PATCH /files/{id}).
  const kept = h("span");
  const pin = h("button", { type: "button" });
  const drawKept = () => {
    kept.replaceChildren(f.pinned ? t("filePinned")
      : f.expires_at ? t("fileExpires", { time: new Date(f.expires_at).toLocaleString() })
      : t("fileForever"));
    pin.textContent = t(f.pinned ? "unpinFile" : "pinFile");
  };
  pin.addEventListener("click", async () => {
    pin.disabled = true;
    try {
      const r = await api("PATCH", `/files/${id}`, { signal, json: { pinned: !f.pinned } });
      Object.assign(f, { pinned: r.data.pinned, expires_at: r.data.expires_at });
      flash(t(f.pinned ? "filePinnedFlash" : "fileUnpinnedFlash", { name: f.filename }));
      drawKept();
    } catch (err) { flashError(err); }
    pin.disabled = false;
  });
  drawKept();

  const steps = stepBuilder();
  const options = jobOptions();
  const form = h("form", { class: "stack" }, steps.element, options.element,
                 h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("processButton") })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t("submitting"), async () => {
      try {
        const r = await api("POST", `/files/${id}/process`, { signal,
          json: { processing_steps: steps.value(), ...options.value() } });
        flash(t("processStarted"));
        ctx.go("#/jobs/" + r.data.id);
      } catch (err) {
        if (showFieldError(form, err)) flash(t("fixFields"), "error"); else flashError(err);
      }
    });
  });

  const meta = f.processing_metadata;
  ctx.main.append(
    heading(t("fileTitle", { name: f.filename })),
    dl([
      [t("colType2"), f.file_type],
      [t("fileMime"), f.mime_type],
      [t("colSize"), bytes(f.file_size)],
      [t("fileStatus"), fileStatus(f)],
      [t("fileRecords"), t("fileRecordsText", { processed: num(f.records_processed), ok: num(f.records_successful), failed: num(f.records_failed) })],
      [t("colUploaded"), timeEl(f.uploaded_at)],
      [t("fileProcessedAt"), timeEl(f.processed_at)],
      [t("fileSha"), h("code", { text: f.sha256 || t("none") })],
      [t("fileKept"), h("span", {}, kept, " ", pin)],
    ]),
    h("h2", { text: t("jobMetadata") }),
    meta ? dl(Object.entries(meta).filter(([, v]) => v === null || typeof v !== "object")
      .map(([k, v]) => [k, v === null ? t("none") : String(v)])) : h("p", { class: "muted", text: t("jobMetadataNone") }),
    schemaBox,
    h("section", { class: "panel", "aria-labelledby": "process-h" }, h("h2", { id: "process-h", text: t("processTitle") }), form),
    del);

  try {
    const s = (await api("GET", `/files/${id}/schema`, { signal, query: { sample_size: SAMPLE } })).data;
    const rows = Object.entries(s.schema || {});
    schemaBox.replaceChildren(h("h2", { id: "schema-h", text: t("schemaTitle") }),
      table({ caption: t("schemaCaption", { n: num(s.sample_info?.rows_analyzed ?? SAMPLE) }), rows, className: "schema-table",
              columns: [
                { label: t("colColumn"), cell: ([name]) => name },
                { label: t("colType"), cell: ([, c]) => h("code", { text: c.type }) },
                { label: t("colNullable"), cell: ([, c]) => t(c.nullable ? "yes" : "no") },
                { label: t("colNulls"), cell: ([, c]) => num(c.null_count ?? 0), className: "num" },
                { label: t("colLength"), cell: ([, c]) => c.min_length === undefined ? t("none") : `${c.min_length}–${c.max_length}` },
                { label: t("colRange"), cell: ([, c]) => c.min === undefined ? t("none") : `${c.min} – ${c.max}` },
              ] }));
  } catch (err) {
    if (err.name === "AbortError") return;
    schemaBox.replaceChildren(h("h2", { id: "schema-h", text: t("schemaTitle") }),
                              h("p", { class: "error-text", text: t("schemaFailed", { message: err.message }) }));
  }
}
