// Resumable uploads (tus 1.0 at /api/v1/uploads): how the page sends every
// file. It goes in chunks, each with the upload bar moving; a lost
// connection resumes at the offset the server has (HEAD), and an upload
// outlives a reload: its URL stays in localStorage under the file's name,
// size and date (and its job) until it completes, with the file's identity
// beside it, so that a page loaded later can list the unfinished uploads
// and ask for the same file again (pending(), sameFile()).
import { apiBase, send, session } from "./api.js";

const CHUNK = 8 * 1024 * 1024;

// True once the page is going away (a reload, a closed tab): the requests
// it cuts are not the user's Stop, and the upload stays to be resumed.
let leaving = false;
addEventListener("beforeunload", () => { leaving = true; });
addEventListener("pagehide", () => { leaving = true; });
addEventListener("pageshow", () => { leaving = false; });
export const pageLeaving = () => leaving;
const WAITS = [500, 1000, 2000, 4000, 8000, 15000];
const TUS = { "Tus-Resumable": "1.0.0" };

const PREFIX = "quarry-upload:";
const keyOf = (file, jobId) => `${PREFIX}${jobId || "file"}:${file.name}:${file.size}:${file.lastModified}`;
// What is kept: {url, name, size, lastModified, jobId}.
function kept(key) {
  const raw = localStorage.getItem(key);
  if (!raw) return null;
  try { return JSON.parse(raw); } catch { return null; }
}

// The unfinished uploads kept by this browser: [{key, url, name, size, lastModified, jobId}].
export function pending() {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    const k = key.startsWith(PREFIX) ? kept(key) : null;
    if (k && k.url) out.push({ key, ...k });
  }
  return out;
}

// Whether file is the one an unfinished upload was sending.
export const sameFile = (up, file) => file.name === up.name && file.size === up.size && file.lastModified === up.lastModified;

// Drops an unfinished upload: the server's copy (DELETE) and the kept URL.
export async function forget(up) {
  localStorage.removeItem(up.key);
  await fetch(up.url, { method: "DELETE", headers: auth(), cache: "no-store" }).catch(() => null);
}

export const forgetFile = (file, jobId) => localStorage.removeItem(keyOf(file, jobId));

// The offset the server has for an unfinished upload, or null when it is gone.
export const serverOffset = (up) => offsetOf(up.url).catch(() => null);
const b64 = (text) => btoa(Array.from(new TextEncoder().encode(text), (c) => String.fromCharCode(c)).join(""));
const auth = () => ({ ...TUS, Authorization: "Bearer " + session.token });

// The upload's offset on the server, or null when it is gone.
async function offsetOf(url) {
  const res = await fetch(url, { method: "HEAD", headers: auth(), cache: "no-store" });
  return res.ok ? Number(res.headers.get("Upload-Offset")) : null;
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(new DOMException("aborted", "AbortError")); }, { once: true });
  });
}

// Sends file, for the job jobId or as a new file; onProgress(done, total) in
// bytes. Resolves {fileId, jobId}: what the upload became.
export async function tusUpload(file, { jobId = null, onProgress = () => {}, signal } = {}) {
  const key = keyOf(file, jobId);
  let url = kept(key)?.url || null;
  let offset = url ? await offsetOf(url).catch(() => null) : null;
  if (offset === null) {
    const metadata = [`filename ${b64(file.name)}`].concat(jobId ? [`job_id ${b64(jobId)}`] : []);
    const created = await send("POST", apiBase + "/uploads", null, { auth: true, signal,
      headers: { ...TUS, "Upload-Length": String(file.size), "Upload-Metadata": metadata.join(",") } });
    url = created.header("Location");
    offset = 0;
    localStorage.setItem(key, JSON.stringify({ url, name: file.name, size: file.size,
                                               lastModified: file.lastModified, jobId }));
  }
  onProgress(offset, file.size);
  let last = null, tries = 0;
  while (offset < file.size) {
    const start = offset, end = Math.min(offset + CHUNK, file.size);
    try {
      last = await send("PATCH", url, file.slice(start, end), { auth: true, signal,
        headers: { ...TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(start) },
        onProgress: (done, total) => onProgress(start + (end - start) * done / total, file.size) });
      offset = Number(last.header("Upload-Offset"));
      tries = 0;
    } catch (err) {
      // A refusal is final; a lost connection or a busy server is not.
      const lost = err.status === 0 || err.status === 409 || err.status >= 500;
      if (err.name === "AbortError" || !lost || tries === WAITS.length) {
        if (err.name !== "AbortError" && !lost) localStorage.removeItem(key);
        throw err;
      }
      await wait(WAITS[tries++], signal);
      const now = await offsetOf(url).catch(() => null);
      if (now !== null) offset = now;
    }
  }
  localStorage.removeItem(key);
  if (last) return { fileId: last.header("Quarry-File-Id"), jobId: last.header("Quarry-Job-Id") || jobId };
  // Complete already (before a reload): the upload says what it became.
  const info = await (await fetch(url, { headers: auth(), cache: "no-store" })).json();
  return { fileId: info.file_id, jobId: info.job_id || jobId };
}
