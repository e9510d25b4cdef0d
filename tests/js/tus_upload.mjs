// Uploads a file to Quarry with tus-js-client (resumable, tus 1.0), as a
// browser or a Node program would. Used by tests/e2e/test_uploads.py.
// Usage: node tus_upload.mjs ENDPOINT TOKEN FILE [JOB_ID] [CHUNK_BYTES]
//   ENDPOINT  e.g. https://localhost:8443/api/v1/uploads/ (or a proxy in front of it)
//   Trust the stack's certificate with NODE_EXTRA_CA_CERTS=<home>/tls/cert.pem.
// Prints {"url", "fileId", "jobId", "retries", "bytes", "ms"}: retries counts
// the times a lost connection made it resume (tus-js-client's onShouldRetry).
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Upload } from "tus-js-client";

const [endpoint, token, file, jobId, chunk] = process.argv.slice(2);
const size = statSync(file).size;
const started = Date.now();
let retries = 0;
let last = null;

const metadata = { filename: basename(file) };
if (jobId) metadata.job_id = jobId;

await new Promise((resolve, reject) => {
  const upload = new Upload(createReadStream(file), {
    endpoint,
    uploadSize: size,
    chunkSize: Number(chunk || 8 * 1024 * 1024),
    metadata,
    headers: { Authorization: `Bearer ${token}` },
    retryDelays: [0, 200, 500, 1000, 2000, 3000, 5000],
    onShouldRetry: (err) => {
      retries++;
      const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
      return status === 0 || status >= 500 || status === 409 || status === 423;
    },
    onAfterResponse: (req, res) => { last = res; },
    onError: reject,
    onSuccess: resolve,
  });
  upload.start();
  globalThis.__upload = upload;
});

const url = globalThis.__upload.url;
console.log(JSON.stringify({
  url,
  fileId: last && last.getHeader("Quarry-File-Id") || null,
  jobId: last && last.getHeader("Quarry-Job-Id") || null,
  retries,
  bytes: size,
  ms: Date.now() - started,
}));
