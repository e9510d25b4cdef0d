// Quarry's web page: sign in, upload a file through a signed URL, watch the
// job (polling with ETags), download the result. Only the public API is used.
"use strict";

const api = "/api/v1";
let token = sessionStorage.getItem("quarry-token");
const etags = new Map();
const jobs = new Map();

function say(text) { document.getElementById("message").textContent = text || ""; }

async function call(method, path, body, headers = {}) {
  const h = { ...headers };
  if (token) h.Authorization = "Bearer " + token;
  if (body !== undefined && !(body instanceof URLSearchParams)) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  const res = await fetch(api + path, { method, headers: h, body });
  if (res.status === 304) return { status: 304 };
  const data = res.headers.get("Content-Type")?.includes("json") ? await res.json() : null;
  if (res.status === 401 && token) { signOut(); }
  if (!res.ok) throw new Error(data?.error?.message || res.statusText);
  return { status: res.status, data, etag: res.headers.get("ETag") };
}

function signOut() {
  token = null;
  sessionStorage.removeItem("quarry-token");
  show();
}

async function show() {
  document.getElementById("auth").hidden = !!token;
  document.getElementById("work").hidden = !token;
  document.getElementById("who").textContent = "";
  if (!token) return;
  const me = await call("GET", "/users/me");
  document.getElementById("who").textContent = me.data.email;
  const list = await call("GET", "/jobs?limit=20");
  list.data.reverse().forEach(render);
}

document.getElementById("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const form = new URLSearchParams(new FormData(e.target));
    const res = await call("POST", "/auth/login", form);
    token = res.data.access_token;
    sessionStorage.setItem("quarry-token", token);
    say("");
    show();
  } catch (err) { say(err.message); }
});

document.getElementById("register").addEventListener("click", async () => {
  const f = document.getElementById("login-form");
  try {
    await call("POST", "/auth/register", { email: f.username.value, password: f.password.value });
    f.requestSubmit();
  } catch (err) { say(err.message); }
});

document.getElementById("job-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const file = f.file.files[0];
  const steps = f.column.value
    ? [{ type: "filter", params: { column: f.column.value, operator: f.operator.value, value: f.value.value } }]
    : [];
  try {
    say("Uploading " + file.name + " …");
    const job = (await call("POST", "/jobs", {
      file_name: file.name, original_file_size_bytes: file.size,
      processing_steps: steps, output_format: f.output_format.value,
    })).data;
    render(job);
    const up = (await call("POST", `/jobs/${job.id}/upload-url`, {})).data;
    const put = await fetch(up.upload_url, { method: "PUT", body: file });
    if (!put.ok) throw new Error("upload refused (" + put.status + ")");
    render((await call("POST", `/jobs/${job.id}/mark-uploaded`, { object_key: up.object_key })).data);
    say("");
    poll(job.id);
  } catch (err) { say(err.message); }
});

async function poll(id) {
  const res = await call("GET", `/jobs/${id}`, undefined,
                         etags.has(id) ? { "If-None-Match": etags.get(id) } : {});
  if (res.status !== 304) { etags.set(id, res.etag); render(res.data); }
  const status = jobs.get(id).status;
  if (["PENDING", "QUEUED", "RUNNING", "CANCELLATION_REQUESTED"].includes(status))
    setTimeout(() => poll(id), 1000);
}

function render(job) {
  jobs.set(job.id, job);
  let row = document.getElementById("job-" + job.id);
  if (!row) {
    row = document.createElement("tr");
    row.id = "job-" + job.id;
    document.querySelector("#jobs tbody").prepend(row);
  }
  const p = job.progress || {};
  row.replaceChildren(
    cell(job.file_name),
    cell(job.status + (job.error_message ? ": " + job.error_message : "")),
    cell(Object.assign(document.createElement("progress"), { max: 100, value: p.percentage || 0 })),
    cell(`${p.processed_records || 0} read, ${p.failed_records || 0} failed`),
    cell(job.status === "COMPLETED" ? download(job) : ""),
  );
}

function cell(content) {
  const td = document.createElement("td");
  td.append(content);
  return td;
}

function download(job) {
  const b = document.createElement("button");
  b.textContent = "Download";
  b.onclick = async () => {
    try { location.href = (await call("POST", `/jobs/${job.id}/download-url`, {})).data.download_url; }
    catch (err) { say(err.message); }
  };
  return b;
}

show().catch((err) => say(err.message));
