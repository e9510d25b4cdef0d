// Sign in and register (#/signin, #/register). The form is built empty every
// time: nothing of an earlier user is ever filled in.
import { api, setUser, signIn } from "../api.js";
import { t } from "../strings.js";
import { busy, clearFieldErrors, field, flash, flashError, h, heading, showFieldError } from "../ui.js";

export async function render(ctx) {
  const register = ctx.path === "/register";
  const email = h("input", { name: "email", type: "email", required: true, autocomplete: "username",
                             dataset: { field: "email" } });
  const password = h("input", { name: "password", type: "password", required: true,
                                minlength: "8", dataset: { field: "password" },
                                autocomplete: register ? "new-password" : "current-password" });
  const form = h("form", { class: "stack narrow", novalidate: false },
    field(t("email"), email),
    field(t("password"), password, { hint: register ? t("passwordHint") : null }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary",
                                                 text: t(register ? "registerButton" : "signInButton") })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    await busy(form, t(register ? "registering" : "signingIn"), async () => {
      try {
        if (register)
          await api("POST", "/auth/register", { json: { email: email.value, password: password.value } });
        const r = await api("POST", "/auth/login", { form: { username: email.value, password: password.value } });
        password.value = "";
        signIn(r.data.access_token, r.data.user);
        // The page gone to asks for its data (early.js) beside /users/me:
        // one round trip after the login, not two.
        const target = ctx.returnTo();
        window.quarryPrefetch?.(target, r.data.access_token);
        setUser((await api("GET", "/users/me")).data);
        flash(register ? t("accountCreated") : "");
        ctx.go(target, { replace: true });
      } catch (err) {
        password.value = "";
        if (!showFieldError(form, err)) flashError(err);
        if (!err.field) email.focus();
      }
    });
  });
  ctx.main.append(
    heading(t(register ? "registerTitle" : "signInTitle")),
    form,
    h("p", {}, h("a", { href: register ? "#/signin" : "#/register", text: t(register ? "toSignIn" : "toRegister") })));
}
