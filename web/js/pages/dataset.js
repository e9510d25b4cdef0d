// One dataset (#/datasets/:id): what it is (rows, size, key, schema), its
// commit timeline (newest first: when, how, rows inserted, updated,
// deleted, by which run), a link to query it, and an export of the whole
// dataset to a file (a job followed here, then downloaded).
import { api } from "../api.js";
import { t } from "../strings.js";
import { busy, bytes, dl, field, flashError, h, heading, num, table, timeEl } from "../ui.js";
import { exportBox, formatSelect } from "../exports.js";

export async function render(ctx) {
  const signal = ctx.scope.signal;
  const d = (await api("GET", `/datasets/${ctx.params.id}`, { signal })).data;
  const commits = d.commits || [];
  const schema = Object.entries(d.schema || {});
  const format = formatSelect();
  const box = exportBox(ctx.scope, t("exportOf", { name: d.name }));
  const form = h("form", { class: "toolbar" }, field(t("exportFormat"), format),
    h("div", { class: "actions" }, h("button", { type: "submit", text: t("exportDataset", { name: d.name }) })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await busy(form, t("submitting"), async () => {
      try {
        await box.follow((await api("POST", `/datasets/${d.id}/export`, { signal, json: { format: format.value } })).data, format.value);
      } catch (err) { flashError(err); }
    });
  });
  const by = (c) => c.load_job_id ? h("a", { href: "#/jobs/" + c.load_job_id, text: t("commitLoad") })
    : c.execution_id ? t("commitRun") : t("none");
  ctx.main.append(
    h("div", { class: "title-row" }, heading(t("datasetTitle", { name: d.name })),
      h("a", { class: "button", href: "#/sql?q=" + encodeURIComponent(`SELECT * FROM ${d.name} LIMIT 100`),
               text: t("queryDataset", { name: d.name }) })),
    dl([
      [t("colRowsN"), d.total_records == null ? t("none") : num(d.total_records)],
      [t("colSize"), d.total_size_bytes == null ? t("none") : bytes(d.total_size_bytes)],
      [t("colKey"), h("code", { text: d.record_key_field })],
      [t("datasetPrecombine"), d.precombine_field ? h("code", { text: d.precombine_field }) : t("none")],
      [t("colCreated"), timeEl(d.created_at)],
      [t("datasetCommits"), num(d.total_commits ?? commits.length)],
    ]),
    h("section", { class: "panel", "aria-labelledby": "export-h" }, h("h2", { id: "export-h", text: t("exportTitle") }), form, box.element),
    h("section", { "aria-labelledby": "timeline-h" }, h("h2", { id: "timeline-h", text: t("commitTimeline") }),
      commits.length ? h("ol", { class: "timeline" }, commits.map((c) => h("li", { class: "commit" },
        h("p", { class: "commit-head" }, timeEl(c.committed_at), " ", h("span", { class: "badge", text: t("cmode_" + c.mode) }),
          " ", h("span", { class: "muted", text: t("commitNumber", { id: c.commit_id }) })),
        h("p", { class: "commit-rows", text: t("commitRows", { ins: num(c.rows_inserted), upd: num(c.rows_updated),
                                                        del: num(c.rows_deleted), same: num(c.rows_unchanged) }) }),
        h("p", { class: "muted" }, t("commitBy"), " ", by(c)))))
        : h("p", { class: "empty", text: t("commitsNone") }),
      d.total_commits > commits.length ? h("p", { class: "muted", text: t("commitsShown", { n: num(commits.length), total: num(d.total_commits) }) }) : ""),
    h("section", { "aria-labelledby": "schema-h" }, h("h2", { id: "schema-h", text: t("datasetSchema") }),
      table({ caption: t("datasetSchemaCaption"), rows: schema, className: "schema-table", columns: [
        { label: t("colColumn"), cell: ([k]) => h("code", { text: k }) },
        { label: t("colType2"), cell: ([, v]) => (typeof v === "string" ? v : v.type) },
      ] })));
}
