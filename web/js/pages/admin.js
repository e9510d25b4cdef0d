// Administration (#/admin, superusers only): create clients; the chosen
// client's members (listed, added with a role, their role changed in
// place, removed after a confirmation) and a link to its service accounts.
import { api, list } from "../api.js";
import { t } from "../strings.js";
import { busy, clearFieldErrors, confirmAction, field, flash, flashError, h, heading, pager, select, showFieldError, table,
         timeEl } from "../ui.js";

const LIMIT = 20;
// The roles the selector offers; a role is any name (the API takes
// [A-Za-z0-9._-]{1,32}), so a member's other role is offered beside them.
const ROLES = ["member", "analyst", "admin", "owner"];

export async function render(ctx) {
  const signal = ctx.scope.signal;
  let chosen = null, skip = 0;
  const krn = h("input", { type: "text", name: "krn", required: true, autocomplete: "off", dataset: { field: "krn" },
                           placeholder: t("krnExample") });
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off", dataset: { field: "name" } });
  const create = h("form", { class: "stack narrow" }, field(t("krn"), krn), field(t("clientName"), name),
                   h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("createClientButton") })));
  const memberBox = h("div");
  const addedBox = h("div", { class: "list", tabindex: "-1" });

  const drawMembers = async (focusClient) => {
    const clients = (await list("/clients", { limit: 1000, signal })).items;
    if (!clients.length) { memberBox.replaceChildren(h("p", { class: "muted", text: t("noClients") })); return; }
    const which = select("client", clients.map((c) => [c.krn, `${c.name} (${c.krn})`]), focusClient || clients[0].krn);
    const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off", dataset: { field: "email" } });
    const role = h("input", { type: "text", name: "role", autocomplete: "off", value: "member", dataset: { field: "role" } });
    const form = h("form", { class: "stack narrow" }, field(t("memberClient"), which), field(t("memberEmail"), email),
                   field(t("memberRole"), role),
                   h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("addMemberButton") })));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      await busy(form, t("submitting"), async () => {
        try {
          const r = (await api("POST", `/clients/${encodeURIComponent(which.value)}/members`, { signal,
            json: { email: email.value.trim(), role: role.value.trim() || undefined } })).data;
          flash(t("memberAdded", { email: r.email, krn: r.krn, role: r.role }));
          email.value = "";
          await drawList();
          email.focus();
        } catch (err) { if (!showFieldError(form, err)) flashError(err); }
      });
    });
    // The chosen client's service accounts are one link away.
    const saLink = h("a");
    const linkTo = () => {
      const c = clients.find((x) => x.krn === which.value);
      chosen = c;
      skip = 0;
      drawList().catch(flashError);
      saLink.href = "#/clients/" + encodeURIComponent(c.krn) + "/service-accounts";
      saLink.textContent = t("serviceAccountsOf", { name: c.name });
    };
    which.addEventListener("change", linkTo);
    linkTo();
    memberBox.replaceChildren(form, h("p", {}, saLink));
  };
  // The chosen client's members, oldest first, each removable.
  const drawList = async () => {
    if (!chosen) { addedBox.replaceChildren(); return; }
    const c = chosen;
    const base = `/clients/${encodeURIComponent(c.krn)}/members`;
    const page = await list(base, { skip, limit: LIMIT, signal });
    if (c !== chosen) return;
    addedBox.replaceChildren(
      table({ caption: t("membersOf", { name: c.name }), rows: page.items, empty: t("membersEmpty"), className: "members-table", columns: [
        { label: t("memberEmail"), cell: (m) => m.email },
        { label: t("memberRole"), cell: (m) => roleSelect(c, base, m) },
        { label: t("memberSince"), cell: (m) => timeEl(m.created_at) },
        { label: t("actions"), className: "actions-col", cell: (m) => confirmAction({
          label: t("memberRemove", { email: m.email, name: c.name }),
          question: t("memberRemoveConfirm", { email: m.email, name: c.name }), yes: t("memberRemoveYes"),
          act: async () => {
            await api("DELETE", `${base}/${m.user_id}`, { signal });
            flash(t("memberRemoved", { email: m.email, name: c.name }));
            await drawList();
            addedBox.focus();
          } }) },
      ] }),
      pager({ skip, limit: LIMIT, total: page.total, label: t("membersOf", { name: c.name }),
              onPage: (s) => { skip = s; drawList().catch(flashError); } }));
  };

  // A member's role, changed as soon as another is chosen (PATCH); a refusal
  // puts the old one back.
  const roleSelect = (c, base, m) => {
    const roles = ROLES.includes(m.role) ? ROLES : [...ROLES, m.role];
    const sel = select("role", roles.map((r) => [r, r]), m.role);
    sel.setAttribute("aria-label", t("memberRoleOf", { email: m.email }));
    let now = m.role;
    sel.addEventListener("change", async () => {
      sel.disabled = true;
      try {
        const r = (await api("PATCH", `${base}/${m.user_id}`, { signal, json: { role: sel.value } })).data;
        now = r.role;
        flash(t("memberRoleChanged", { email: r.email, name: c.name, role: r.role }));
      } catch (err) {
        sel.value = now;
        flashError(err);
      } finally {
        sel.disabled = false;
        sel.focus();
      }
    });
    return sel;
  };

  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(create);
    await busy(create, t("submitting"), async () => {
      try {
        const c = (await api("POST", "/clients", { signal, json: { krn: krn.value.trim(), name: name.value.trim() } })).data;
        flash(t("clientCreated", { krn: c.krn }));
        create.reset();
        await drawMembers(c.krn);
      } catch (err) { if (!showFieldError(create, err)) flashError(err); }
    });
  });

  ctx.main.append(heading(t("adminTitle")),
    h("section", { class: "panel", "aria-labelledby": "create-h" }, h("h2", { id: "create-h", text: t("createClient") }), create),
    h("section", { class: "panel", "aria-labelledby": "member-h" }, h("h2", { id: "member-h", text: t("addMember") }), memberBox,
      h("h3", { text: t("membersTitle") }), addedBox));
  await drawMembers();
}
