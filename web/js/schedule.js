// A pipeline's schedule as a person writes it: a cron expression and a time
// zone, with the next runs it gives read back from the API
// (GET /pipelines/schedule-preview, the scheduler's own reading) as dates
// in that zone, refreshed as the expression is typed.
import { api } from "./api.js";
import { t } from "./strings.js";
import { field, h } from "./ui.js";

const WAIT_MS = 250;

// A wall-clock date in zone tz ("Mon, 1 Dec 2026, 02:00 (Europe/Oslo)").
function inZone(iso, tz) {
  try {
    return new Intl.DateTimeFormat("en", { weekday: "short", day: "numeric", month: "short", year: "numeric",
                                           hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: tz }).format(new Date(iso));
  } catch { return iso; }
}

// "in 3 h 20 min", "in 2 days"
function fromNow(iso) {
  const min = Math.max(0, Math.round((new Date(iso).getTime() - Date.now()) / 60000));
  if (min < 60) return t("inMinutes", { n: min });
  if (min < 24 * 60) return t("inHours", { h: Math.floor(min / 60), m: min % 60 });
  return t("inDays", { n: Math.round(min / 1440) });
}

// The runs of a preview answer as a list (also used on a pipeline's page).
export function runsList(preview) {
  const tz = preview.schedule?.timezone || "UTC";
  return h("ol", { class: "next-runs" }, preview.next_runs.map((iso) =>
    h("li", {}, h("time", { datetime: iso, text: inZone(iso, tz) }), " ",
      h("span", { class: "muted", text: t("runWhen", { rel: fromNow(iso), tz }) }))));
}

export async function preview(query, signal) {
  return (await api("GET", "/pipelines/schedule-preview", { query: { ...query, count: 5 }, signal })).data;
}

// The form's schedule: {element, value()}; value() is undefined without one.
export function scheduleField(signal) {
  const cron = h("input", { type: "text", name: "schedule", autocomplete: "off", spellcheck: "false", maxlength: "255",
                            class: "code-input", placeholder: "0 2 * * *", dataset: { field: "schedule", fieldPrefix: "schedule" } });
  const tz = h("input", { type: "text", name: "timezone", autocomplete: "off", maxlength: "64",
                          value: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
                          dataset: { field: "schedule.timezone" } });
  const out = h("div", { class: "schedule-preview", role: "status", "aria-live": "polite" });
  let timer = null, asked = 0;
  const refresh = () => {
    clearTimeout(timer);
    const expr = cron.value.trim();
    if (!expr) { out.replaceChildren(h("p", { class: "muted", text: t("scheduleNone") })); return; }
    timer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const p = await preview({ cron: expr, timezone: tz.value.trim() || undefined }, signal);
        if (mine !== asked) return;
        out.replaceChildren(h("p", { text: t("scheduleNext") }), runsList(p));
      } catch (err) {
        if (err.name === "AbortError" || mine !== asked) return;
        out.replaceChildren(h("p", { class: "error-text", text: err.message }));
      }
    }, WAIT_MS);
  };
  cron.addEventListener("input", refresh);
  tz.addEventListener("input", refresh);
  refresh();
  return {
    element: h("fieldset", {}, h("legend", { text: t("pipelineSchedule") }),
      h("div", { class: "grid2 top" }, field(t("scheduleCron"), cron, { hint: t("scheduleHint") }),
        field(t("scheduleZone"), tz, { hint: t("scheduleZoneHint") })), out),
    value() {
      const expr = cron.value.trim();
      if (!expr) return undefined;
      return { type: "cron", expression: expr, timezone: tz.value.trim() || undefined };
    },
  };
}
