// The parts of a pipeline's page beyond its definition and runs: the next
// runs of its schedule, the errors of a run (resolve, unresolve), the data
// quality of its input file; and the error summary of the pipelines list.
import { api } from "./api.js";
import { t } from "./strings.js";
import { flash, flashError, h, num, pager, redraw, table, timeEl, when } from "./ui.js";
import { preview, runsList } from "./schedule.js";

const ERRORS = 10;
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];

export const sevBadge = (s) => h("span", { class: "badge psev-" + String(s).toLowerCase(), text: t("psev_" + s) });

// The next runs of a stored schedule, read from the API like the form's.
export async function nextRunsOf(p, signal) {
  const s = p.schedule;
  if (!s) return null;
  const q = typeof s === "string" ? { cron: s }
    : s.type === "interval" ? { interval_seconds: s.interval_seconds } : { cron: s.expression, timezone: s.timezone };
  try {
    return runsList(await preview(q, signal));
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return h("span", { class: "error-text", text: err.message });
  }
}

// The errors of one of the runs (chosen among runs()), 10 a page, each with
// Resolve or Unresolve. refresh(runs) is called when the runs list changes.
export function errorsSection(signal) {
  const box = h("section", { class: "panel run-errors", "aria-labelledby": "run-errors-h", tabindex: "-1" });
  let runs = [], eid = null, skip = 0, only = "";
  const pick = h("select", { name: "run" });
  const sev = h("select", { name: "error_severity" });
  const body = h("div");
  const load = async () => {
    if (!eid) { body.replaceChildren(h("p", { class: "muted", text: t("runErrorsNoRun") })); return; }
    const r = (await api("GET", `/errors/executions/${eid}/errors`, { signal,
      query: { limit: ERRORS, offset: skip, severity: only || undefined } })).data.data;
    redraw(body, () => body.replaceChildren(
      table({ caption: t("runErrorsCaption"), rows: r.errors, empty: t("runErrorsEmpty"), className: "run-errors-table", columns: [
        { label: t("colLine"), cell: (e) => e.line == null ? t("none") : num(e.line), className: "num" },
        { label: t("colSeverity"), cell: (e) => sevBadge(e.error_severity) },
        { label: t("colErrorType"), cell: (e) => t("etype_" + e.error_type) },
        { label: t("colMessage"), cell: (e) => h("span", {}, h("code", { text: e.error_code }), " ", e.error_message) },
        { label: t("colResolved"), cell: (e) => t(e.is_resolved ? "resolvedYes" : "resolvedNo") },
        { label: t("actions"), className: "actions-col", cell: (e) => h("button", { type: "button",
            text: t(e.is_resolved ? "reopen" : "resolve"),
            "aria-label": t(e.is_resolved ? "unresolveError" : "resolveError", { code: e.error_code, line: e.line ?? "—" }),
            onclick: async (ev) => {
              ev.currentTarget.disabled = true;
              try {
                await api("PATCH", `/errors/${e.error_id}/${e.is_resolved ? "unresolve" : "resolve"}`, { signal, json: {} });
                flash(t(e.is_resolved ? "errorUnresolved" : "errorResolved", { code: e.error_code }));
                await load();
              } catch (err) { flashError(err); }
            } }) },
      ] }),
      pager({ skip, limit: ERRORS, total: r.total_count, label: t("runErrorsTitle"),
              onPage: (s) => { skip = s; load().catch(flashError); } })));
  };
  pick.addEventListener("change", () => { eid = pick.value; skip = 0; load().catch(flashError); });
  sev.addEventListener("change", () => { only = sev.value; skip = 0; load().catch(flashError); });
  sev.append(...[["", t("allSeverities")], ...SEVERITIES.map((s) => [s, t("psev_" + s)])]
    .map(([v, l]) => h("option", { value: v, text: l })));
  pick.id = "run-pick"; sev.id = "sev-pick";
  const tools = h("div", { class: "toolbar", hidden: true },
      h("div", { class: "field" }, h("label", { for: pick.id, text: t("runErrorsRun") }), pick),
      h("div", { class: "field" }, h("label", { for: sev.id, text: t("colSeverity") }), sev));
  box.append(h("h2", { id: "run-errors-h", text: t("runErrorsTitle") }), tools, body);
  return {
    element: box,
    // The run list changed: the choice keeps its run when it is still listed.
    async refresh(list) {
      const key = (l) => JSON.stringify(l.map((e) => [e.execution_id, e.status, e.error_count]));
      if (key(list) === key(runs) && eid) return;
      const was = runs.find((e) => e.execution_id === eid);
      runs = list;
      if (!runs.some((e) => e.execution_id === eid)) { eid = runs[0]?.execution_id || null; skip = 0; }
      const now = runs.find((e) => e.execution_id === eid);
      const same = was && now && was.status === now.status && was.error_count === now.error_count;
      pick.replaceChildren(...runs.map((e) => h("option", { value: e.execution_id, selected: e.execution_id === eid,
        text: t(e.error_count == null ? "runErrorsOptionPlain" : "runErrorsOption",
                { status: t("estatus_" + e.status), when: when(e.start_time), n: num(e.error_count) }) })));
      tools.hidden = !runs.length;
      if (!same) await load();
    },
    load,
  };
}

// The data quality of an uploaded file: its checks, and a new one on demand.
export async function qualitySection(fileId, signal) {
  const box = h("section", { class: "panel quality", "aria-labelledby": "quality-h" });
  const body = h("div");
  const draw = (checks) => {
    const last = checks.find((c) => c.status === "completed");
    body.replaceChildren(
      last ? h("div", {},
        h("p", { class: "quality-score", text: t("qualityScore", { score: last.quality_score, passed: num(last.passed_records), total: num(last.total_records) }) }),
        table({ caption: t("qualityIssues"), rows: last.issues || [], empty: t("qualityNoIssues"), className: "quality-table", columns: [
          { label: t("colRule"), cell: (i) => i.rule },
          { label: t("colColumn"), cell: (i) => i.column ? h("code", { text: i.column }) : t("none") },
          { label: t("colSeverity"), cell: (i) => sevBadge(i.severity) },
          { label: t("colFailed"), cell: (i) => num(i.failed_count), className: "num" },
        ] })) : h("p", { class: "muted", text: t("qualityNone") }),
      checks.length ? table({ caption: t("qualityChecks"), rows: checks, className: "quality-checks", columns: [
        { label: t("colStatus"), cell: (c) => t("qstatus_" + c.status) },
        { label: t("qualityScoreCol"), cell: (c) => c.quality_score == null ? t("none") : t("percent", { n: c.quality_score }), className: "num" },
        { label: t("colRecords"), cell: (c) => t("qualityRecords", { passed: num(c.passed_records), failed: num(c.failed_records) }) },
        { label: t("colCreated"), cell: (c) => timeEl(c.created_at) },
      ] }) : "");
  };
  const read = async () => {
    const r = await api("GET", "/data-quality/checks", { signal, query: { entity_id: fileId, limit: 5 } });
    const items = Array.isArray(r.data) ? r.data : (r.data?.checks || r.data?.data?.checks || []);
    draw(items);
    return items;
  };
  const run = h("button", { type: "button", text: t("qualityRun"), onclick: async () => {
    run.disabled = true;
    try {
      let c = (await api("POST", "/data-quality/check", { signal, json: { entity_type: "file", entity_id: fileId } })).data;
      if (c.status === "running") {
        // A long file: the check goes on in quarry-process; follow it here.
        flash(t("qualityRunning"));
        await read();
        while (c.status === "running") {
          await new Promise((r) => setTimeout(r, 1000));
          if (signal.aborted) return;
          c = (await api("GET", `/data-quality/checks/${c.check_id}`, { signal })).data;
        }
      }
      flash(t(c.status === "completed" ? "qualityDone" : "qualityFailed"));
      await read();
    } catch (err) { flashError(err); } finally { run.disabled = false; run.focus(); }
  } });
  box.append(h("div", { class: "title-row" }, h("h2", { id: "quality-h", text: t("qualityTitle") }), run), body);
  await read();
  return box;
}

// The caller's errors of the last days, by severity and by type.
export async function errorSummary(signal, days = 7) {
  const d = (await api("GET", "/errors/summary", { signal, query: { days } })).data.data;
  const types = Object.entries(d.by_type || {}).sort((a, b) => b[1] - a[1]);
  return h("section", { class: "panel error-summary", "aria-labelledby": "summary-h" },
    h("h2", { id: "summary-h", text: t("errorSummaryTitle", { days: d.period_days }) }),
    h("p", { text: t("errorSummaryLine", { total: num(d.total_errors), resolved: num(d.resolved_errors),
                                           open: num(d.unresolved_errors), rate: d.resolution_rate }) }),
    h("div", { class: "grid2 top" },
      table({ caption: t("bySeverity"), className: "by-severity", rows: SEVERITIES, columns: [
        { label: t("colSeverity"), cell: (s) => sevBadge(s) },
        { label: t("colCount"), cell: (s) => num(d.by_severity?.[s] ?? 0), className: "num" } ] }),
      table({ caption: t("byType"), className: "by-type", rows: types, empty: t("noErrors"), columns: [
        { label: t("colErrorType"), cell: ([k]) => t("etype_" + k) },
        { label: t("colCount"), cell: ([, n]) => num(n), className: "num" } ] })));
}
