// The one way the page talks to Quarry's API: the bearer token, the error
// shape, lists with paging, uploads with progress, and what a 401 means.
import { t } from "./strings.js";

const BASE = "/api/v1";
const TOKEN_KEY = "quarry-token";
const USER_KEY = "quarry-user";

export class ApiError extends Error {
  constructor(status, code, message, field, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.requestId = requestId || null;
  }
}

// The session: the token lives in sessionStorage (one tab, gone with it),
// with the user /users/me answered (kept beside it so that a reload renders
// at once; the router reads it again after the page is drawn). Listeners
// hear every change.
function keptUser() {
  try { return sessionStorage.getItem(TOKEN_KEY) ? JSON.parse(sessionStorage.getItem(USER_KEY)) : null; } catch { return null; }
}
const listeners = new Set();
export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  user: keptUser(),
  onChange(fn) { listeners.add(fn); },
  // Set by the router: called once per lost session (401 with a token).
  onExpired: null,
  // The user was read from /users/me in this page's life (not only kept).
  userRead: false,
};

// The user read again (an administrator's rights may have changed).
export function setUser(user) {
  session.user = user;
  session.userRead = true;
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  listeners.forEach((fn) => fn());
}

export function signIn(token, user) {
  session.token = token;
  session.user = user || null;
  session.userRead = false;
  sessionStorage.setItem(TOKEN_KEY, token);
  if (user) sessionStorage.setItem(USER_KEY, JSON.stringify(user)); else sessionStorage.removeItem(USER_KEY);
  listeners.forEach((fn) => fn());
}

// Forgets everything about the user: token, user, and whatever listeners keep.
export function signOut() {
  session.token = null;
  session.user = null;
  session.userRead = false;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  listeners.forEach((fn) => fn());
}

// The user a token names (its "sub"), without verifying it: only used to
// give a place back to the same person after a new sign-in.
export function tokenSubject(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).sub || null;
  } catch { return null; }
}

function lost(err) {
  const had = session.token;
  signOut();
  if (had && session.onExpired) session.onExpired(err, tokenSubject(had));
}

async function parse(res) {
  const type = res.headers.get("Content-Type") || "";
  if (!type.includes("json")) return null;
  try { return await res.json(); } catch { return null; }
}

function errorOf(status, data, requestId) {
  const e = data && data.error;
  if (e && e.code) return new ApiError(status, e.code, e.message || e.code, e.field, requestId);
  return new ApiError(status, "HTTP_" + status, t("serverError", { status }), null, requestId);
}

// The answer early.js asked for while the modules loaded: taken once, by
// the same request with the same token.
function early(method, url, headers) {
  const e = window.quarryEarly;
  if (!e || !e.answer || method !== "GET" || url !== e.url || headers.Authorization !== "Bearer " + e.token)
    return null;
  const answer = e.answer;
  e.answer = null;
  return answer;
}

// api(method, path, {json, form, query, headers, signal}) →
//   {status, data, etag, total}; throws ApiError (status 0: the network).
export async function api(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (session.token) headers.Authorization = "Bearer " + session.token;
  let body;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    body = new URLSearchParams(opts.form);
  }
  let url = BASE + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query))
      if (v !== undefined && v !== null && v !== "") q.set(k, v);
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const sent = session.token;
  let res;
  try {
    const ask = () => fetch(url, { method, headers, body, signal: opts.signal, cache: "no-store" });
    const head = early(method, url, headers);
    res = head ? await head.catch(ask) : await ask();
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", t("networkError"));
  }
  const rid = res.headers.get("X-Request-Id");
  if (res.status === 304) return { status: 304, data: null, etag: res.headers.get("ETag") };
  const data = await parse(res);
  if (!res.ok) {
    const err = errorOf(res.status, data, rid);
    // A 401 for the token we sent ends the session (not one for a login).
    if (res.status === 401 && sent && sent === session.token) lost(err);
    throw err;
  }
  const total = res.headers.get("X-Total-Count");
  return { status: res.status, data, etag: res.headers.get("ETag"),
           total: total === null ? null : Number(total), link: res.headers.get("Link") };
}

// The cursor of a Link: <…after=CURSOR>; rel="next" header, or null.
function nextCursor(link) {
  const m = link && /<[^>]*[?&]after=([^&>]+)[^>]*>\s*;\s*rel="next"/.exec(link);
  return m ? decodeURIComponent(m[1]) : null;
}

// Cursors seen, by list and where the page they continue to starts: a page
// reached by «Next» is asked for after the cursor the page before it gave
// (its cost stays that of a first page; skip's grows with the depth). A
// page never reached that way (a reload deep in a list) falls back to skip.
const cursors = new Map();
const CURSORS_KEPT = 200;

// One page of a list: {items, total, skip, limit}. itemsKey names the array of
// an envelope answer ({jobs: […], total}, the pipelines' shape); none: a bare array.
export async function list(path, { skip = 0, limit = 20, query = {}, signal, itemsKey } = {}) {
  const kept = Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== "");
  const key = path + "?" + new URLSearchParams([...kept, ["limit", limit]]).toString();
  const after = skip > 0 ? cursors.get(key + "#" + skip) : undefined;
  const r = await api("GET", path, { query: after ? { ...query, limit, after } : { ...query, skip, limit }, signal });
  const body = itemsKey ? r.data?.[itemsKey] : r.data;
  const items = Array.isArray(body) ? body : [];
  const next = nextCursor(r.link);
  if (next) {
    if (cursors.size >= CURSORS_KEPT) cursors.delete(cursors.keys().next().value);
    cursors.set(key + "#" + (skip + items.length), next);
  }
  return { items, total: r.total ?? (itemsKey ? r.data?.total : null) ?? items.length, skip, limit };
}

// send(method, url, body, {onProgress, auth, signal, headers}): XMLHttpRequest,
// the one browser API that reports upload progress. Resolves {status, data,
// header(name)}.
export function send(method, url, body, { onProgress, auth = false, signal, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    if (auth && session.token) xhr.setRequestHeader("Authorization", "Bearer " + session.token);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    const sent = session.token;
    if (onProgress) {
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) onProgress(e.loaded, e.total);
      });
    }
    xhr.addEventListener("load", () => {
      let data = null;
      if ((xhr.getResponseHeader("Content-Type") || "").includes("json")) {
        try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1, 1);
        resolve({ status: xhr.status, data, header: (name) => xhr.getResponseHeader(name) });
        return;
      }
      const err = errorOf(xhr.status, data, xhr.getResponseHeader("X-Request-Id"));
      if (xhr.status === 401 && auth && sent && sent === session.token) lost(err);
      reject(err);
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "NETWORK", t("networkError"))));
    xhr.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    if (signal) {
      if (signal.aborted) { reject(new DOMException("aborted", "AbortError")); return; }
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(body);
  });
}

export const apiBase = BASE;
