// Browser test driver: one headless Debian chromium (playwright-core), flows
// run on request. tests/e2e/test_web_browser.py starts it and writes one JSON
// line per flow to stdin: {"id", "flow", "args"}; it answers one line each:
// {"id", "ok", "result"} or {"id", "ok": false, "error"}.
//
// Environment: QUARRY_BASE_URL (the stack's https URL), QUARRY_ARTEFACTS
// (screenshots go there), QUARRY_CHROMIUM (default /usr/bin/chromium).
import { createInterface } from "node:readline";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { flows as basic } from "./flows.mjs";
import { flows as more } from "./flows2.mjs";
import { Harness } from "./harness.mjs";

const flows = { ...basic, ...more };
const base = process.env.QUARRY_BASE_URL;
const artefacts = process.env.QUARRY_ARTEFACTS;
mkdirSync(artefacts, { recursive: true });
// launch() gives chromium a fresh --user-data-dir of its own (a temporary
// profile removed at close; playwright refuses one passed in args), and
// every flow gets a new context: no storage, cookies or cache shared.
const browser = await chromium.launch({
  executablePath: process.env.QUARRY_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         // Each new context is a new window, and Chromium made each window's
         // address bar popup (a WebUI page in a renderer of its own, 20-odd
         // chrome:// modules) while the flow's page loaded beside it: on 2
         // cores that took CPU from the page (seen in the first load's trace).
         "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup"],
});

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
out({ ready: true, version: browser.version() });

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line);
  if (msg.flow === "quit") break;
  const h = new Harness(browser, base, artefacts, msg.flow);
  const started = Date.now();
  try {
    const fn = flows[msg.flow];
    if (!fn) throw new Error("no flow " + msg.flow);
    const result = await fn(h, msg.args || {});
    h.assertClean();
    out({ id: msg.id, ok: true, result: { ...(result || {}), axe: h.axeRuns, ms: Date.now() - started } });
  } catch (err) {
    const shot = await h.failureShot();
    out({ id: msg.id, ok: false, error: String(err && err.stack || err), problems: h.problems, shot });
  } finally {
    await h.close();
  }
}
await browser.close();
