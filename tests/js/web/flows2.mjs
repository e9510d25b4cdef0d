// The browser flows of the pipelines' schedule, dependencies, errors and
// data quality; a dataset's page, exports; an upload resumed after a reload.
import { readFileSync } from "node:fs";
import { assert, until } from "./harness.mjs";

const MOBILE = { width: 390, height: 844 };
const PIPELINE_PAGE = /^#\/pipelines\/[0-9a-f-]{36}$/;

async function onPipeline(page) {
  await page.waitForFunction((re) => new RegExp(re).test(document.documentElement.dataset.rendered || "")
    && !document.querySelector("main[aria-busy]"), PIPELINE_PAGE.source);
  return page.url().split("#/pipelines/")[1];
}

async function downloadOf(page, click) {
  const [dl] = await Promise.all([page.waitForEvent("download"), click()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()).toString("base64") };
}

export const flows = {
  // A pipeline made in the page with a schedule (its next runs previewed)
  // and a dependency on another; the graph of both; the parent run by hand
  // triggers the child; the parent's run errors resolved; data quality of
  // its input; the error summary on the list.
  async pipelineGraph(h, { token, parentId, parentName, name }) {
    const page = await h.open({ token, hash: "#/pipelines/new" });
    await page.fill("input[name=job_name]", name);
    await page.selectOption("select[name=source_type]", "");
    await page.fill("input[name=schedule]", "30 2 * * 1-5");
    await page.fill("input[name=timezone]", "UTC");
    const runs = page.locator(".schedule-preview ol.next-runs li");
    await until(async () => (await runs.count()) === 5, { what: "five next runs previewed" });
    const preview = (await runs.allTextContents()).map((s) => s.trim());
    // A bad expression is said under the field as it is typed.
    await page.fill("input[name=schedule]", "61 2 * * *");
    await until(async () => (await page.locator(".schedule-preview .error-text").count()) === 1, { what: "a bad cron said" });
    const bad = await h.text(page, ".schedule-preview .error-text");
    await page.fill("input[name=schedule]", "30 2 * * 1-5");
    await until(async () => (await runs.count()) === 5, { what: "the preview back" });
    await page.check(`.parents input[value='${parentId}']`);
    await h.check(page, "new-pipeline-schedule");
    await page.click("button:has-text('Create pipeline')");
    const id = await onPipeline(page);
    const facts = await h.text(page, "dl.facts");
    assert((await page.locator("dl.facts ol.next-runs li").count()) === 5, "next runs on the pipeline's page");
    const edges = (await page.locator(".dag-edges li").allTextContents()).map((s) => s.trim());
    assert(await page.locator("svg.dag a.dag-node").count() === 2, "two boxes in the graph");
    await h.check(page, "pipeline-dag");
    // The parent: its graph shows the child; run it by hand: the child follows.
    await page.click(`svg.dag a[href='#/pipelines/${parentId}']`);
    await h.rendered(page, "#/pipelines/" + parentId);
    assert(await page.locator(`svg.dag a[href='#/pipelines/${id}']`).count() === 1, "the child in the parent's graph");
    await page.click("button:has-text('Run now')");
    const parentRuns = page.locator(".runs-table tbody tr");
    await until(async () => (await parentRuns.first().locator(".badge").textContent()).trim() === "Succeeded",
                { timeout: 60000, what: "the parent's run succeeded" });
    // Its errors: the first resolved, then only the open ones.
    const errRows = page.locator(".run-errors-table tbody tr");
    await until(async () => (await errRows.count()) > 0, { what: "the run's errors listed" });
    const errTotal = await h.text(page, ".run-errors .pager-status");
    const first = (await errRows.first().locator("td").allTextContents()).map((s) => s.trim());
    await errRows.first().locator("button").click();
    await until(async () => (await errRows.first().locator("td").nth(4).textContent()).trim() === "Resolved", { what: "resolved" });
    assert((await errRows.first().locator("button").textContent()).startsWith("Reopen"), "the button reopens now");
    await page.selectOption("select[name=error_severity]", "HIGH");
    await until(async () => (await page.locator(".run-errors .empty, .run-errors-table + .empty").count()) === 1
                || (await errRows.count()) === 0, { what: "no HIGH error" });
    await page.selectOption("select[name=error_severity]", "");
    await h.check(page, "pipeline-errors");
    // Data quality of its input file.
    await page.click("button:has-text('Check the data quality')");
    await page.waitForSelector(".quality-score");
    const score = await h.text(page, ".quality-score");
    const issues = await page.locator(".quality-table tbody tr").evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim())));
    await h.check(page, "pipeline-quality");
    const m = await h.open({ token, hash: "#/pipelines/" + parentId, ...MOBILE });
    await h.check(m, "pipeline-errors");
    // The child ran after its parent (trigger: a dependency).
    await h.go(page, "#/pipelines/" + id);
    const childRuns = page.locator(".runs-table tbody tr");
    await until(async () => (await childRuns.count()) === 1, { timeout: 30000, what: "the child's run" });
    await until(async () => (await childRuns.first().locator(".badge").textContent()).trim() === "Succeeded",
                { timeout: 60000, what: "the child's run succeeded" });
    const childRun = (await childRuns.first().locator("td").allTextContents()).map((s) => s.trim());
    await h.go(m, "#/pipelines/" + id);
    await h.check(m, "pipeline-dag");
    // The summary by severity and type, on the list.
    await h.go(page, "#/pipelines");
    const bySeverity = await page.locator(".by-severity tbody tr").evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim())));
    const byType = await page.locator(".by-type tbody tr").evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim())));
    const summary = await h.text(page, ".error-summary p");
    await h.check(page, "pipelines-summary");
    await h.go(m, "#/pipelines");
    await h.check(m, "pipelines-summary");
    return { id, preview, bad, facts, edges, errTotal, first, score, issues, childRun, bySeverity, byType, summary };
  },

  // A dataset's page: its commit timeline and an export downloaded; the SQL
  // console's export of a query.
  async datasetPage(h, { token, dataset, sql }) {
    const page = await h.open({ token, hash: "#/datasets" });
    await page.click(`main a:has-text('${dataset}') >> nth=0`);
    await h.rendered(page, "#/datasets/");
    const commits = (await page.locator("ol.timeline li").allTextContents()).map((s) => s.replace(/\s+/g, " ").trim());
    const heading = await h.text(page, "h1");
    await h.check(page, "dataset");
    const m = await h.open({ token, hash: "#" + page.url().split("#")[1], ...MOBILE });
    await h.check(m, "dataset");
    await page.selectOption("select[name=export_format]", "csv");
    await page.click(`button:has-text('Export ${dataset}')`);
    const dlButton = page.locator(".export-download");
    await until(async () => (await dlButton.count()) === 1, { timeout: 60000, what: "the export written" });
    await h.check(page, "dataset-export");
    const exported = await downloadOf(page, () => dlButton.click());
    // SQL: run, then export the whole result.
    await h.go(page, "#/sql?q=" + encodeURIComponent(sql));
    await page.click("main button[type=submit]");
    await page.waitForSelector(".sql-table tbody tr");
    await page.selectOption(".sql-export select[name=export_format]", "jsonl");
    await page.click("button:has-text('Export the whole result')");
    const sqlButton = page.locator(".sql-export .export-download");
    await until(async () => (await sqlButton.count()) === 1, { timeout: 60000, what: "the query exported" });
    await h.check(page, "sql-export");
    const queried = await downloadOf(page, () => sqlButton.click());
    return { commits, heading, exported, queried };
  },

  // A new job's upload cut by a reload, resumed from the server's offset by
  // picking the same file again; the job then runs.
  async resumeUpload(h, { token, rows, name, lastModified }) {
    const page = await h.open({ token, hash: "#/jobs/new" });
    // The file is made in the page (the same bytes as csv_rows(rows) in the
    // test), with a fixed date: "the same file" is name, size and date.
    const pick = (selector, stamp) => page.evaluate(({ selector, rows, name, stamp }) => {
      const parts = ["id,name,city\n"];
      for (let i = 0; i < rows; i++) parts.push(`${i},name${i},city${i % 7}\n`);
      const dt = new DataTransfer();
      const file = new File(parts, name, { type: "text/csv", lastModified: stamp });
      dt.items.add(file);
      const input = document.querySelector(selector);
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      return file.size;
    }, { selector, rows, name, stamp });
    const size = await pick("input[name=file]", lastModified);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1,
                                                         uploadThroughput: 3 * 1024 * 1024 });
    await page.click("button[type=submit]");
    const bar = page.locator(".upload-status progress");
    // Past the first 8 MiB chunk, into the second: then the page goes away.
    const cut = 100 * (8.5 * 1024 * 1024) / size;
    await until(async () => (await bar.count()) === 1 && Number(await bar.getAttribute("value")) > cut,
                { timeout: 60000, interval: 50, what: "the upload past its first chunk" });
    await page.reload();
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await h.rendered(page, "#/jobs/new");
    await page.waitForSelector(".resume-item");
    const said = await h.text(page, ".resume-text");
    await h.check(page, "upload-resume");
    // Another file (its date differs) is refused at the field.
    await pick("input[name=resume-file]", lastModified + 1000);
    await until(async () => (await page.locator("input[name=resume-file]").getAttribute("aria-invalid")) === "true",
                { what: "another file refused" });
    const refused = await h.text(page, ".resume-item .field-error");
    // At 390 px (the same tab: the kept upload lives in this context's storage).
    await page.setViewportSize(MOBILE);
    await h.check(page, "upload-resume");
    await page.setViewportSize({ width: 1280, height: 900 });
    // Watch where the bar starts when the same file is picked again.
    await page.evaluate(() => {
      window.__start = null;
      const p = document.querySelector(".resume-item progress");
      new MutationObserver(() => { if (window.__start === null) window.__start = Number(p.value); })
        .observe(p, { attributes: true });
    });
    const offsetBefore = Number(await page.locator(".resume-item progress").getAttribute("value"));
    await pick("input[name=resume-file]", lastModified);
    await page.waitForFunction(() => /^#\/jobs\/[0-9a-f-]{36}$/.test(document.documentElement.dataset.rendered || ""),
                               null, { timeout: 60000 });
    const id = page.url().split("#/jobs/")[1];
    await until(async () => (await page.locator(".progress-box .badge").first().textContent()) === "Completed",
                { timeout: 60000, what: "job completed" });
    const start = await page.evaluate(() => window.__start);
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("quarry-upload:")));
    return { id, size, said, refused, offsetBefore, start, left };
  },
};
