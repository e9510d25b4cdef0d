// A client's service accounts (#/clients/{krn}/service-accounts, superusers
// only): the accounts, oldest first; a new one (its secret shown once, under
// the form); revoking one after a confirmation.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { busy, clearFieldErrors, confirmAction, dl, field, flash, flashError, h, heading, pager, showFieldError,
         table, timeEl } from "../ui.js";

const LIMIT = 50;

export async function render(ctx) {
  const krn = ctx.params.krn;
  const base = `/clients/${encodeURIComponent(krn)}/service-accounts`;
  const here = `#/clients/${encodeURIComponent(krn)}/service-accounts`;
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const signal = ctx.scope.signal;
  const name = h("input", { type: "text", name: "name", required: true, maxlength: "255", autocomplete: "off",
                            dataset: { field: "name" } });
  const form = h("form", { class: "stack narrow" }, field(t("saName"), name, { hint: t("saNameHint") }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("saCreateButton") })));
  const secretBox = h("div", { tabindex: "-1" });
  const listBox = h("div", { class: "list", tabindex: "-1" });

  const load = async () => {
    const page = await list(base, { skip, limit: LIMIT, signal });
    listBox.replaceChildren(
      table({ caption: t("saCaption", { krn }), rows: page.items, empty: t("saEmpty"), className: "sa-table", columns: [
        { label: t("saName"), cell: (a) => a.name },
        { label: t("saClientId"), cell: (a) => h("code", { text: a.client_id }) },
        { label: t("colCreated"), cell: (a) => timeEl(a.created_at) },
        { label: t("saState"), cell: (a) => (a.revoked_at
          ? h("span", {}, t("saRevokedAt"), " ", timeEl(a.revoked_at)) : t("saActive")) },
        { label: t("actions"), className: "actions-col", cell: (a) => (a.revoked_at ? t("none") : revokeControl(a)) },
      ] }),
      pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => ctx.go(here + (s ? "?skip=" + s : "")) }));
  };

  // Revoke asks first, in place (ui.js confirmAction).
  const revokeControl = (a) => confirmAction({
    label: t("saRevoke", { name: a.name }), question: t("saRevokeConfirm", { name: a.name }), yes: t("saRevokeYes"),
    act: async () => {
      await api("POST", `${base}/${encodeURIComponent(a.id)}/revoke`, { signal, json: {} });
      flash(t("saRevoked", { name: a.name }));
      await load();
      listBox.focus();
    } });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t("submitting"), async () => {
      try {
        const a = (await api("POST", base, { signal, json: { name: name.value.trim() } })).data;
        flash(t("saCreated", { name: a.name }));
        form.reset();
        secretBox.replaceChildren(h("div", { class: "panel" },
          h("p", { text: t("saSecret", { name: a.name }) }),
          dl([[t("saClientId"), h("code", { class: "client-id", text: a.client_id })],
              [t("saClientSecret"), h("code", { class: "secret", text: a.client_secret })]])));
        await load();
        secretBox.focus();
      } catch (err) {
        if (showFieldError(form, err)) flash(t("fixFields"), "error"); else flashError(err);
      }
    });
  });

  ctx.main.append(
    h("div", { class: "title-row" }, heading(t("saTitle", { krn })), h("a", { class: "button", href: "#/clients", text: t("navClients") })),
    h("section", { class: "panel", "aria-labelledby": "sa-h" }, h("h2", { id: "sa-h", text: t("saCreate") }), form),
    secretBox, listBox);
  await load();
}
