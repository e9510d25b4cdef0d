// SQL (#/sql?q=): one read-only query over the user's datasets, its first
// rows in a table. A refusal or the server's error is shown at the query.
import { api } from "../api.js";
import { t } from "../strings.js";
import { busy, clearFieldErrors, field, flashError, h, heading, num, showFieldError, table } from "../ui.js";
import { exportBox, formatSelect } from "../exports.js";

const MAX_ROWS = 100;

function cell(v) {
  if (v === null || v === undefined) return h("span", { class: "muted", text: t("sqlNull") });
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export async function render(ctx) {
  const signal = ctx.scope.signal;
  const sql = h("textarea", { name: "sql", rows: "6", spellcheck: "false", autocomplete: "off",
                              class: "code-input", dataset: { field: "sql" } });
  sql.value = ctx.query.q || "";
  const form = h("form", { class: "stack" },
    field(t("sqlLabel"), sql, { hint: t("sqlHint") }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("sqlRun") })));
  // The whole result as a file: the same query exported by a job.
  const format = formatSelect();
  const box = exportBox(ctx.scope, t("exportQuery"));
  const exportButton = h("button", { type: "button", text: t("exportResult"), onclick: async () => {
    clearFieldErrors(form);
    exportButton.disabled = true;
    try {
      await box.follow((await api("POST", "/query", { signal, json: { sql: sql.value, output_format: format.value } })).data, format.value);
    } catch (err) {
      if (err.name !== "AbortError" && !showFieldError(form, err)) flashError(err);
    } finally { exportButton.disabled = false; }
  } });
  const exporter = h("div", { class: "sql-export", hidden: true },
    h("div", { class: "toolbar" }, field(t("exportFormat"), format), h("div", { class: "actions" }, exportButton)), box.element);

  // The heading and the status line stay in place (a live region is heard
  // when its text changes); only the table under them is replaced.
  const status = h("p", { role: "status", "aria-live": "polite" });
  const rowsBox = h("div");
  const result = h("section", { class: "sql-result", "aria-labelledby": "result-h", hidden: true },
                   h("h2", { id: "result-h", text: t("sqlResult") }), status, rowsBox, exporter);

  const show = (r) => {
    const columns = (r.columns || []).map((name, i) => ({
      label: String(name), cell: (row) => cell(row[i]),
      className: r.data.length && r.data.every((row) => row[i] === null || typeof row[i] === "number") ? "num" : "",
    }));
    const caption = t(r.truncated ? "sqlCaptionTruncated" : "sqlCaption",
                      { n: num(r.rows_returned), ms: Number(r.execution_time_ms).toFixed(1) });
    result.hidden = false;
    exporter.hidden = false;
    status.className = "";
    status.textContent = r.rows_returned ? caption : t("sqlNoRows");
    rowsBox.replaceChildren(r.rows_returned
      ? h("div", { class: "scroll-x", tabindex: "0", role: "region", "aria-label": t("sqlResult") },
          table({ columns, rows: r.data, className: "sql-table" }))
      : "");
  };
  const fail = (err) => {
    result.hidden = false;
    exporter.hidden = true;
    status.className = "error-text";
    status.textContent = t("sqlFailed") + ": " + err.message +
      (err.requestId ? " (" + t("requestId", { id: err.requestId }) + ")" : "");
    rowsBox.replaceChildren();
    // A 400/403 naming "sql" is also shown at the query, which gets focus.
    showFieldError(form, err);
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t("sqlRunning"), async () => {
      try {
        show((await api("POST", "/query", { signal, json: { sql: sql.value, max_rows: MAX_ROWS } })).data);
      } catch (err) {
        if (err.name !== "AbortError") fail(err);
      }
    });
  });
  // Ctrl+Enter (or Cmd+Enter) in the query runs it.
  sql.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });
  ctx.main.append(heading(t("sqlTitle")), form, result);
}
