// Webhooks (#/webhooks?skip=): the user's subscriptions, subscribing a URL
// to events (the signing secret shown once), deleting one (confirmed).
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { busy, checkbox, clearFieldErrors, confirmAction, field, flash, flashError, h, heading, pager, showFieldError,
         table, timeEl, uid } from "../ui.js";

const LIMIT = 20;
const EVENTS = ["job.completed", "job.failed", "job.cancelled", "execution.succeeded", "execution.failed",
                "progress.completed"];
const evName = (e) => t("ev_" + e.replace(".", "_"));

export async function render(ctx) {
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const signal = ctx.scope.signal;
  const url = h("input", { type: "url", name: "url", required: true, autocomplete: "off", dataset: { field: "url" },
                           placeholder: "https://hooks.example.com/quarry" });
  const description = h("input", { type: "text", name: "description", autocomplete: "off",
                                   dataset: { field: "description" } });
  // defaultChecked: form.reset() after a subscription comes back to these two.
  const boxes = EVENTS.map((e, i) => h("input", { type: "checkbox", name: "events", value: e, defaultChecked: i < 2 }));
  // A 422 naming events or events[i] lands on the first box, tied to the
  // group's message.
  const errId = uid("events") + "-err";
  boxes[0].id = errId.replace(/-err$/, "");
  boxes[0].dataset.fieldPrefix = "events";
  const events = h("fieldset", { "aria-describedby": errId },
    h("legend", { text: t("webhookEvents") }),
    h("div", { class: "grid2" }, boxes.map((b, i) => checkbox(evName(EVENTS[i]), b))),
    h("p", { id: errId, class: "field-error", hidden: true }));
  const form = h("form", { class: "stack" },
    field(t("webhookUrl"), url, { hint: t("webhookUrlHint") }), events,
    field(t("webhookDescription"), description),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("webhookCreateButton") })));
  const secretBox = h("div", { tabindex: "-1" });
  const listBox = h("div", { class: "list", tabindex: "-1" });

  const load = async () => {
    const page = await list("/webhooks", { skip, limit: LIMIT, signal });
    listBox.replaceChildren(
      table({ caption: t("webhooksCaption"), rows: page.items, empty: t("webhooksEmpty"), className: "webhooks-table",
              columns: [
                { label: t("colUrl"), cell: (w) => h("code", { text: w.url }) },
                { label: t("colEvents"), cell: (w) => (w.events || []).map(evName).join(", ") },
                { label: t("colDescription"), cell: (w) => w.description || t("none") },
                { label: t("colCreated"), cell: (w) => timeEl(w.created_at) },
                { label: t("actions"), className: "actions-col", cell: (w) => deleteControl(w) },
              ] }),
      pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => ctx.go("#/webhooks" + (s ? "?skip=" + s : "")) }));
  };

  // Delete asks first, in place (ui.js confirmAction).
  const deleteControl = (w) => confirmAction({
    label: t("webhookDelete", { url: w.url }), question: t("webhookDeleteConfirm", { url: w.url }), yes: t("deleteYes"),
    act: async () => {
      await api("DELETE", `/webhooks/${w.id}`, { signal });
      flash(t("webhookDeleted", { url: w.url }));
      await load();
      listBox.focus();
    } });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t("submitting"), async () => {
      try {
        const body = { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value) };
        if (description.value.trim()) body.description = description.value.trim();
        const w = (await api("POST", "/webhooks", { signal, json: body })).data;
        flash(t("webhookCreated", { url: w.url }));
        form.reset();
        secretBox.replaceChildren(h("div", { class: "panel" },
          h("p", { text: t("webhookSecret", { url: w.url }) }), h("p", {}, h("code", { class: "secret", text: w.secret }))));
        await load();
        secretBox.focus();
      } catch (err) {
        if (showFieldError(form, err)) flash(t("fixFields"), "error"); else flashError(err);
      }
    });
  });

  ctx.main.append(heading(t("webhooksTitle")),
    h("section", { class: "panel", "aria-labelledby": "hook-h" }, h("h2", { id: "hook-h", text: t("webhookCreate") }), form),
    secretBox, listBox);
  await load();
}
