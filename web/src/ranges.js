// The ranges a person picks from; the API resolves named ranges itself (in the user's timezone and week start).
import { h, field, select } from "./ui.js";

export const RANGES = [
  ["today", "Today"], ["yesterday", "Yesterday"], ["last_7_days", "Last 7 days"], ["last_30_days", "Last 30 days"],
  ["this_week", "This week"], ["last_week", "Last week"], ["this_month", "This month"], ["last_month", "Last month"],
  ["last_year", "Last year"], ["custom", "Custom…"],
];

/** The range in the page's query: {range} or {start, end}. */
export function rangeFromQuery(fallback = "last_7_days") {
  const q = new URLSearchParams(location.search);
  if (q.get("start") && q.get("end")) return { range: "custom", start: q.get("start"), end: q.get("end") };
  const range = q.get("range");
  return { range: RANGES.some(([v]) => v === range && v !== "custom") ? range : fallback };
}

/** Query parameters of the summaries endpoint for a range. */
export const summariesQuery = (r) => (r.range === "custom" ? { start: r.start, end: r.end } : { range: r.range });

/** The range picker: a labelled select, and two labelled dates for a custom range. onChange(range). */
export function rangePicker(current, onChange) {
  const picker = select(RANGES, current.range, { name: "range" });
  const start = h("input", { type: "date", name: "start", value: current.start || "", required: true });
  const end = h("input", { type: "date", name: "end", value: current.end || "", required: true });
  const apply = h("button", { type: "submit" }, "Show");
  const custom = h("div", { class: "custom-range", hidden: current.range !== "custom" }, field("From", start), field("To", end), apply);
  const form = h("form", { class: "range-picker", role: "search", "aria-label": "Choose a range" }, field("Range", picker), custom);
  picker.addEventListener("change", () => {
    custom.hidden = picker.value !== "custom";
    if (picker.value !== "custom") onChange({ range: picker.value });
    else start.focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (picker.value === "custom" && start.value && end.value) onChange({ range: "custom", start: start.value, end: end.value });
  });
  return form;
}

/** The URL query for a range (so a range can be bookmarked and goes back with the browser's Back). */
export function rangeSearch(r) {
  return r.range === "custom" ? `?start=${r.start}&end=${r.end}` : `?range=${r.range}`;
}
