// Projects: the list, and one project's totals over time, languages, branches, files and time per weekday.
import { api, me } from "../api.js";
import { chartFigure, color } from "../charts.js";
import { durationText, hours, parseDate, shortDate, WEEKDAYS } from "../format.js";
import { rangeFromQuery, rangePicker, rangeSearch, summariesQuery } from "../ranges.js";
import { field, h, notice, replace, section, table } from "../ui.js";

export async function render(main, ctx, name) {
  return name === undefined ? list(main, ctx) : project(main, ctx, name);
}

async function list(main, ctx) {
  const q = new URLSearchParams(location.search).get("q") || "";
  const search = h("input", { type: "search", name: "q", value: q });
  const form = h("form", { role: "search", class: "range-picker" }, field("Find a project", search), h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ctx.navigate(`/projects${search.value ? `?q=${encodeURIComponent(search.value)}` : ""}`);
  });
  const answer = await api(me("/projects"), { query: { q: q || undefined } });
  const rows = answer.data.map((p) => [h("a", { href: `/projects/${encodeURIComponent(p.name)}` }, p.name), p.last_heartbeat_at ? new Date(p.last_heartbeat_at).toLocaleDateString("en-GB") : "—"]);
  replace(main, h("h1", {}, "Projects"), form,
    answer.data.length ? table(`${answer.data.length} projects, most recent first`, ["Project", "Last active"], rows) : notice("No projects yet."));
}

function sumItems(days, key) {
  const totals = new Map();
  days.forEach((d) => (d[key] || []).forEach((i) => totals.set(i.name, (totals.get(i.name) || 0) + i.total_seconds)));
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

function barFigure(title, entries, { horizontal = true, unitLabel } = {}) {
  if (!entries.length) return h("p", {}, "Nothing recorded.");
  const top = entries.slice(0, 12);
  return chartFigure(
    {
      type: "bar",
      data: { labels: top.map(([k]) => k), datasets: [{ label: title, data: top.map(([, v]) => hours(v)), backgroundColor: top.map((_, i) => color(horizontal ? i : 0)) }] },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => durationText(c.raw * 3600) } } },
        scales: { [horizontal ? "x" : "y"]: { title: { display: true, text: "hours" } } },
      },
    },
    {
      label: `Bar chart of ${title.toLowerCase()}: ` + top.slice(0, 3).map(([k, v]) => `${k} ${durationText(v)}`).join(", ") + ".",
      caption: title, headers: [unitLabel || "Name", "Time"], rows: entries.map(([k, v]) => [k, durationText(v)]),
    },
    { height: horizontal ? Math.max(120, 28 * top.length + 40) : 240 },
  ).el;
}

async function project(main, ctx, name) {
  const current = rangeFromQuery("last_30_days");
  const base = `/projects/${encodeURIComponent(name)}`;
  replace(main, h("h1", {}, `Project ${name}`), rangePicker(current, (r) => ctx.navigate(`${base}${rangeSearch(r)}`)), h("p", { class: "loading" }, "Loading…"));
  const summaries = await api(me("/summaries"), { query: { ...summariesQuery(current), project: name } });
  const days = summaries.data;
  const weekday = WEEKDAYS.map(() => 0);
  days.forEach((d) => (weekday[parseDate(d.range.date).getDay()] += d.grand_total.total_seconds));
  const overTime = chartFigure(
    {
      type: "bar",
      data: { labels: days.map((d) => shortDate(d.range.date)), datasets: [{ label: name, data: days.map((d) => hours(d.grand_total.total_seconds)), backgroundColor: color(0) }] },
      options: { plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => durationText(c.raw * 3600) } } }, scales: { y: { title: { display: true, text: "hours" } } } },
    },
    {
      label: `Bar chart of time per day on ${name}: ${summaries.cumulative_total.text} over ${days.length} days.`,
      caption: "Time per day", headers: ["Day", "Time"], rows: days.map((d) => [d.range.date, d.grand_total.text]),
    },
  ).el;
  const weekdays = WEEKDAYS.map((d, i) => [d, weekday[i]]);
  const parts = [
    h("h1", {}, `Project ${name}`),
    rangePicker(current, (r) => ctx.navigate(`${base}${rangeSearch(r)}`)),
    h("div", { class: "stats" },
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "Total"), h("strong", { id: "project-total" }, summaries.cumulative_total.text)),
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "Daily average"), h("strong", {}, summaries.daily_average.text))),
  ];
  if (!summaries.cumulative_total.seconds) parts.push(notice(`No time on ${name} in this range.`));
  parts.push(section("Time over the range", overTime));
  const grid = h("div", { class: "grid" },
    section("Languages", barFigure("Languages", sumItems(days, "languages"), { unitLabel: "Language" })),
    section("Branches", barFigure("Branches", sumItems(days, "branches"), { unitLabel: "Branch" })),
    section("Time per weekday", barFigure("Time per weekday", weekdays, { horizontal: false, unitLabel: "Weekday" })));
  parts.push(grid);
  const files = sumItems(days, "entities");
  parts.push(section("Files", files.length ? table("Files by time (top 50)", ["File", "Time"], files.slice(0, 50).map(([k, v]) => [k, durationText(v)])) : h("p", {}, "No files recorded.")));
  replace(main, ...parts);
}
