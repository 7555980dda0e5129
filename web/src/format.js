// Durations in WakaTime's words (domain/reports.duration_text), dates as the API spells them (YYYY-MM-DD).

/** "3 hrs 5 mins", "12 mins", "0 secs": rounded down to minutes, as the API's `text` fields. */
export function durationText(seconds) {
  const minutesTotal = Math.floor(seconds / 60);
  const hours = Math.floor(minutesTotal / 60);
  const minutes = minutesTotal % 60;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (hours) return `${plural(hours, "hr")} ${plural(minutes, "min")}`;
  if (minutes) return plural(minutes, "min");
  return `${Math.floor(seconds)} secs`;
}

/** Hours with one decimal, for chart axes. */
export const hours = (seconds) => Math.round((seconds / 3600) * 100) / 100;

/** YYYY-MM-DD of a Date in local calendar terms. */
export function isoDate(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A YYYY-MM-DD string as a Date at local noon (safe from DST edges when adding days). */
export function parseDate(text) {
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  return new Date(y, m - 1, d, 12);
}

export function addDays(text, days) {
  const d = parseDate(text);
  d.setDate(d.getDate() + days);
  return isoDate(d);
}

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** "Mon 3 Mar" for chart labels. */
export function shortDate(text) {
  return parseDate(text).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short" });
}

/** A date-time for tables: local, minutes. */
export function dateTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** "09:41" of an epoch second in a timezone. */
export function clock(epochSeconds, timeZone) {
  return new Date(epochSeconds * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone });
}
