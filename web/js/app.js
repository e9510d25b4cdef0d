// The page's shell: a hash router that loads one ES module per page, the
// navigation, the session (sign-in, sign-out, a lost session keeps the
// user's place) and the message region. Pages export render(ctx).
import { api, session, setUser, signOut } from "./api.js";
import { t } from "./strings.js";
import { flash, flashError, h } from "./ui.js";
// The two first pages are imported with the shell (index.html preloads them,
// so no round trip more): the first route draws in the task that draws the
// header, one layout; a dynamic import resolves a task later, and the page
// was laid out twice. Every other page loads when its route is taken.
import * as signinPage from "./pages/signin.js";
import * as jobsPage from "./pages/jobs.js";

// [pattern, loader (a module or the promise of one), options]. A new page is one more line here (and one in NAV).
const ROUTES = [
  ["/signin", () => signinPage, { public: true }],
  ["/register", () => signinPage, { public: true }],
  ["/jobs", () => jobsPage],
  ["/jobs/new", () => import("./pages/newjob.js")],
  ["/jobs/:id", () => import("./pages/job.js")],
  ["/files", () => import("./pages/files.js")],
  ["/files/:id", () => import("./pages/file.js")],
  ["/clients", () => import("./pages/clients.js")],
  ["/clients/:krn", () => import("./pages/client.js")],
  ["/clients/:krn/service-accounts", () => import("./pages/serviceaccounts.js"), { admin: true }],
  ["/pipelines", () => import("./pages/pipelines.js")],
  ["/pipelines/new", () => import("./pages/newpipeline.js")],
  ["/pipelines/:id", () => import("./pages/pipeline.js")],
  ["/datasets", () => import("./pages/datasets.js")],
  ["/datasets/:id", () => import("./pages/dataset.js")],
  ["/sql", () => import("./pages/sql.js")],
  ["/webhooks", () => import("./pages/webhooks.js")],
  ["/admin", () => import("./pages/admin.js"), { admin: true }],
];
const NAV = [
  ["#/jobs", "navJobs", "/jobs"],
  ["#/jobs/new", "navNewJob", "/jobs/new"],
  ["#/files", "navFiles", "/files"],
  ["#/pipelines", "navPipelines", "/pipelines"],
  ["#/datasets", "navDatasets", "/datasets"],
  ["#/sql", "navSql", "/sql"],
  ["#/clients", "navClients", "/clients"],
  ["#/webhooks", "navWebhooks", "/webhooks"],
  ["#/admin", "navAdmin", "/admin", { admin: true }],
];
const HOME = "#/jobs";
const RETURN_KEY = "quarry-return";

function parse(hash) {
  const raw = hash.startsWith("#/") ? hash.slice(1) : "/jobs";
  const [path, qs] = raw.split("?");
  const query = Object.fromEntries(new URLSearchParams(qs || ""));
  for (const [pattern, load, opts = {}] of ROUTES) {
    const names = [];
    const re = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return "([^/]+)"; }) + "$");
    const m = path.match(re);
    if (m) {
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      return { path, pattern, load, opts, params, query };
    }
  }
  return { path, pattern: null, params: {}, query };
}

// Everything a page starts (timers, requests) ends with its scope.
function newScope() {
  const ctl = new AbortController();
  const timers = new Set();
  return {
    signal: ctl.signal,
    get alive() { return !ctl.signal.aborted; },
    // every(fn, ms): runs fn again ms after each run ends, until the page goes.
    every(fn, ms) {
      const tick = async () => {
        timers.delete(id);
        if (ctl.signal.aborted) return;
        try { await fn(); } catch (err) { if (err.name !== "AbortError") flashError(err); }
        if (!ctl.signal.aborted) { id = setTimeout(tick, ms); timers.add(id); }
      };
      let id = setTimeout(tick, ms);
      timers.add(id);
    },
    dispose() { ctl.abort(); timers.forEach(clearTimeout); timers.clear(); },
  };
}

let scope = null;
let rendering = 0;

export function go(hash, { replace = false } = {}) {
  if (location.hash === hash) { route(); return; }
  if (replace) { history.replaceState(null, "", hash); route(); } else location.hash = hash;
}

function renderNav(current) {
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("navLabel"));
  nav.hidden = !session.token;
  const items = NAV.filter(([, , , o = {}]) => !o.admin || session.user?.is_superuser);
  nav.replaceChildren(h("ul", {}, items.map(([href, key, path]) =>
    h("li", {}, h("a", { href, text: t(key), "aria-current": current === path ? "page" : false })))));
  document.getElementById("who").textContent = session.user ? t("signedInAs", { email: session.user.email }) : "";
  const so = document.getElementById("signout");
  so.textContent = t("signOut");
  so.hidden = !session.token;
}

async function loadUser() {
  if (!session.token || session.user) return;
  setUser((await api("GET", "/users/me")).data);
}

// A user kept from an earlier load of this tab is read again once, after
// the first page is drawn (not before: one round trip less on a reload);
// one read since (a sign-in's, loadUser's) is enough.
function recheckUser() {
  if (session.userRead || !session.token) return;
  session.userRead = true;
  const before = JSON.stringify(session.user);
  api("GET", "/users/me").then((r) => {
    if (JSON.stringify(r.data) === before) return;
    setUser(r.data);
    route();
  }, () => { /* a 401 ends the session (api.js); anything else waits for the next load */ });
}

async function route() {
  const mine = ++rendering;
  scope?.dispose();
  scope = newScope();
  const r = parse(location.hash);
  const main = document.getElementById("main");
  if (!r.pattern) {
    renderNav(null);
    main.replaceChildren(h("h1", { tabindex: "-1", text: t("notFoundTitle") }),
                         h("p", { text: t("notFoundText") }), h("p", {}, h("a", { href: HOME, text: t("goJobs") })));
    main.querySelector("h1").focus();
    document.documentElement.dataset.rendered = location.hash;
    return;
  }
  if (!r.opts.public && !session.token) {
    go("#/signin", { replace: true });
    return;
  }
  if (r.opts.public && session.token) { go(HOME, { replace: true }); return; }
  // The page's module loads while the user is read: one round trip, not two.
  const loading = Promise.resolve(r.load());
  loading.catch(() => {});
  try {
    await loadUser();
  } catch (err) {
    if (mine === rendering) flashError(err);
    return;
  }
  if (mine !== rendering) return;
  renderNav(r.pattern === "/jobs/:id" ? null : r.path);
  if (r.opts.admin && !session.user?.is_superuser) {
    main.replaceChildren(h("h1", { tabindex: "-1", text: t("adminTitle") }), h("p", { text: t("adminOnly") }));
    main.querySelector("h1").focus();
    document.documentElement.dataset.rendered = location.hash;
    return;
  }
  main.setAttribute("aria-busy", "true");
  try {
    const mod = await loading;
    if (mine !== rendering) return;
    const ctx = { main, params: r.params, query: r.query, path: r.path, scope, go, user: session.user,
                  returnTo: () => takeReturn(), hash: location.hash };
    main.replaceChildren();
    await mod.render(ctx);
  } catch (err) {
    if (err.name !== "AbortError" && mine === rendering) flashError(err);
  } finally {
    main.removeAttribute("aria-busy");
  }
  if (mine !== rendering) return;
  document.title = (main.querySelector("h1")?.textContent || "") + " · " + t("appName");
  // Focus the page's heading, so that keyboard and screen reader users start there.
  main.querySelector("h1")?.focus();
  document.documentElement.dataset.ready = "1";
  document.documentElement.dataset.rendered = location.hash;
  if (!performance.getEntriesByName("quarry-ready").length) performance.mark("quarry-ready");
  recheckUser();
}

// The place to come back to after a new sign-in, and whose place it was.
function keepPlace(user) {
  if (!location.hash.startsWith("#/signin") && !location.hash.startsWith("#/register"))
    sessionStorage.setItem(RETURN_KEY, JSON.stringify({ hash: location.hash, user }));
}
function takeReturn() {
  const raw = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  try {
    const r = JSON.parse(raw);
    // Only the same person gets the old place back; anyone else starts fresh.
    if (r && r.user && session.user && r.user === session.user.id) return r.hash;
  } catch { /* no place kept */ }
  return HOME;
}

session.onChange(() => renderNav(parse(location.hash).path));

session.onExpired = (err, user) => {
  keepPlace(user);
  scope?.dispose();
  flash(t(err.code === "TOKEN_EXPIRED" ? "sessionExpired" : "sessionInvalid"), "warn");
  go("#/signin", { replace: true });
};

function init() {
  document.title = t("appName");
  const skip = document.getElementById("skip");
  skip.textContent = t("skip");
  skip.addEventListener("click", (e) => { e.preventDefault(); document.getElementById("main").focus(); });
  document.getElementById("brand").textContent = t("appName");
  document.getElementById("signout").addEventListener("click", () => {
    sessionStorage.removeItem(RETURN_KEY);
    signOut();
    flash(t("signedOut"));
    go("#/signin");
  });
  window.addEventListener("hashchange", route);
  route();
}

init();
