// What every browser flow shares: a fresh context per page, console and CSP
// problems collected, axe-core on every page, screenshots as artefacts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export class Harness {
  constructor(browser, base, artefacts, flow) {
    this.browser = browser;
    this.base = base.replace(/\/$/, "");
    this.artefacts = artefacts;
    this.flow = flow;
    this.contexts = [];
    this.pages = [];
    this.problems = [];
    this.axeRuns = [];
  }

  // A page in a new context (no cookies, storage or cache shared), signed in
  // when token is given (sessionStorage set before the page's scripts run;
  // with user too, as a sign-in in this tab leaves it).
  // before(page), when given, runs before the navigation (a trace's start).
  async open({ token, user, width = 1280, height = 900, hash = "#/jobs", wait = true, before = null } = {}) {
    const ctx = await this.browser.newContext({ ignoreHTTPSErrors: true, viewport: { width, height },
                                                acceptDownloads: true });
    this.contexts.push(ctx);
    if (token) await ctx.addInitScript(([t, u]) => {
      if (!sessionStorage.getItem("quarry-seeded")) {
        sessionStorage.setItem("quarry-token", t);
        if (u) sessionStorage.setItem("quarry-user", JSON.stringify(u));
        sessionStorage.setItem("quarry-seeded", "1");
      }
    }, [token, user || null]);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20000);
    this.watch(page);
    this.pages.push(page);
    if (before) await before(page);
    await page.goto(this.base + "/" + hash);
    if (wait) await this.rendered(page);
    return page;
  }

  watch(page) {
    page.on("console", (m) => {
      if (m.type() !== "error" && m.type() !== "warning") return;
      const text = m.text();
      // A 4xx the flow provokes (a 401, a 422) is logged by Chromium; the
      // page handles it. Anything else (an exception, a CSP refusal) counts.
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
      this.problems.push(`${m.type()}: ${text}`);
    });
    page.on("pageerror", (e) => this.problems.push("pageerror: " + e.message));
  }

  // Waits until the router has rendered a hash starting with prefix.
  async rendered(page, prefix = "") {
    await page.waitForFunction((p) => {
      const r = document.documentElement.dataset.rendered;
      return r !== undefined && r.startsWith(p) && !document.querySelector("main[aria-busy]");
    }, prefix);
  }

  async go(page, hash) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await this.rendered(page, hash);
  }

  // axe-core in the page (evaluate runs outside the page's CSP); serious or
  // critical violations fail the flow.
  async axe(page, label) {
    if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE + "\n;0");
    const res = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
    });
    const bad = res.filter((v) => v.impact === "serious" || v.impact === "critical");
    this.axeRuns.push({ page: label, violations: res.length, serious: bad.length });
    if (bad.length) throw new Error(`axe on ${label}: ` + JSON.stringify(bad));
    return res;
  }

  async shot(page, name) {
    const w = page.viewportSize().width;
    const path = join(this.artefacts, `${name}-${w <= 400 ? "mobile" : "desktop"}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  // No horizontal overflow: the document is no wider than the viewport.
  async noOverflow(page, label) {
    const { sw, vw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, vw: innerWidth }));
    if (sw > vw) throw new Error(`${label}: page is ${sw} px wide in a ${vw} px viewport`);
    return sw;
  }

  // axe, overflow at narrow widths, a screenshot.
  async check(page, name) {
    await this.axe(page, name);
    if (page.viewportSize().width <= 400) await this.noOverflow(page, name);
    await this.shot(page, name);
  }

  async text(page, selector) {
    return (await page.locator(selector).first().textContent()).trim();
  }

  assertClean() {
    if (this.problems.length) throw new Error("console: " + this.problems.join(" | "));
  }

  async failureShot() {
    const page = this.pages[this.pages.length - 1];
    if (!page || page.isClosed()) return null;
    try { return await this.shot(page, "FAILED-" + this.flow); } catch { return null; }
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
  }
}

export async function until(fn, { timeout = 20000, interval = 100, what = "condition" } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export function assert(cond, msg) {
  if (!cond) throw new Error("assertion failed: " + msg);
}
