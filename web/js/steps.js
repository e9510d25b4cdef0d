// The step builder: one fieldset per step, every step type of the engine,
// and the job options (output format, how to read the input). Controls carry
// data-field with the API's field path (processing_steps[1].params.column)
// so that a 422 lands on the control it names.
import { t } from "./strings.js";
import { checkbox, field, h, select } from "./ui.js";

const OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "starts_with", "ends_with",
             "in", "not_in", "is_null", "not_null", "regex"];
const FUNCS = ["uppercase", "lowercase", "title", "capitalize", "trim", "ltrim", "rtrim",
               "strip_whitespace", "collapse_whitespace", "remove_whitespace", "remove_non_numeric",
               "remove_non_alphanumeric", "replace", "fill_null", "truncate"];
const TYPES = ["integer", "number", "boolean", "date", "datetime", "string"];
const RULES = ["required", "not_null", "email", "url", "regex", "min", "max", "in", "not_in",
               "min_length", "max_length", "integer", "number", "boolean", "date", "datetime"];
export const FORMATS = ["csv", "json", "jsonl", "xlsx"];
const LISTS = ["in", "not_in"];

const list = (s) => s.split(",").map((x) => x.trim()).filter((x) => x !== "");
const numeric = (s) => /^-?\d+(\.\d+)?$/.test(s.trim());
const numOr = (s) => (numeric(s) ? Number(s) : s);

// Each param: {name, label, kind: text|select|check|list|mapping|int, options, show(params)}.
const column = { name: "column", label: "p_column", kind: "text", required: true };
const SPECS = {
  filter: [
    column,
    { name: "operator", label: "p_operator", kind: "select", options: OPS.map((o) => [o, o]) },
    { name: "value", label: "p_value", kind: "text", show: (p) => !["is_null", "not_null"].includes(p.operator),
      label2: (p) => (LISTS.includes(p.operator) ? "p_values" : "p_value"),
      read: (s, p) => (LISTS.includes(p.operator) ? list(s) : ["gt", "gte", "lt", "lte"].includes(p.operator) ? numOr(s) : s) },
    { name: "case_sensitive", label: "p_case_sensitive", kind: "check", initial: true },
  ],
  select: [{ name: "columns", label: "p_columns", kind: "list", required: true }],
  drop: [{ name: "columns", label: "p_columns", kind: "list", required: true }],
  rename: [{ name: "mapping", label: "p_mapping", kind: "mapping" }],
  transform: [
    column,
    { name: "function", label: "p_function", kind: "select", options: FUNCS.map((f) => [f, f]) },
    { name: "find", label: "p_find", kind: "text", show: (p) => p.function === "replace" },
    { name: "replacement", label: "p_replacement", kind: "text", show: (p) => p.function === "replace" },
    { name: "value", label: "p_fill", kind: "text", show: (p) => p.function === "fill_null" },
    { name: "length", label: "p_length", kind: "int", show: (p) => p.function === "truncate" },
  ],
  cast: [
    column,
    { name: "type", label: "p_type", kind: "select", options: TYPES.map((x) => [x, x]) },
    { name: "format", label: "p_format", kind: "text", optional: true, show: (p) => ["date", "datetime"].includes(p.type) },
    { name: "on_error", label: "p_on_error", kind: "select", options: [["fail", t("on_error_fail")], ["null", t("on_error_null")]], omit: "fail" },
  ],
  validate: [
    column,
    { name: "rule", label: "p_rule", kind: "select", options: RULES.map((r) => [r, r]) },
    { name: "value", label: "p_value", kind: "text",
      show: (p) => ["regex", "min", "max", "in", "not_in", "min_length", "max_length"].includes(p.rule),
      label2: (p) => (LISTS.includes(p.rule) ? "p_values" : "p_value"),
      read: (s, p) => (LISTS.includes(p.rule) ? list(s)
        : ["min_length", "max_length"].includes(p.rule) ? Number.parseInt(s, 10)
          : ["min", "max"].includes(p.rule) ? numOr(s) : s) },
    { name: "severity", label: "p_severity", kind: "select",
      options: [["error", t("severity_error")], ["warning", t("severity_warning")]], omit: "error" },
    { name: "message", label: "p_message", kind: "text", optional: true },
  ],
  dedupe: [{ name: "columns", label: "p_columns_optional", kind: "list", optional: true }],
  sort: [
    { name: "columns", label: "p_sort_keys", kind: "keys" },
    { name: "collation", label: "p_collation", kind: "select",
      options: [["binary", t("collation_binary")], ["locale", t("collation_locale")]], omit: "binary" },
  ],
};
export const STEP_TYPES = Object.keys(SPECS);

function control(spec, path, value) {
  const attrs = { name: spec.name, dataset: { field: path } };
  switch (spec.kind) {
  case "select": {
    const s = select(spec.name, spec.options, value ?? spec.options[0][0]);
    s.dataset.field = path;
    return s;
  }
  case "check": return h("input", { ...attrs, type: "checkbox", checked: value ?? spec.initial ?? false });
  case "mapping": return h("textarea", { ...attrs, rows: "3", value: value ?? "" });
  case "int": return h("input", { ...attrs, type: "number", min: "0", step: "1", inputmode: "numeric", value: value ?? "" });
  default: return h("input", { ...attrs, type: "text", value: value ?? "", required: !!spec.required,
                               autocomplete: "off" });
  }
}

function raw(el) {
  return el.type === "checkbox" ? el.checked : el.value;
}

// One step's fieldset. state: {type, values{name: raw}}.
function stepBox(builder, index, state) {
  const n = index + 1;
  const prefix = `processing_steps[${index}]`;
  const typeSel = select("type", STEP_TYPES.map((s) => [s, t("step_" + s)]), state.type);
  typeSel.dataset.field = prefix + ".type";
  typeSel.addEventListener("change", () => { state.type = typeSel.value; state.values = {}; builder.draw(typeSel.dataset.field); });
  const params = h("div", { class: "params" });
  for (const spec of SPECS[state.type]) {
    if (spec.show && !spec.show(state.values)) continue;
    const path = `${prefix}.params.${spec.name}`;
    if (spec.kind === "keys") { params.append(keysBox(builder, state, spec, path)); continue; }
    const ctl = control(spec, path, state.values[spec.name]);
    state.values[spec.name] = raw(ctl);
    const redrawOnChange = SPECS[state.type].some((s) => s.show || s.label2) && spec.kind === "select";
    ctl.addEventListener(spec.kind === "select" || spec.kind === "check" ? "change" : "input", () => {
      state.values[spec.name] = raw(ctl);
      if (redrawOnChange) builder.draw(path);
    });
    const label = t(spec.label2 ? spec.label2(state.values) : spec.label);
    params.append(spec.kind === "check" ? checkbox(label, ctl) : field(label, ctl));
  }
  const moveUp = h("button", { type: "button", class: "small", text: "↑", "aria-label": t("moveUp", { n }),
                               disabled: index === 0, onclick: () => builder.move(index, -1) });
  const remove = h("button", { type: "button", class: "small", text: "×", "aria-label": t("removeStep", { n }),
                               onclick: () => builder.remove(index) });
  const box = h("fieldset", { class: "step", "data-field-prefix": prefix },
    h("legend", { text: t("stepN", { n }) }),
    h("div", { class: "step-head" }, field(t("stepType"), typeSel), h("div", { class: "step-tools" }, moveUp, remove)),
    params);
  // A 422 on the step itself ("processing_steps[1]") lands on its type.
  typeSel.dataset.fieldPrefix = prefix;
  return box;
}

// The sort keys: one row per key (column, order, nulls), at least one; a key
// is added after the last and removed by its own button, as steps are.
function keysBox(builder, state, spec, path) {
  const keys = state.values[spec.name] ??= [{ column: "", order: "asc", nulls: "last" }];
  const rows = keys.map((k, i) => {
    const at = `${path}[${i}]`;
    const col = h("input", { type: "text", name: "sort_column", required: true, autocomplete: "off", value: k.column,
                             dataset: { field: at + ".column" } });
    col.addEventListener("input", () => { k.column = col.value; });
    const order = select("sort_order", [["asc", t("order_asc")], ["desc", t("order_desc")]], k.order);
    order.dataset.field = at + ".order";
    order.addEventListener("change", () => { k.order = order.value; });
    const nulls = select("sort_nulls", [["last", t("nulls_last")], ["first", t("nulls_first")]], k.nulls);
    nulls.dataset.field = at + ".nulls";
    nulls.addEventListener("change", () => { k.nulls = nulls.value; });
    const n = i + 1;
    const remove = h("button", { type: "button", class: "small", text: "×", "aria-label": t("removeKey", { n }),
                                 disabled: keys.length === 1, onclick: () => {
                                   keys.splice(i, 1);
                                   builder.draw(`${path}[${Math.min(i, keys.length - 1)}].column`);
                                 } });
    return h("div", { class: "sort-key", role: "group", "aria-label": t("sortKeyN", { n }) },
      field(t("p_column"), col), field(t("p_order"), order), field(t("p_nulls"), nulls),
      h("div", { class: "step-tools" }, remove));
  });
  const add = h("button", { type: "button", class: "small", text: t("addKey"), onclick: () => {
    keys.push({ column: "", order: "asc", nulls: "last" });
    builder.draw(`${path}[${keys.length - 1}].column`);
  } });
  return h("fieldset", { class: "sort-keys" }, h("legend", { text: t(spec.label) }), ...rows, add);
}

function paramsOf(state) {
  const out = {};
  for (const spec of SPECS[state.type]) {
    if (spec.show && !spec.show(state.values)) continue;
    const v = state.values[spec.name];
    if (spec.kind === "keys") {
      out[spec.name] = (v || []).map((k) => ({ column: k.column.trim(), order: k.order, nulls: k.nulls }));
      continue;
    }
    if (spec.kind === "check") { out[spec.name] = !!v; continue; }
    if (v === undefined || v === "") { if (!spec.optional && spec.kind !== "list") out[spec.name] = ""; continue; }
    if (spec.omit !== undefined && v === spec.omit) continue;
    if (spec.kind === "list") { const l = list(v); if (l.length || !spec.optional) out[spec.name] = l; continue; }
    if (spec.kind === "int") { out[spec.name] = Number.parseInt(v, 10); continue; }
    if (spec.kind === "mapping") {
      out[spec.name] = Object.fromEntries(v.split("\n").map((l) => l.split("=").map((x) => x.trim()))
        .filter((p) => p.length === 2 && p[0]));
      continue;
    }
    out[spec.name] = spec.read ? spec.read(v, state.values) : v;
  }
  return out;
}

export function stepBuilder() {
  const steps = [];
  const holder = h("div", { class: "steps" });
  const add = h("button", { type: "button", text: t("addStep") });
  const builder = {
    element: h("fieldset", { class: "steps-box" }, h("legend", { text: t("stepsTitle") }),
                h("p", { class: "hint", text: t("stepsHint") }), holder, add),
    draw(focusField) {
      holder.replaceChildren(...(steps.length ? steps.map((s, i) => stepBox(builder, i, s))
        : [h("p", { class: "muted", text: t("stepsEmpty") })]));
      if (focusField) holder.querySelector(`[data-field="${CSS.escape(focusField)}"]`)?.focus();
    },
    move(i, d) { const [s] = steps.splice(i, 1); steps.splice(i + d, 0, s); builder.draw(`processing_steps[${i + d}].type`); },
    remove(i) {
      steps.splice(i, 1);
      builder.draw(steps.length ? `processing_steps[${Math.min(i, steps.length - 1)}].type` : null);
      if (!steps.length) add.focus();
    },
    value() { return steps.map((s) => ({ type: s.type, params: paramsOf(s) })); },
  };
  add.addEventListener("click", () => {
    steps.push({ type: "filter", values: {} });
    builder.draw(`processing_steps[${steps.length - 1}].type`);
  });
  builder.draw();
  return builder;
}

// Output format and the reading options, as {element, value()}.
export function jobOptions() {
  const fmt = select("output_format", FORMATS.map((f) => [f, t("format_" + f)]), "csv");
  fmt.dataset.field = "output_format";
  const delim = select("delimiter", [["", t("delimiter_auto")], [",", t("delimiter_comma")],
    [";", t("delimiter_semicolon")], ["tab", t("delimiter_tab")], ["|", t("delimiter_pipe")]], "");
  delim.dataset.field = "processing_config.delimiter";
  const enc = select("encoding", [["", t("encoding_auto")], ["utf-8", "UTF-8"], ["latin-1", "Latin-1"],
    ["windows-1252", "Windows-1252"]], "");
  enc.dataset.field = "processing_config.encoding";
  const header = h("input", { type: "checkbox", name: "has_header", checked: true, dataset: { field: "processing_config.has_header" } });
  const skip = h("input", { type: "number", name: "skip_rows", min: "0", step: "1", inputmode: "numeric",
                            dataset: { field: "processing_config.skip_rows" } });
  const arrayPath = h("input", { type: "text", name: "array_path", autocomplete: "off",
                                 dataset: { field: "processing_config.array_path" } });
  const sheet = h("input", { type: "text", name: "sheet_name", autocomplete: "off",
                             dataset: { field: "processing_config.sheet_name" } });
  const read = h("details", { class: "read-options" }, h("summary", { text: t("readOptions") }),
    h("div", { class: "grid2" }, field(t("delimiter"), delim), field(t("encoding"), enc),
      field(t("skipRows"), skip), field(t("arrayPath"), arrayPath), field(t("sheetName"), sheet)),
    checkbox(t("hasHeader"), header));
  return {
    element: h("div", { class: "stack" }, field(t("outputFormat"), fmt), read),
    value() {
      const config = {};
      if (delim.value) config.delimiter = delim.value;
      if (enc.value) config.encoding = enc.value;
      if (!header.checked) config.has_header = false;
      if (skip.value !== "") config.skip_rows = Number.parseInt(skip.value, 10);
      if (arrayPath.value.trim()) config.array_path = arrayPath.value.trim();
      if (sheet.value.trim()) config.sheet_name = numeric(sheet.value) ? Number(sheet.value) : sheet.value.trim();
      return { output_format: fmt.value, processing_config: config };
    },
    reset() { read.open = false; },
  };
}
