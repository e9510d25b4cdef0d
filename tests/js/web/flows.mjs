// The browser flows, one per pytest test (tests/e2e/test_web_browser.py
// prepares the data through the API and passes what a flow needs in args).
import { readFileSync } from "node:fs";
import { assert, until } from "./harness.mjs";

const MOBILE = { width: 390, height: 844 };

async function statusOf(page) {
  return page.locator(".progress-box .badge").first().textContent();
}

export const flows = {
  // Sign in, register, sign out, a lost session keeping the user's place,
  // and nothing of one user left for the next (defect 2).
  async auth(h, { email, password, newEmail, thirdEmail, expiredToken, shortToken }) {
    const page = await h.open({ hash: "#/jobs" });
    assert(page.url().endsWith("#/signin"), "signed out users land on sign-in: " + page.url());
    await h.check(page, "signin");
    // A wrong password: an error in view at the top, the password emptied.
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", "wrong-password-1");
    await page.click("button[type=submit]");
    await page.waitForSelector(".flash-error");
    assert(await page.inputValue("input[name=password]") === "", "password emptied after a failure");
    const box = await page.locator("#flash").boundingBox();
    assert(box && box.y < 200, "message at the top of the page: " + JSON.stringify(box));
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await h.rendered(page, "#/jobs");
    assert(await page.evaluate(() => document.activeElement.tagName) === "H1", "focus on the page heading after sign-in");
    assert((await h.text(page, "#who")).includes(email), "who shows the user");
    // The place is kept across an expired token: reload with it.
    await h.go(page, "#/jobs?status=FAILED");
    await page.evaluate((t) => sessionStorage.setItem("quarry-token", t), expiredToken);
    await page.reload();
    await h.rendered(page, "#/signin");
    assert((await h.text(page, "#flash")).includes("expired"), "expiry is said");
    assert(await page.inputValue("input[name=email]") === "", "no email kept");
    assert(await page.inputValue("input[name=password]") === "", "no password kept");
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await h.rendered(page, "#/jobs?status=FAILED");
    assert((await page.inputValue("select[name=status]")) === "FAILED", "back at the same place");
    // A bad token met while polling: back to sign-in, said, and a second
    // person registering in this tab sees nothing of the first.
    // (shortToken expires a few seconds from now; the list polls for the
    // user's PENDING job, and meets the 401.)
    await page.evaluate((t) => sessionStorage.setItem("quarry-token", t), shortToken);
    await h.go(page, "#/jobs");
    await page.reload();
    await h.rendered(page, "#/jobs");
    await page.waitForFunction(() => document.documentElement.dataset.rendered === "#/signin", null, { timeout: 40000 });
    assert((await h.text(page, "#flash")).includes("expired"), "session loss while polling is said");
    await page.click("a[href='#/register']");
    await h.rendered(page, "#/register");
    assert(await page.inputValue("input[name=email]") === "", "register form empty");
    await h.check(page, "register");
    await page.fill("input[name=email]", newEmail);
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await h.rendered(page, "#/jobs");
    assert((await h.text(page, "#who")).includes(newEmail), "the new user is signed in");
    assert(await page.locator("table.grid tbody tr").count() === 0, "the new user sees no job of the first");
    assert(!page.url().includes("status=FAILED"), "another user does not get the first user's place");
    // Sign out: back to sign-in, token gone.
    await page.click("#signout");
    await h.rendered(page, "#/signin");
    assert(await page.evaluate(() => sessionStorage.getItem("quarry-token")) === null, "token forgotten");
    assert(await page.locator("#signout").isHidden(), "no sign-out button when signed out");
    // Register at 390 px too.
    const m = await h.open({ hash: "#/register", ...MOBILE });
    await h.check(m, "register");
    await m.fill("input[name=email]", thirdEmail);
    await m.fill("input[name=password]", password);
    await m.click("button[type=submit]");
    await h.rendered(m, "#/jobs");
    return {};
  },

  // New job: a step, an upload with its progress bar (throttled so it is
  // seen moving), a double click making one job, the form reset.
  async upload(h, { token, csv, name }) {
    const page = await h.open({ token, hash: "#/jobs/new" });
    await h.check(page, "new-job");
    await page.setInputFiles("input[name=file]", { name, mimeType: "text/csv", buffer: Buffer.from(csv, "base64") });
    await page.click("text=Add a step");
    await page.fill("input[data-field='processing_steps[0].params.column']", "city");
    await page.selectOption("select[data-field='processing_steps[0].params.operator']", "eq");
    await page.fill("input[data-field='processing_steps[0].params.value']", "city3");
    await page.selectOption("select[name=output_format]", "jsonl");
    await h.check(page, "new-job-step");
    // Record every value the upload bar takes.
    await page.evaluate(() => {
      window.__seen = [];
      new MutationObserver(() => {
        const p = document.querySelector(".upload-status progress");
        if (p) window.__seen.push(Number(p.value));
      }).observe(document.querySelector("main"), { subtree: true, childList: true, attributes: true, characterData: true });
      setInterval(() => { const p = document.querySelector(".upload-status progress"); if (p) window.__seen.push(Number(p.value)); }, 20);
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0,
      downloadThroughput: -1, uploadThroughput: 1.5 * 1024 * 1024 });
    await page.dblclick("button[type=submit]");
    assert(await page.locator("button[type=submit]").isDisabled(), "submit disabled while working");
    await page.waitForSelector(".upload-status progress");
    await h.shot(page, "upload-progress");
    await h.rendered(page, "#/jobs/");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const seen = await page.evaluate(() => window.__seen);
    const mid = seen.filter((v) => v > 0 && v < 100);
    assert(mid.length >= 2, "the upload bar moved: " + JSON.stringify(seen.slice(0, 50)));
    await until(async () => (await statusOf(page)) === "Completed", { timeout: 60000, what: "job completed" });
    const rows = await h.text(page, ".progress-box p:nth-of-type(2)");
    const id = page.url().split("#/jobs/")[1];
    await h.check(page, "job");
    await h.go(page, "#/jobs/new");
    assert(await page.inputValue("input[name=file]") === "", "form reset");
    return { id, rows, seen: mid.length };
  },

  // Live progress of a throttled job on its page and in the list, after a
  // reload too (defect 1), then cancel from the job's page.
  async watch(h, { token, id }) {
    const page = await h.open({ token, hash: "#/jobs/" + id });
    await until(async () => (await statusOf(page)) === "Running", { timeout: 30000, what: "running" });
    const first = await page.locator(".progress-box progress").getAttribute("value");
    await until(async () => Number(await page.locator(".progress-box progress").getAttribute("value")) > Number(first),
                { timeout: 30000, what: "progress moving" });
    await h.check(page, "job-running");
    // The list follows it too, after a reload.
    await h.go(page, "#/jobs");
    await page.reload();
    await h.rendered(page, "#/jobs");
    const row = page.locator("tbody tr", { hasText: "watch.csv" });
    const v1 = Number(await row.locator("progress").getAttribute("value"));
    await until(async () => Number(await row.locator("progress").getAttribute("value")) > v1,
                { timeout: 30000, what: "list row moving after a reload" });
    await h.check(page, "jobs");
    const m = await h.open({ token, hash: "#/jobs", ...MOBILE });
    await h.check(m, "jobs");
    await m.close();
    return { first: Number(first), v1 };
  },

  async cancel(h, { token, id, name }) {
    const page = await h.open({ token, hash: "#/jobs/" + id });
    await until(async () => (await statusOf(page)) === "Running", { timeout: 30000, what: "running" });
    await page.click(`button:has-text("Cancel ${name}")`);
    await until(async () => (await statusOf(page)) === "Cancelled", { timeout: 30000, what: "cancelled" });
    assert(await page.locator(".progress-box progress").count() === 0, "no progress bar on a cancelled job");
    assert(await page.locator(`button:has-text("Download")`).count() === 0, "no download");
    await h.shot(page, "job-cancelled");
    // A PENDING job (its upload never came) can be cancelled from the list.
    return {};
  },

  async pending(h, { token, name }) {
    const page = await h.open({ token, hash: "#/jobs?status=PENDING" });
    const btn = page.locator(`button:has-text("Cancel ${name}")`);
    await btn.click();
    await until(async () => (await page.locator("tbody tr", { hasText: name }).count()) === 0,
                { what: "the pending job gone from the PENDING list" });
    return {};
  },

  // Download from the job page: the bytes the browser saves are the output.
  async download(h, { token, id, name }) {
    const page = await h.open({ token, hash: "#/jobs/" + id });
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click(`button:has-text("Download ${name}")`)]);
    const path = await dl.path();
    return { name: dl.suggestedFilename(), bytes: readFileSync(path).toString("base64") };
  },

  // Line errors: paging and the severity filter; the FAILED job shows no bar.
  async errors(h, { token, id, failedId, total, warnings }) {
    const page = await h.open({ token, hash: "#/jobs/" + id });
    const status = () => h.text(page, ".errors .pager-status");
    assert(await status() === `1–20 of ${total}`, "first page: " + await status());
    assert(await page.locator(".errors-table tbody tr").count() === 20, "20 rows");
    await h.check(page, "job-errors");
    await page.click(".errors button:has-text('Next page')");
    await until(async () => (await status()) === `21–40 of ${total}`, { what: "second page" });
    const firstLine = await page.locator(".errors-table tbody tr td").first().textContent();
    assert(Number(firstLine.replace(/,/g, "")) > 20, "second page starts later: " + firstLine);
    await page.selectOption(".errors select[name=severity]", "warning");
    await until(async () => (await status()) === `1–${Math.min(20, warnings)} of ${warnings}`, { what: "warnings only" });
    const sevs = await page.locator(".errors-table tbody td:nth-child(3)").allTextContents();
    assert(sevs.length > 0 && sevs.every((s) => s.trim() === "Warning"), "only warnings: " + sevs);
    const m = await h.open({ token, hash: "#/jobs/" + id, ...MOBILE });
    await h.check(m, "job-errors");
    // Defect 5: a FAILED run that read nothing shows its reason, not a bar.
    await h.go(page, "#/jobs/" + failedId);
    assert(await statusOf(page) === "Failed", "failed");
    assert(await page.locator(".progress-box progress").count() === 0, "no bar on a failed job");
    assert((await h.text(page, ".error-text")).includes("does not exist"), "the reason is shown");
    await h.check(page, "job-failed");
    return {};
  },

  // Files: drag and drop a file, its page with the schema table, process it.
  async files(h, { token, csv, name, name2 }) {
    const page = await h.open({ token, hash: "#/files" });
    await h.check(page, "files");
    await page.evaluate(({ b64, n }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], n, { type: "text/csv" }));
      const zone = document.getElementById("dropzone");
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, { b64: csv, n: name });
    await h.rendered(page, "#/files/");
    await page.waitForSelector(".schema-table tbody tr");
    const schema = await page.locator(".schema-table tbody tr").evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent.trim())));
    await h.check(page, "file");
    const m = await h.open({ token, hash: "#" + page.url().split("#")[1], ...MOBILE });
    await h.check(m, "file");
    // Pin it: the button turns to Unpin and the file says it is kept.
    const pinnedId = page.url().split("#/files/")[1];
    await page.click("button:text-is('Pin')");
    await page.waitForSelector("button:text-is('Unpin')");
    const kept = (await page.locator("dd:has(button:text-is('Unpin'))").textContent()).trim();
    // Process it with a cast step; the job page follows.
    await page.click("text=Add a step");
    await page.selectOption("select[data-field='processing_steps[0].type']", "cast");
    await page.fill("input[data-field='processing_steps[0].params.column']", "no_such_column_x");
    await page.click("button:has-text('Process')");
    await h.rendered(page, "#/jobs/");
    // The input element path of a second upload: the file input.
    await h.go(page, "#/files");
    await page.setInputFiles("#dropzone input[type=file]", { name: name2, mimeType: "text/csv", buffer: Buffer.from(csv, "base64") });
    await h.rendered(page, "#/files/");
    await h.go(page, "#/files");
    const listed = await page.locator("tbody tr td:first-child").allTextContents();
    await h.check(page, "files");
    const mf = await h.open({ token, hash: "#/files", ...MOBILE });
    await h.check(mf, "files");
    return { schema, listed, pinnedId, kept };
  },

  // A 422 from the engine's validation lands on the step's field.
  async stepError(h, { token, name }) {
    const page = await h.open({ token, hash: "#/jobs/new" });
    await page.setInputFiles("input[name=file]", { name, mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") });
    await page.click("text=Add a step");
    await page.click("text=Add a step");
    await page.selectOption("select[data-field='processing_steps[1].type']", "validate");
    await page.fill("input[data-field='processing_steps[0].params.column']", "a");
    await page.fill("input[data-field='processing_steps[0].params.value']", "1");
    await page.fill("input[data-field='processing_steps[1].params.column']", "b");
    await page.selectOption("select[data-field='processing_steps[1].params.rule']", "regex");
    // an unbalanced group: only the engine can tell (422 on processing_steps[1].params.value)
    await page.fill("input[data-field='processing_steps[1].params.value']", "(ab");
    await page.click("button[type=submit]");
    const ctl = page.locator("[data-field='processing_steps[1].params.value']");
    await until(async () => (await ctl.getAttribute("aria-invalid")) === "true", { what: "field marked invalid" });
    const msgId = (await ctl.getAttribute("aria-describedby")).split(" ").pop();
    const msg = await page.locator("#" + msgId).textContent();
    assert(msg.length > 0, "the message is shown at the field");
    assert(await page.evaluate(() => document.activeElement.dataset.field) === "processing_steps[1].params.value", "focus on the field");
    await h.check(page, "new-job-invalid");
    return { message: msg };
  },

  // A client's progress page refreshing while a worker posts.
  async progress(h, { token, workerToken, krn }) {
    const page = await h.open({ token, hash: "#/clients" });
    await h.check(page, "clients");
    await page.click(`a[href='#/clients/${encodeURIComponent(krn)}']`);
    await h.rendered(page, "#/clients/");
    const api = (body) => page.context().request.post(`${h.base}/api/v1/clients/${encodeURIComponent(krn)}/progress`,
      { headers: { Authorization: "Bearer " + workerToken }, data: body });
    let r = await api({ filename: "leads.csv", counts: { done: 10, warn: 1, failed: 2 }, total: 100,
                        errors: [{ line: 7, message: "bad phone" }], warnings: ["short name"] });
    assert(r.status() === 201, "first post " + r.status());
    const row = page.locator("tbody tr", { hasText: "leads.csv" });
    await until(async () => (await row.count()) === 1, { what: "the record appears without a reload" });
    await until(async () => (await row.locator("td").nth(2).textContent()).trim() === "10 / 1 / 2", { what: "counts" });
    r = await api({ filename: "leads.csv", counts: { done: 40, warn: 0, failed: 0 } });
    assert(r.status() === 200, "second post " + r.status());
    await until(async () => (await row.locator("td").nth(2).textContent()).trim() === "50 / 1 / 2", { what: "counts added" });
    await until(async () => (await row.locator("progress").getAttribute("value")) === "53", { what: "completion 53 %" });
    await h.check(page, "client-progress");
    r = await api({ filename: "leads.csv", counts: { done: 47 }, isLast: true });
    await until(async () => (await row.locator("td").nth(4).textContent()).includes("Completed"), { what: "completed" });
    await row.locator("button").click();
    await page.waitForSelector("#record-h");
    const details = await h.text(page, "section.panel");
    assert(details.includes("bad phone") && details.includes("short name"), "errors and warnings shown: " + details);
    await h.check(page, "client-record");
    const m = await h.open({ token, hash: "#/clients/" + encodeURIComponent(krn), ...MOBILE });
    await h.check(m, "client-progress");
    return {};
  },

  // New job with a sort step: two keys (a third added, then removed), the
  // job run; the test reads the output's order.
  async sortJob(h, { token, csv, name }) {
    const page = await h.open({ token, hash: "#/jobs/new" });
    await page.setInputFiles("input[name=file]", { name, mimeType: "text/csv", buffer: Buffer.from(csv, "base64") });
    await page.click("text=Add a step");
    await page.selectOption("select[data-field='processing_steps[0].type']", "sort");
    const key = (i, f) => `[data-field='processing_steps[0].params.columns[${i}].${f}']`;
    assert(await page.locator("button[aria-label='Remove sort key 1']").isDisabled(), "the one key cannot be removed");
    await page.fill(key(0, "column"), "amount");
    await page.selectOption(key(0, "order"), "desc");
    await page.selectOption(key(0, "nulls"), "first");
    await page.click("text=Add a sort key");
    assert(await page.evaluate(() => document.activeElement.dataset.field) === "processing_steps[0].params.columns[1].column",
           "focus on the new key");
    await page.fill(key(1, "column"), "city");
    await page.click("text=Add a sort key");
    await page.fill(key(2, "column"), "nothing");
    await page.click("button[aria-label='Remove sort key 3']");
    assert(await page.locator(key(2, "column")).count() === 0, "the third key removed");
    assert(await page.inputValue(key(0, "column")) === "amount" && await page.inputValue(key(1, "column")) === "city",
           "the other keys kept");
    await page.selectOption("select[name=output_format]", "jsonl");
    await h.check(page, "new-job-sort");
    await page.click("button[type=submit]");
    await page.waitForFunction(() => /^#\/jobs\/[0-9a-f-]{36}$/.test(document.documentElement.dataset.rendered || ""));
    await until(async () => (await statusOf(page)) === "Completed", { timeout: 60000, what: "job completed" });
    return { id: page.url().split("#/jobs/")[1] };
  },

  // A client's service accounts, from the clients list: one created (its
  // secret shown once), listed, revoked after a confirmation.
  async serviceAccounts(h, { adminToken, krn, clientName, accountName }) {
    const page = await h.open({ token: adminToken, hash: "#/clients" });
    await page.click(`a[aria-label='Service accounts of ${clientName}']`);
    await h.rendered(page, "#/clients/" + encodeURIComponent(krn) + "/service-accounts");
    assert((await h.text(page, "main")).includes("No service account yet"), "empty list said");
    await h.check(page, "service-accounts-empty");
    await page.fill("input[name=name]", accountName);
    await page.click("button:has-text('Create service account')");
    await page.waitForSelector("code.secret");
    const secret = await h.text(page, "code.secret");
    const clientId = await h.text(page, "code.client-id");
    assert(await page.inputValue("input[name=name]") === "", "the form emptied");
    const row = page.locator("tbody tr", { hasText: accountName });
    // The secret shows at once; the list is read again after it.
    await until(async () => (await row.count()) === 1, { what: "account listed" });
    const listed = (await row.locator("td").allTextContents()).map((s) => s.trim());
    await h.check(page, "service-accounts-created");
    const m = await h.open({ token: adminToken, hash: "#/clients/" + encodeURIComponent(krn) + "/service-accounts", ...MOBILE });
    await h.check(m, "service-accounts");
    await page.click(`button:has-text('Revoke ${accountName}')`);
    await page.click("button:has-text('Revoke for good')");
    await until(async () => (await row.locator("td").nth(3).textContent()).includes("Revoked"), { what: "revoked" });
    assert(await row.locator("button").count() === 0, "no revoke button on a revoked account");
    await h.check(page, "service-accounts");
    return { secret, clientId, listed };
  },

  // Admin: create a client and add a member; a non-admin sees no admin page.
  async admin(h, { adminToken, userToken, memberEmail, otherEmail, krn }) {
    const page = await h.open({ token: adminToken, hash: "#/admin" });
    await h.check(page, "admin");
    await page.fill("input[name=krn]", "not a krn");
    await page.fill("input[name=name]", "Acme web");
    await page.click("button:has-text('Create client')");
    await until(async () => (await page.locator("input[name=krn]").getAttribute("aria-invalid")) === "true", { what: "krn refused at its field" });
    await page.fill("input[name=krn]", krn);
    await page.click("button:has-text('Create client')");
    await until(async () => (await h.text(page, "#flash")).includes(krn), { what: "client created" });
    await page.selectOption("select[name=client]", krn);
    await page.fill("input[name=email]", memberEmail);
    await page.fill("input[name=role]", "analyst");
    await page.click("button:has-text('Add member')");
    await until(async () => (await page.locator("table.grid tbody tr", { hasText: memberEmail }).count()) === 1, { what: "member listed" });
    // The member's role changed in place (PATCH): the row's selector keeps
    // it, and a fresh load of the page lists it.
    const roleOf = `.members-table select[aria-label='Role of ${memberEmail}']`;
    assert(await page.inputValue(roleOf) === "analyst", "the role as added");
    await page.selectOption(roleOf, "admin");
    await until(async () => (await h.text(page, "#flash")).includes(`${memberEmail} is now admin`), { what: "role changed" });
    assert(await page.inputValue(roleOf) === "admin" && !(await page.isDisabled(roleOf)), "the selector shows the new role");
    const again = await h.open({ token: adminToken, hash: "#/admin" });
    // The admin may own other clients (the stack is shared): this one is chosen again.
    await until(async () => (await again.locator(`select[name=client] option[value='${krn}']`).count()) === 1, { what: "client listed again" });
    await again.selectOption("select[name=client]", krn);
    await until(async () => (await again.locator(roleOf).count()) === 1, { what: "members listed again" });
    const roleAfterReload = await again.inputValue(roleOf);
    // A second member, removed after a confirmation; the first stays.
    await page.fill("input[name=email]", otherEmail);
    await page.click("button:has-text('Add member')");
    const other = page.locator(".members-table tbody tr", { hasText: otherEmail });
    await until(async () => (await other.count()) === 1, { what: "second member listed" });
    await h.check(page, "admin");
    await page.click(`button:has-text('Remove ${otherEmail} from Acme web')`);
    await page.click(".confirm button:has-text('Remove')");
    await until(async () => (await other.count()) === 0, { what: "second member removed" });
    const members = (await page.locator(".members-table tbody tr td:first-child").allTextContents()).map((s) => s.trim());
    const m = await h.open({ token: adminToken, hash: "#/admin", ...MOBILE });
    await h.check(m, "admin");
    await h.go(page, "#/clients");
    assert(await page.locator("tbody tr", { hasText: krn }).count() === 1, "admin sees the client");
    const u = await h.open({ token: userToken, hash: "#/admin" });
    assert(await u.locator("nav a[href='#/admin']").count() === 0, "no admin link for users");
    assert((await h.text(u, "main")).includes("administrators"), "admins only");
    await h.go(u, "#/clients");
    assert(await u.locator("tbody tr", { hasText: krn }).count() === 1, "the member sees the client");
    return { members, roleAfterReload };
  },

  // Pipelines, datasets, SQL and webhooks: define a pipeline on an uploaded
  // file, run it and see the run listed; deactivate it; the datasets list;
  // SQL results and a refused query; subscribe a webhook and delete it.
  async pipelines(h, { token, fileName, name, name2, name3, dataset, copy, sourceId, table, hookUrl }) {
    const page = await h.open({ token, hash: "#/pipelines" });
    assert((await h.text(page, "main")).includes("No pipeline yet"), "empty list said");
    await h.check(page, "pipelines-empty");
    await page.click("main a:has-text('New pipeline')");
    await h.rendered(page, "#/pipelines/new");
    await h.check(page, "new-pipeline");
    await page.fill("input[name=job_name]", name);
    await page.selectOption("select[name=source_file]", { label: fileName });
    await page.selectOption("select[name=output_format]", "jsonl");
    await page.click("button:has-text('Create pipeline')");
    await page.waitForFunction(() => /^#\/pipelines\/[0-9a-f-]{36}$/.test(document.documentElement.dataset.rendered || "")
      && !document.querySelector("main[aria-busy]"));
    const id = page.url().split("#/pipelines/")[1];
    assert(await page.evaluate(() => document.activeElement.tagName) === "H1", "focus on the pipeline's heading");
    assert((await h.text(page, "h1")) === "Pipeline " + name, "heading names the pipeline");
    assert(await page.locator(`dl.facts a:has-text('${fileName}')`).count() === 1, "the input file by its name");
    assert(!(await h.text(page, "main")).includes("null"), "nothing shown as null");
    assert((await h.text(page, ".runs-table + .empty, .list .empty")).includes("No run yet"), "no run yet");
    await h.check(page, "pipeline");
    // Run now: the run appears and follows its status without a reload.
    await page.click("button:has-text('Run now')");
    const runs = page.locator(".runs-table tbody tr");
    await until(async () => (await runs.count()) === 1, { what: "the run listed" });
    await until(async () => (await runs.first().locator(".badge").textContent()).trim() === "Succeeded",
                { timeout: 60000, what: "the run succeeded" });
    const run = (await runs.first().locator("td").allTextContents()).map((s) => s.trim());
    assert(await page.evaluate(() => document.activeElement.textContent) === "Run now", "focus back on Run now");
    await until(async () => (await h.text(page, "dl.facts")).includes("100 %"), { what: "the success rate read again" });
    await h.check(page, "pipeline-run");
    // Deactivate, from the keyboard: focus stays on the (renamed) button.
    await page.locator(`button:text-is('Deactivate ${name}')`).focus();
    await page.keyboard.press("Enter");
    await until(async () => (await page.locator(`button:text-is('Activate ${name}')`).count()) === 1, { what: "inactive" });
    const focused = await page.evaluate(() => document.activeElement.tagName + ":" + document.activeElement.textContent);
    assert(focused === `BUTTON:Activate ${name}`, "focus on the toggle: " + focused);
    const m = await h.open({ token, hash: "#/pipelines/" + id, ...MOBILE });
    await h.check(m, "pipeline");
    // The list: name, type, active, last run.
    await page.click("nav a[href='#/pipelines']");
    await h.rendered(page, "#/pipelines");
    const listed = (await page.locator("tbody tr", { hasText: name }).locator("td").allTextContents()).map((s) => s.trim());
    await h.check(page, "pipelines");
    await h.go(m, "#/pipelines");
    await h.check(m, "pipelines");
    await h.go(m, "#/datasets");
    await h.check(m, "datasets");
    // Datasets, then SQL from the dataset's link.
    await page.click("nav a[href='#/datasets']");
    await h.rendered(page, "#/datasets");
    const ds = (await page.locator("tbody tr", { hasText: dataset }).locator("td").allTextContents()).map((s) => s.trim());
    await h.check(page, "datasets");
    await page.click(`a:has-text('Query ${dataset}')`);
    await h.rendered(page, "#/sql");
    const prefilled = await page.inputValue("textarea[name=sql]");
    await h.check(page, "sql");
    const runSql = async (sql) => {
      await page.fill("textarea[name=sql]", sql);
      await page.click("main button[type=submit]");
      await until(async () => !(await page.locator("main button[type=submit]").isDisabled()), { what: "query answered" });
    };
    const cells = () => page.locator(".sql-table tbody tr").evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent.trim())));
    const heads = () => page.locator(".sql-table thead th").allTextContents();
    await runSql("SELECT 1");
    const one = { heads: await heads(), rows: await cells() };
    await runSql(`SELECT COUNT(*) AS n, 'x' AS label FROM ${dataset}`);
    const count = { heads: await heads(), rows: await cells(), status: await h.text(page, ".sql-result [role=status]") };
    await h.check(page, "sql-result");
    // A refused query: the page's error style, at the query, which gets focus.
    await runSql("SELECT * FROM no_such_table_here");
    const ta = page.locator("textarea[name=sql]");
    await until(async () => (await ta.getAttribute("aria-invalid")) === "true", { what: "the query marked invalid" });
    const error = await h.text(page, ".sql-result .error-text");
    assert(await page.evaluate(() => document.activeElement.name) === "sql", "focus on the query");
    assert(await page.locator(".sql-table").count() === 0, "no stale result under an error");
    await h.check(page, "sql-error");
    await h.go(m, "#/sql?q=" + encodeURIComponent("SELECT 1 AS a, 'two' AS b, NULL AS c"));
    await m.click("main button[type=submit]");
    await m.waitForSelector(".sql-table tbody tr");
    await h.check(m, "sql-result");
    // Webhooks: subscribe (the secret shown once), listed, deleted after a confirmation.
    await page.click("nav a[href='#/webhooks']");
    await h.rendered(page, "#/webhooks");
    await h.check(page, "webhooks");
    await page.fill("input[name=url]", hookUrl);
    await page.check("input[value='execution.failed']");
    await page.click("button:has-text('Subscribe')");
    await page.waitForSelector("code.secret");
    const secret = await h.text(page, "code.secret");
    assert(await page.inputValue("input[name=url]") === "" && await page.isChecked("input[value='job.completed']")
           && !(await page.isChecked("input[value='execution.failed']")), "the form back to its defaults");
    const hook = (await page.locator("tbody tr", { hasText: hookUrl }).locator("td").allTextContents()).map((s) => s.trim());
    await h.check(page, "webhooks-created");
    await h.go(m, "#/webhooks");
    await h.check(m, "webhooks");
    await page.click(`button:has-text('Delete the subscription of ${hookUrl}')`);
    await page.click("button:has-text('Delete for good')");
    await until(async () => (await page.locator("tbody tr", { hasText: hookUrl }).count()) === 0, { what: "the subscription gone" });
    // A second pipeline: a dataset in, a dataset out, overwritten.
    await h.go(page, "#/pipelines/new");
    await page.fill("input[name=job_name]", name2);
    await page.selectOption("select[name=source_type]", "DATASET");
    await page.selectOption("select[name=source_dataset]", { label: dataset });
    await page.selectOption("select[name=destination_type]", "dataset");
    assert(await page.locator("select[name=output_format]").isHidden(), "no file format for a dataset");
    await page.fill("input[name=destination_dataset]", copy);
    await page.selectOption("select[name=write_mode]", "overwrite");
    await h.check(page, "new-pipeline-dataset");
    await page.click("button:has-text('Create pipeline')");
    await page.waitForFunction(() => /^#\/pipelines\/[0-9a-f-]{36}$/.test(document.documentElement.dataset.rendered || "")
      && !document.querySelector("main[aria-busy]"));
    const id2 = page.url().split("#/pipelines/")[1];
    const facts2 = await h.text(page, "dl.facts");
    assert(facts2.includes(`Dataset ${dataset}`) && facts2.includes(`Dataset ${copy}, Overwrite`), "input and output said: " + facts2);
    await h.check(page, "pipeline-dataset");
    // A third: a table of a stored database source, written to a file.
    await h.go(page, "#/pipelines/new");
    await page.fill("input[name=job_name]", name3);
    await page.selectOption("select[name=source_type]", "DATABASE");
    await page.selectOption("select[name=source_id]", sourceId);
    await page.fill("input[name=source_table]", table);
    await h.check(page, "new-pipeline-database");
    await page.click("button:has-text('Create pipeline')");
    await page.waitForFunction((prev) => /^#\/pipelines\/[0-9a-f-]{36}$/.test(document.documentElement.dataset.rendered || "")
      && !document.documentElement.dataset.rendered.endsWith(prev) && !document.querySelector("main[aria-busy]"), id2);
    const id3 = page.url().split("#/pipelines/")[1];
    const facts3 = await h.text(page, "dl.facts");
    assert(facts3.includes(`Table ${table} of source ${sourceId}`) && facts3.includes("A file (csv)"), "input and output said: " + facts3);
    return { id, id2, id3, run, listed, ds, prefilled, one, count, error, secret, hook };
  },

  // Every page at 390 px: no horizontal overflow (and axe, screenshots).
  async layout(h, { token, jobId, fileId }) {
    const out = {};
    const page = await h.open({ token, hash: "#/jobs", ...MOBILE });
    for (const [hash, name] of [["#/jobs", "jobs"], ["#/jobs/new", "new-job"], ["#/jobs/" + jobId, "job"],
                                ["#/files", "files"], ["#/files/" + fileId, "file"], ["#/clients", "clients"],
                                ["#/pipelines", "pipelines"], ["#/pipelines/new", "new-pipeline"],
                                ["#/datasets", "datasets"], ["#/sql", "sql"], ["#/webhooks", "webhooks"],
                                ["#/nowhere", "not-found"]]) {
      await h.go(page, hash);
      out[name] = await h.noOverflow(page, name);
      await h.axe(page, name + " (390 px)");
    }
    await h.go(page, "#/jobs/new");
    await page.click("text=Add a step");
    for (const type of ["filter", "select", "rename", "transform", "cast", "validate", "dedupe", "sort"]) {
      await page.selectOption("select[data-field='processing_steps[0].type']", type);
      await h.noOverflow(page, "step " + type);
    }
    await page.click("summary");
    await h.noOverflow(page, "read options");
    await h.shot(page, "new-job-open");
    return out;
  },

  // Keyboard only: sign in, then build and submit a job, no mouse.
  async keyboard(h, { email, password, name }) {
    const page = await h.open({ hash: "#/signin" });
    const tabTo = async (pred, what, max = 25) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate(pred)) return;
      }
      throw new Error("Tab never reached " + what);
    };
    await tabTo(() => document.activeElement.name === "email", "email");
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    assert(await page.evaluate(() => document.activeElement.name) === "password", "Tab goes to password");
    await page.keyboard.type(password);
    await page.keyboard.press("Enter");
    await h.rendered(page, "#/jobs");
    // To the new job form through the navigation.
    await tabTo(() => document.activeElement.getAttribute("href") === "#/jobs/new", "new job link");
    await page.keyboard.press("Enter");
    await h.rendered(page, "#/jobs/new");
    await tabTo(() => document.activeElement.type === "file", "file input");
    // Space on the focused file input opens the chooser. On a loaded machine
    // the key can land before Chromium wires the input up; press it again
    // (still on the file input, still no mouse) rather than wait forever.
    let chooser = null;
    for (let i = 0; i < 3 && !chooser; i++) {
      assert(await page.evaluate(() => document.activeElement.type) === "file", "focus stays on the file input");
      [chooser] = await Promise.all([
        page.waitForEvent("filechooser", { timeout: 8000 }).catch(() => null),
        page.keyboard.press("Space"),
      ]);
    }
    assert(chooser, "Space on the file input opens the file chooser");
    await chooser.setFiles({ name, mimeType: "text/csv", buffer: Buffer.from("id,city\n1,Oslo\n2,Rome\n3,Oslo\n") });
    await tabTo(() => document.activeElement.textContent === "Add a step", "add a step");
    await page.keyboard.press("Enter");
    assert(await page.evaluate(() => document.activeElement.dataset.field) === "processing_steps[0].type", "focus on the new step");
    await tabTo(() => document.activeElement.dataset.field === "processing_steps[0].params.column", "column");
    await page.keyboard.type("city");
    await tabTo(() => document.activeElement.dataset.field === "processing_steps[0].params.value", "value");
    await page.keyboard.type("Oslo");
    await page.keyboard.press("Enter");
    await h.rendered(page, "#/jobs/");
    await until(async () => (await statusOf(page)) === "Completed", { timeout: 60000, what: "completed" });
    // The download button is reachable by Tab and named after the file.
    await tabTo(() => document.activeElement.textContent === "Download " + document.querySelector("h1").textContent.replace(/^Job /, ""), "download");
    return { rows: await h.text(page, ".progress-box p:nth-of-type(2)") };
  },

  // The first load: bytes on the wire (gzip) and time until the page is
  // usable. Each page is loaded `runs` times, each in a fresh context
  // (nothing cached); the test takes the median.
  // "jobs" is a signed-in tab's load (its token and user in sessionStorage,
  // as a sign-in leaves them; the user is read again after the first draw).
  async firstLoad(h, { token, user, runs = 1, email, password, trace = false }) {
    // The reference, loaded between the page's loads: the browser navigating
    // to a small JSON answer of the same server (/api/v1/health) in a fresh
    // context: what any first load costs on this machine at this moment.
    const out = { reference: [], signin: [], jobs: [], signInSubmit: [] };
    // With trace, one more load of each page under a Chromium trace (an
    // artefact; tracing slows the load, so its figures are kept apart).
    for (let i = 0; i < runs + (trace ? 1 : 0); i++) {
      const tracing = i === runs;
      if (!tracing) {
        const ctx = await h.browser.newContext({ ignoreHTTPSErrors: true });
        const ref = await ctx.newPage();
        await ref.goto(h.base + "/api/v1/health", { waitUntil: "load" });
        out.reference.push(await ref.evaluate(() => {
          const r = (x) => Math.round(x);
          const nav = performance.getEntriesByType("navigation")[0];
          return { load_ms: r(nav.loadEventEnd), connect_ms: r(nav.connectEnd - nav.connectStart),
                   tls_ms: nav.secureConnectionStart > 0 ? r(nav.connectEnd - nav.secureConnectionStart) : 0,
                   request_at: r(nav.requestStart), ttfb_ms: r(nav.responseStart - nav.requestStart),
                   document_ms: r(nav.responseEnd), protocol: nav.nextHopProtocol };
        }));
        await ctx.close();
      }
      for (const [label, tok, hash] of [["signin", null, "#/signin"], ["jobs", token, "#/jobs"]]) {
        const before = tracing ? (p) => h.browser.startTracing(p, { path: `${h.artefacts}/first-load-trace-${label}.json` }) : null;
        const page = await h.open({ token: tok, user: tok ? user : null, hash, wait: false, before });
        // Waited for inside the page (the ready mark the router sets):
        // playwright's own script (waitForFunction's) is not compiled in
        // the page while it loads, so it takes no time from the load.
        await page.evaluate(() => new Promise((resolve) => {
          const po = new PerformanceObserver((list) => {
            if (list.getEntriesByName("quarry-ready").length) { po.disconnect(); resolve(); }
          });
          po.observe({ type: "mark", buffered: true });
        }));
        if (tracing) {
          await h.browser.stopTracing();
          out[label + "Traced"] = await page.evaluate(firstLoadFigures);
          await page.context().close();
          continue;
        }
        assert(await page.evaluate(() => document.documentElement.dataset.rendered) === hash, "drawn: " + hash);
        out[label].push(await page.evaluate(firstLoadFigures));
        if (label === "signin" && email) {
          // Sign-in itself, apart: from the click to the job list drawn,
          // the server's share (the login call hashes the password) said.
          await page.fill("input[name=email]", email);
          await page.fill("input[name=password]", password);
          const clicked = await page.evaluate(() => performance.now());
          await page.click("button[type=submit]");
          await h.rendered(page, "#/jobs");
          out.signInSubmit.push(await page.evaluate((t0) => {
            const calls = performance.getEntriesByType("resource").filter((r) => r.name.includes("/api/") && r.startTime >= t0);
            const part = (r) => ({ path: new URL(r.name).pathname, server_ms: Math.round(r.responseStart - r.requestStart),
                                   start: Math.round(r.startTime - t0), end: Math.round(r.responseEnd - t0) });
            return { submit_to_drawn_ms: Math.round(performance.now() - t0), calls: calls.map(part) };
          }, clicked));
        }
        await page.context().close();
      }
    }
    return out;
  },
};

// Evaluated in the page once the first route is drawn: what the load
// weighed and what its time went on (Navigation, Resource and Paint Timing).
function firstLoadFigures() {
  const r = (x) => Math.round(x);
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const local = res.filter((x) => !x.name.includes("/api/"));
  const ready = performance.getEntriesByName("quarry-ready")[0];
  const paint = Object.fromEntries(performance.getEntriesByType("paint").map((p) => [p.name, r(p.startTime)]));
  const shellEnd = Math.max(nav.responseEnd, ...local.filter((x) => x.startTime < ready.startTime).map((x) => x.responseEnd));
  return {
    bytes: nav.transferSize + local.reduce((s, x) => s + x.transferSize, 0),
    body_bytes: nav.encodedBodySize + local.reduce((s, x) => s + x.encodedBodySize, 0),
    decoded_bytes: nav.decodedBodySize + local.reduce((s, x) => s + x.decodedBodySize, 0),
    files: local.length + 1,
    api_calls: res.length - local.length,
    // API calls started before the page was interactive.
    api_calls_before: res.filter((x) => x.name.includes("/api/") && x.startTime < ready.startTime).length,
    interactive_ms: r(ready.startTime),
    // The parts: the navigation (connection, TLS, the server), the last
    // file of the shell in, the DOM parsed, first paint, drawn.
    nav: { connect_ms: r(nav.connectEnd - nav.connectStart),
           tls_ms: nav.secureConnectionStart > 0 ? r(nav.connectEnd - nav.secureConnectionStart) : 0,
           request_at: r(nav.requestStart), ttfb_ms: r(nav.responseStart - nav.requestStart),
           document_ms: r(nav.responseEnd), protocol: nav.nextHopProtocol },
    shell_in_ms: r(shellEnd),
    dom_interactive_ms: r(nav.domInteractive),
    dom_content_loaded_ms: r(nav.domContentLoadedEventEnd),
    first_paint_ms: paint["first-paint"] ?? null,
    first_contentful_paint_ms: paint["first-contentful-paint"] ?? null,
    // What the time went on: each request's start and end (ms).
    waterfall: [["document", 0, r(nav.responseEnd)],
                ...res.map((x) => [new URL(x.name).pathname, r(x.startTime), r(x.responseEnd)])],
  };
}
