// The API reference page (/docs) in a real browser: Debian's chromium through
// playwright-core. It loads Swagger UI from the vendored copy under the
// site's strict Content-Security-Policy, reads /api/v1/openapi.json and
// renders every operation. Prints {"operations", "title", "problems"}:
// problems are console errors and warnings (a CSP refusal among them) and
// page errors. Used by tests/e2e/test_openapi.py.
// Usage: node docs_page.mjs BASE_URL [SCREENSHOT.png]
import { chromium } from "playwright-core";

const [base, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.QUARRY_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
const outside = [];
try {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
  // Nothing may leave the site (no CDN, no outside validator).
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:")) outside.push(r.url()); });
  const resp = await page.goto(base.replace(/\/$/, "") + "/docs/");
  const csp = resp.headers()["content-security-policy"] || "";
  await page.waitForSelector(".opblock", { timeout: 30000 });
  const operations = await page.locator(".opblock").count();
  const title = (await page.locator(".info .title").first().textContent()).trim();
  // Open one operation: its parameters and answers render too.
  await page.locator(".opblock-summary").first().click();
  await page.waitForSelector(".responses-wrapper");
  if (shot) await page.screenshot({ path: shot, fullPage: false });
  console.log(JSON.stringify({ operations, title, csp, problems, outside }));
} finally {
  await browser.close();
}
