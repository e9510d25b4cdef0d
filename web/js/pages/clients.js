// Clients (#/clients): the clients the user belongs to (every client for an
// administrator), each linking to its progress records (and, for an
// administrator, to its service accounts).
import { list } from "../api.js";
import { t } from "../strings.js";
import { h, heading, pager, table, timeEl } from "../ui.js";

const LIMIT = 50;

export async function render(ctx) {
  const skip = Math.max(0, Number.parseInt(ctx.query.skip, 10) || 0);
  const page = await list("/clients", { skip, limit: LIMIT, signal: ctx.scope.signal });
  const admin = ctx.user?.is_superuser;
  ctx.main.append(
    h("div", { class: "title-row" }, heading(t("clientsTitle")),
      admin ? h("a", { class: "button", href: "#/admin", text: t("navAdmin") }) : null),
    table({ caption: t(admin ? "clientsCaptionAdmin" : "clientsCaption"), rows: page.items, empty: t("clientsEmpty"), columns: [
      { label: t("colClientName"), cell: (c) => h("a", { href: "#/clients/" + encodeURIComponent(c.krn), text: c.name }) },
      { label: t("colKrn"), cell: (c) => h("code", { text: c.krn }) },
      { label: t("colRole"), cell: (c) => c.role || t("none") },
      { label: t("colCreated"), cell: (c) => timeEl(c.created_at) },
      ...(admin ? [{ label: t("serviceAccounts"), cell: (c) => h("a", {
        href: "#/clients/" + encodeURIComponent(c.krn) + "/service-accounts", text: t("serviceAccounts"),
        "aria-label": t("serviceAccountsOf", { name: c.name }) }) }] : []),
    ] }),
    pager({ skip, limit: LIMIT, total: page.total, onPage: (s) => ctx.go("#/clients" + (s ? "?skip=" + s : "")) }));
}
