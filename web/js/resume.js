// Unfinished uploads after a reload (or a closed tab): each is listed with
// how far the server has it, the user picks the same file again, and the
// upload continues from the server's offset (tus.js). forJobs: uploads of
// new jobs (the new-job page); else uploads of new files (the files page).
import { api } from "./api.js";
import { forget, pending, sameFile, serverOffset, tusUpload } from "./tus.js";
import { t } from "./strings.js";
import { bytes, flash, flashError, h, progress, setProgress, uid } from "./ui.js";

async function stillOpen(up, signal) {
  const offset = await serverOffset(up);
  if (offset === null) return null;
  if (up.jobId) {
    try {
      const job = (await api("GET", `/jobs/${up.jobId}`, { signal })).data;
      if (job.status !== "PENDING") return null;
    } catch (err) { if (err.name === "AbortError") throw err; return null; }
  }
  return offset;
}

// → a section (empty when nothing is unfinished); done(result) after a resumed upload.
export async function resumeSection(ctx, { forJobs, done }) {
  const signal = ctx.scope.signal;
  const ups = pending().filter((u) => Boolean(u.jobId) === forJobs);
  const offsets = await Promise.all(ups.map((u) => stillOpen(u, signal)));
  const open = [];
  ups.forEach((u, i) => { if (offsets[i] === null) localStorage.removeItem(u.key); else open.push({ ...u, offset: offsets[i] }); });
  const box = h("section", { class: "panel resume", "aria-labelledby": "resume-h", hidden: !open.length },
    h("h2", { id: "resume-h", text: t("resumeTitle") }));
  for (const up of open) {
    const input = h("input", { type: "file", name: "resume-file", id: uid("resume") });
    const note = h("p", { class: "field-error", id: input.id + "-err", hidden: true });
    input.setAttribute("aria-describedby", note.id);
    const meter = progress(100 * up.offset / up.size, t("uploadProgress", { name: up.name }),
                           t("uploadBytes", { done: bytes(up.offset), total: bytes(up.size) }));
    const item = h("div", { class: "resume-item" },
      h("p", { class: "resume-text", text: t("resumeText", { name: up.name, done: bytes(up.offset), total: bytes(up.size) }) }),
      meter,
      h("div", { class: "field" }, h("label", { for: input.id, text: t("resumePick", { name: up.name }) }), input, note),
      h("div", { class: "actions" }, h("button", { type: "button", text: t("resumeDiscard", { name: up.name }), onclick: async () => {
        await forget(up);
        if (up.jobId) await api("POST", `/jobs/${up.jobId}/cancel`, { json: {} }).catch(() => null);
        item.remove();
        flash(t("resumeDiscarded", { name: up.name }));
        if (!box.querySelector(".resume-item")) box.hidden = true;
      } })));
    input.addEventListener("change", async () => {
      const f = input.files[0];
      if (!f) return;
      note.hidden = true;
      if (!sameFile(up, f)) {
        note.hidden = false;
        note.textContent = t("resumeNotSame", { name: up.name });
        input.setAttribute("aria-invalid", "true");
        input.value = "";
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      input.disabled = true;
      try {
        const r = await tusUpload(f, { jobId: up.jobId, signal, onProgress: (d, total) =>
          setProgress(meter, total ? 100 * d / total : 100, t("uploadBytes", { done: bytes(d), total: bytes(f.size) })) });
        flash(t("resumeDone", { name: f.name }));
        await done(r);
      } catch (err) { flashError(err); input.disabled = false; }
    });
    box.append(item);
  }
  return box;
}
