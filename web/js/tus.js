// Resumable uploads (tus 1.0 at /api/v1/uploads): how the page sends every
// file. It goes in chunks, each with the upload bar moving; a lost
// connection resumes at the offset the server has (HEAD), and an upload
// outlives a reload: its URL stays in localStorage under the file's name,
// size and date (and its job) until it completes.
import { apiBase, send, session } from "./api.js";

const CHUNK = 8 * 1024 * 1024;
const WAITS = [500, 1000, 2000, 4000, 8000, 15000];
const TUS = { "Tus-Resumable": "1.0.0" };

const keyOf = (file, jobId) => `quarry-upload:${jobId || "file"}:${file.name}:${file.size}:${file.lastModified}`;
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
  let url = localStorage.getItem(key);
  let offset = url ? await offsetOf(url).catch(() => null) : null;
  if (offset === null) {
    const metadata = [`filename ${b64(file.name)}`].concat(jobId ? [`job_id ${b64(jobId)}`] : []);
    const created = await send("POST", apiBase + "/uploads", null, { auth: true, signal,
      headers: { ...TUS, "Upload-Length": String(file.size), "Upload-Metadata": metadata.join(",") } });
    url = created.header("Location");
    offset = 0;
    localStorage.setItem(key, url);
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
