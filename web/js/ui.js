// Small DOM helpers shared by the pages: elements, tables, paging, progress,
// messages, field errors, formats. No inline styles or handlers (strict CSP).
import { t } from "./strings.js";

let nextId = 0;
export const uid = (p = "q") => `${p}-${++nextId}`;

// h("button", {class: "x", type: "button", onclick: fn}, "text", child…)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && !k.includes("-") && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// ---- messages (the status region under the header, always in view)

export function flash(text, kind = "info") {
  const box = document.getElementById("flash");
  box.replaceChildren();
  if (!text) { box.hidden = true; return; }
  box.hidden = false;
  box.className = "flash flash-" + kind;
  box.append(h("p", { text }),
             h("button", { type: "button", class: "link", text: t("dismiss"),
                           onclick: () => flash("") }));
}

export function flashError(err) {
  if (!err || err.name === "AbortError") return;
  let text = err.message || String(err);
  if (err.requestId) text += " (" + t("requestId", { id: err.requestId }) + ")";
  flash(text, "error");
}

// ---- formats

// Numbers and times are formatted here by hand, not with Intl: the first
// Intl.NumberFormat or DateTimeFormat of a page loads the locale data, which
// cost 50 to 400 ms of the browser's main thread on a first load (the
// whole budget of a first page).
// num: thousands grouped with commas, at most three decimals ("12,345.5").
export function num(n) {
  n = Number(n) || 0;
  const [whole, frac] = String(Math.round(Math.abs(n) * 1000) / 1000).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (n < 0 && (whole !== "0" || frac) ? "-" : "") + grouped + (frac ? "." + frac : "");
}

export function bytes(n) {
  n = Number(n) || 0;
  if (n < 1024) return t("bytes", { n });
  if (n < 1024 * 1024) return t("kib", { n: (n / 1024).toFixed(1) });
  if (n < 1024 ** 3) return t("mib", { n: (n / 1024 ** 2).toFixed(1) });
  return t("gib", { n: (n / 1024 ** 3).toFixed(2) });
}

// when: the local time as "Nov 30, 2026, 9:52:07 PM" (English's medium date
// and time).
const two = (n) => String(n).padStart(2, "0");
export function when(iso) {
  if (!iso) return t("none");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hour = d.getHours();
  return t("dateTime", { month: t("months").split(" ")[d.getMonth()], day: d.getDate(), year: d.getFullYear(),
                         hour: hour % 12 || 12, min: two(d.getMinutes()), sec: two(d.getSeconds()),
                         half: t(hour < 12 ? "am" : "pm") });
}
export const timeEl = (iso) => iso ? h("time", { datetime: iso, text: when(iso) }) : t("none");

export function pct(p) {
  const v = Math.max(0, Math.min(100, Number(p) || 0));
  return t("percent", { n: v >= 10 || v === 0 ? Math.round(v) : v.toFixed(1) });
}

// A labelled progress bar with its value as text beside it.
export function progress(value, label, text) {
  const v = Math.max(0, Math.min(100, Number(value) || 0));
  return h("span", { class: "meter" },
           h("progress", { max: "100", value: String(v), "aria-label": label }),
           h("span", { class: "meter-text", text: text ?? pct(v) }));
}

export function setProgress(meter, value, text) {
  const v = Math.max(0, Math.min(100, Number(value) || 0));
  meter.querySelector("progress").value = v;
  meter.querySelector(".meter-text").textContent = text ?? pct(v);
}

// ---- tables

// table({caption, columns: [{label, cell(row) → node|string, className}], rows, empty})
// Cells carry data-label so the narrow layout can show them as cards.
export function table({ caption, columns, rows, empty, className = "" }) {
  const thead = h("thead", {}, h("tr", {}, columns.map((c) =>
    h("th", { scope: "col", class: c.className }, c.label))));
  const tbody = h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) =>
    h("td", { class: c.className, dataset: { label: c.label } }, c.cell(r))))));
  const tbl = h("table", { class: "grid " + className },
                caption ? h("caption", { text: caption }) : null, thead, tbody);
  if (rows.length === 0 && empty) return h("div", {}, tbl, h("p", { class: "empty", text: empty }));
  return tbl;
}

// A pager: «Previous» «1–20 of 45» «Next». onPage(skip) is called on a click.
export function pager({ skip, limit, total, onPage, label }) {
  const from = total === 0 ? 0 : skip + 1;
  const to = Math.min(skip + limit, total);
  const prev = h("button", { type: "button", text: t("pagerPrev"), disabled: skip <= 0,
                             onclick: () => onPage(Math.max(0, skip - limit)) });
  const next = h("button", { type: "button", text: t("pagerNext"), disabled: to >= total,
                             onclick: () => onPage(skip + limit) });
  return h("nav", { class: "pager", "aria-label": label || t("pagerLabel") }, prev,
           h("span", { class: "pager-status", "aria-live": "polite",
                       text: total === 0 ? t("pagerEmpty") : t("pagerStatus", { from: num(from), to: num(to), total: num(total) }) }),
           next);
}

// ---- forms

// field(label, control, {hint}) → a label block; the control gets an id and
// the hint/error element is tied to it with aria-describedby.
export function field(label, control, { hint, className = "" } = {}) {
  control.id ||= uid("f");
  const errId = control.id + "-err";
  const hintId = control.id + "-hint";
  const described = [hint ? hintId : null, errId].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", described);
  return h("div", { class: "field " + className },
           h("label", { for: control.id, text: label }),
           control,
           hint ? h("p", { id: hintId, class: "hint", text: hint }) : null,
           h("p", { id: errId, class: "field-error", hidden: true }));
}

export function checkbox(label, input) {
  input.id ||= uid("c");
  return h("div", { class: "field check" }, input, h("label", { for: input.id, text: label }));
}

export function select(name, options, value) {
  return h("select", { name },
           options.map(([v, label]) => h("option", { value: v, selected: v === value, text: label })));
}

export function clearFieldErrors(root) {
  root.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  root.querySelectorAll(".field-error").forEach((el) => { el.hidden = true; el.textContent = ""; });
}

// Shows a 422's message at the control whose data-field is the error's field
// (e.g. "processing_steps[1].params.column"); returns whether one was found.
export function showFieldError(root, err) {
  if (!err || !err.field) return false;
  const ctl = [...root.querySelectorAll("[data-field]")].find((el) => el.dataset.field === err.field)
    || [...root.querySelectorAll("[data-field-prefix]")].find((el) => err.field.startsWith(el.dataset.fieldPrefix));
  if (!ctl) return false;
  ctl.setAttribute("aria-invalid", "true");
  const msg = document.getElementById(ctl.id + "-err");
  if (msg) { msg.hidden = false; msg.textContent = err.message; }
  ctl.focus();
  return true;
}

// Runs fn with the form's submit button disabled (no double submit).
export async function busy(form, label, fn) {
  const btn = form.querySelector("[type=submit]");
  const old = btn ? btn.textContent : "";
  if (btn) { btn.disabled = true; btn.textContent = label; }
  form.setAttribute("aria-busy", "true");
  try { return await fn(); } finally {
    form.removeAttribute("aria-busy");
    if (btn && btn.isConnected) { btn.disabled = false; btn.textContent = old; }
  }
}

export function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)]));
}

export function heading(text) {
  return h("h1", { tabindex: "-1", text });
}

// Redraws box with fn() and gives focus back to the same control (same tag
// and text) when it was inside: live tables stay usable from the keyboard.
export function redraw(box, fn) {
  const a = document.activeElement;
  const key = a && box.contains(a) && a !== box ? [a.tagName, a.textContent, a.getAttribute("href")] : null;
  fn();
  if (!key) return;
  const same = [...box.querySelectorAll(key[0])].find((el) =>
    el.textContent === key[1] && el.getAttribute("href") === key[2]);
  (same || box).focus();
}

// A destructive action that asks first, in place: the button (label) turns
// into the question with «yes» and «Keep it»; «Keep it» gives focus back to
// the button. act() runs on «yes» (a failure is shown, the question stays).
export function confirmAction({ label, question, yes, act }) {
  const box = h("span", { class: "row-actions" });
  const ask = () => {
    const ok = h("button", { type: "button", class: "danger", text: yes, onclick: async () => {
      ok.disabled = true;
      try { await act(); } catch (err) { flashError(err); if (ok.isConnected) ok.disabled = false; }
    } });
    const no = h("button", { type: "button", text: t("deleteNo"), onclick: () => { draw(); box.querySelector("button").focus(); } });
    box.replaceChildren(h("span", { class: "confirm", role: "group", "aria-label": label },
                          h("span", { text: question }), ok, no));
    ok.focus();
  };
  const draw = () => box.replaceChildren(h("button", { type: "button", class: "danger", text: label, onclick: ask }));
  draw();
  return box;
}
