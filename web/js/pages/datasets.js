// Datasets (#/datasets?skip=): name, rows, size, when it last changed (its
// newest commit, or its creation), each with a link that queries it in SQL.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { bytes, h, heading, num, pager, table, timeEl } from "../ui.js";

const LIMIT = 20;

export async function render(ctx) {
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const signal = ctx.scope.signal;
  const page = await list("/datasets", { skip, limit: LIMIT, signal });
  // The list carries no commit times: each dataset on the page is read for
  // its newest commit (a page is at most LIMIT datasets, read at once).
  const updated = await Promise.all(page.items.map(async (d) => {
    try {
      const full = (await api("GET", `/datasets/${d.id}`, { signal })).data;
      return full.commits?.[0]?.committed_at || d.created_at;
    } catch (err) {
      if (err.name === "AbortError") throw err;
      return d.created_at;
    }
  }));
  const rows = page.items.map((d, i) => ({ ...d, updated_at: updated[i] }));
  const sqlOf = (d) => `SELECT * FROM ${d.name} LIMIT 100`;
  ctx.main.append(
    h("div", { class: "title-row" }, heading(t("datasetsTitle")),
      h("a", { class: "button", href: "#/sql", text: t("navSql") })),
    table({ caption: t("datasetsCaption"), rows, empty: t("datasetsEmpty"), columns: [
      { label: t("colName"), cell: (d) => h("a", { href: "#/datasets/" + d.id }, h("code", { text: d.name })) },
      { label: t("colRowsN"), cell: (d) => d.total_records == null ? t("none") : num(d.total_records), className: "num" },
      { label: t("colSize"), cell: (d) => d.total_size_bytes == null ? t("none") : bytes(d.total_size_bytes), className: "num" },
      { label: t("colKey"), cell: (d) => h("code", { text: d.record_key_field }) },
      { label: t("colUpdated"), cell: (d) => timeEl(d.updated_at) },
      { label: t("actions"), className: "actions-col",
        cell: (d) => h("a", { href: "#/sql?q=" + encodeURIComponent(sqlOf(d)), text: t("queryDataset", { name: d.name }) }) },
    ] }),
    pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => ctx.go("#/datasets" + (s ? "?skip=" + s : "")) }));
}
