// New pipeline (#/pipelines/new): a name, a type, one of the user's uploaded
// files as the input (or none: the output of a parent pipeline), steps, the
// output format and how to read the input. A 422 lands on its field.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { busy, clearFieldErrors, field, flash, flashError, h, heading, select, showFieldError } from "../ui.js";
import { jobOptions, stepBuilder } from "../steps.js";

const TYPES = ["FULL_ETL", "EXTRACT", "TRANSFORM", "LOAD"];
const FILES_SHOWN = 100;

export async function render(ctx) {
  const signal = ctx.scope.signal;
  const files = (await list("/files", { limit: FILES_SHOWN, signal })).items;
  const name = h("input", { type: "text", name: "job_name", required: true, maxlength: "255", autocomplete: "off",
                            dataset: { field: "job_name" } });
  const type = select("job_type", TYPES.map((v) => [v, t("ptype_" + v)]), "FULL_ETL");
  type.dataset.field = "job_type";
  const source = select("source_file", [["", t("pipelineSourceNone")],
    ...files.map((f) => [f.file_id, f.filename])], files[0]?.file_id || "");
  source.dataset.fieldPrefix = "source";
  const steps = stepBuilder();
  const options = jobOptions();
  const form = h("form", { class: "stack" },
    field(t("pipelineName"), name),
    field(t("pipelineType"), type),
    field(t("pipelineSource"), source, { hint: t("pipelineSourceHint") }),
    files.length ? null : h("p", { class: "muted", text: t("pipelineNoFiles") }),
    steps.element, options.element,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("createPipeline") })));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t("submitting"), async () => {
      const body = { job_name: name.value.trim(), job_type: type.value, processing_steps: steps.value(), ...options.value() };
      if (source.value) { body.source_type = "FILE"; body.source_config = { file_id: source.value }; }
      try {
        const p = (await api("POST", "/pipelines", { signal, json: body })).data;
        flash(t("pipelineCreated", { name: p.job_name }));
        ctx.go("#/pipelines/" + p.job_id);
      } catch (err) {
        if (showFieldError(form, err)) flash(t("fixFields"), "error"); else flashError(err);
      }
    });
  });
  ctx.main.append(heading(t("newPipelineTitle")), form);
}
