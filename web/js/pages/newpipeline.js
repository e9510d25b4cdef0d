// New pipeline (#/pipelines/new): a name, a type, where a run reads (one of
// the user's uploaded files, a stored database source and a table, one of
// their datasets, or nothing: the output of a parent pipeline), steps, where
// it writes (a file in an output format, or a dataset with a write mode) and
// how to read the input. A 422 lands on its field.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { busy, checkbox, clearFieldErrors, field, flash, flashError, h, heading, select, showFieldError } from "../ui.js";
import { jobOptions, stepBuilder } from "../steps.js";
import { scheduleField } from "../schedule.js";

const TYPES = ["FULL_ETL", "EXTRACT", "TRANSFORM", "LOAD"];
const SHOWN = 100;
const WRITE_MODES = ["upsert", "append", "overwrite"];

export async function render(ctx) {
  const signal = ctx.scope.signal;
  const [files, sources, datasets, pipelines] = (await Promise.all(["/files", "/sources", "/datasets", "/pipelines"]
    .map((p) => list(p, { limit: SHOWN, signal, itemsKey: p === "/pipelines" ? "jobs" : undefined })))).map((r) => r.items);
  const name = h("input", { type: "text", name: "job_name", required: true, maxlength: "255", autocomplete: "off",
                            dataset: { field: "job_name" } });
  const type = select("job_type", TYPES.map((v) => [v, t("ptype_" + v)]), "FULL_ETL");
  type.dataset.field = "job_type";

  // Where a run reads: the kind, then the controls of that kind.
  const kind = select("source_type", [["", t("pipelineSourceNone")], ["FILE", t("source_FILE")],
    ["DATABASE", t("source_DATABASE")], ["DATASET", t("source_DATASET")]], files.length ? "FILE" : "");
  kind.dataset.field = "source_type";
  kind.dataset.fieldPrefix = "source";
  const file = select("source_file", files.map((f) => [f.file_id, f.filename]), files[0]?.file_id);
  file.dataset.field = "source_config.file_id";
  const source = select("source_id", sources.map((s) => [s.id, `${s.name} (${s.engine}, ${s.database})`]), sources[0]?.id);
  source.dataset.field = "source_config.source_id";
  const table = h("input", { type: "text", name: "source_table", autocomplete: "off", maxlength: "64",
                             dataset: { field: "source_config.table" } });
  const dataset = select("source_dataset", datasets.map((d) => [d.id, d.name]), datasets[0]?.id);
  dataset.dataset.field = "source_config.dataset_id";
  const none = (key) => h("p", { class: "muted", text: t(key) });
  const bySource = {
    "": [],
    FILE: files.length ? [field(t("pipelineSource"), file)] : [none("pipelineNoFiles")],
    DATABASE: sources.length ? [field(t("pipelineDbSource"), source), field(t("pipelineTable"), table, { hint: t("pipelineTableHint") })]
      : [none("pipelineNoSources")],
    DATASET: datasets.length ? [field(t("pipelineDataset"), dataset)] : [none("pipelineNoDatasets")],
  };

  // Where it writes: a file in the output format, or a dataset.
  const dest = select("destination_type", [["file", t("dest_file")], ["dataset", t("dest_dataset")]], "file");
  dest.dataset.field = "destination.type";
  dest.dataset.fieldPrefix = "destination";
  const destName = h("input", { type: "text", name: "destination_dataset", autocomplete: "off", maxlength: "64",
                                list: "dest-datasets", dataset: { field: "destination.dataset_name" } });
  const mode = select("write_mode", WRITE_MODES.map((m) => [m, t("write_" + m)]), "upsert");
  mode.dataset.field = "destination.write_mode";
  const destBox = h("div", { class: "grid2 top" },
    field(t("destDatasetName"), destName, { hint: t("destDatasetHint") }), field(t("writeMode"), mode),
    h("datalist", { id: "dest-datasets" }, datasets.map((d) => h("option", { value: d.name }))));

  const schedule = scheduleField(signal);
  // The pipelines this one runs after (its parents): each a dependency.
  const parents = pipelines.map((q) => h("input", { type: "checkbox", name: "parent", value: q.job_id }));
  const after = h("fieldset", { class: "parents" }, h("legend", { text: t("pipelineAfter") }),
    pipelines.length ? h("p", { class: "hint", text: t("pipelineAfterHint") }) : h("p", { class: "muted", text: t("pipelineAfterNone") }),
    h("div", { class: "checks" }, pipelines.map((q, i) => checkbox(q.job_name, parents[i]))));
  const steps = stepBuilder();
  const options = jobOptions();
  const formatField = options.element.querySelector("select[name=output_format]").closest(".field");
  const sourceBox = h("div", { class: "stack" });
  const show = () => {
    sourceBox.replaceChildren(...bySource[kind.value]);
    destBox.hidden = dest.value !== "dataset";
    formatField.hidden = dest.value === "dataset";
  };
  kind.addEventListener("change", show);
  dest.addEventListener("change", show);
  show();

  const form = h("form", { class: "stack" },
    field(t("pipelineName"), name),
    field(t("pipelineType"), type),
    h("fieldset", {}, h("legend", { text: t("pipelineInput") }),
      field(t("pipelineSourceType"), kind, { hint: t("pipelineSourceHint") }), sourceBox),
    steps.element,
    h("fieldset", {}, h("legend", { text: t("pipelineOutput") }), field(t("pipelineDestType"), dest), destBox),
    schedule.element,
    after,
    options.element,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("createPipeline") })));

  const sourceConfig = () => {
    if (kind.value === "FILE") return { file_id: file.value };
    if (kind.value === "DATABASE") {
      const c = { source_id: source.value };
      if (table.value.trim()) c.table = table.value.trim();
      return c;
    }
    return { dataset_id: dataset.value };
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t("submitting"), async () => {
      const body = { job_name: name.value.trim(), job_type: type.value, processing_steps: steps.value(), ...options.value() };
      if (kind.value) { body.source_type = kind.value; body.source_config = sourceConfig(); }
      if (dest.value === "dataset") {
        delete body.output_format;
        body.destination = { type: "dataset", dataset_name: destName.value.trim(), write_mode: mode.value };
      }
      const when = schedule.value();
      if (when) body.schedule = when;
      try {
        const p = (await api("POST", "/pipelines", { signal, json: body })).data;
        // Its dependencies, one edge each (a refused one is said, the pipeline stays).
        for (const box of parents.filter((b) => b.checked)) {
          try {
            await api("POST", `/pipelines/${p.job_id}/dependencies`, { signal, json: { parent_job_id: box.value } });
          } catch (err) { if (err.name === "AbortError") throw err; flashError(err); return ctx.go("#/pipelines/" + p.job_id); }
        }
        flash(t("pipelineCreated", { name: p.job_name }));
        ctx.go("#/pipelines/" + p.job_id);
      } catch (err) {
        if (showFieldError(form, err)) flash(t("fixFields"), "error"); else flashError(err);
      }
    });
  });
  ctx.main.append(heading(t("newPipelineTitle")), form);
}
