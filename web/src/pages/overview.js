// Overview: totals, daily average, the days stacked by project, and totals per language, editor, OS, machine,
// category, branch and project, for a chosen range. Numbers come from /summaries (days, totals, average) and
// /summary (totals per dimension over the same dates).
import { api, me } from "../api.js";
import { chartFigure, color } from "../charts.js";
import { durationText, hours, shortDate } from "../format.js";
import { rangeFromQuery, rangePicker, rangeSearch, summariesQuery } from "../ranges.js";
import { h, notice, replace, section } from "../ui.js";

const DIMENSIONS = [
  ["languages", "Languages", "language"], ["editors", "Editors", "editor"], ["operating_systems", "Operating systems", "operating system"],
  ["machines", "Machines", "machine"], ["categories", "Categories", "category"], ["branches", "Branches", "branch"],
];
const STACKED_PROJECTS = 8;

export async function render(main, ctx) {
  const current = rangeFromQuery();
  const body = h("div", { class: "overview" }, h("p", { class: "loading" }, "Loading…"));
  replace(main, h("h1", {}, "Overview"), rangePicker(current, (r) => ctx.navigate(`/${rangeSearch(r)}`)), body);
  const summaries = await api(me("/summaries"), { query: summariesQuery(current) });
  const days = summaries.data;
  const first = days[0]?.range.date;
  const last = days[days.length - 1]?.range.date;
  const totals = first ? await api("/summary", { query: { from: first, to: last } }) : null;
  replace(body, ...content(summaries, totals));
}

function statCard(label, value, id) {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("strong", { id }, value));
}

function content(summaries, totals) {
  const days = summaries.data;
  const range = days.length ? (days.length === 1 ? days[0].range.date : `${days[0].range.date} to ${days[days.length - 1].range.date}`) : "";
  const stats = h("div", { class: "stats", "aria-label": "Totals" },
    statCard("Total", summaries.cumulative_total.text, "range-total"),
    statCard("Daily average", summaries.daily_average.text, "daily-average"),
    statCard("Days", String(days.length)),
    aiCard(days));
  const out = [h("p", { class: "range-text" }, `${range} (${summaries.timezone})`), stats];
  if (!summaries.cumulative_total.seconds) {
    out.push(notice("No coding time in this range yet. Point a WakaTime plugin at this server (see the README) and it appears here."));
  }
  out.push(section("Daily time by project", dailyChart(days).el));
  out.push(section("Top projects", topProjects(totals?.projects || [])));
  const grid = h("div", { class: "grid" });
  for (const [key, title, one] of DIMENSIONS) grid.append(section(title, breakdown(title, one, totals?.[key] || [])));
  out.push(grid);
  return out;
}

function aiCard(days) {
  // AI vs human line changes, when the server reports them (grand_total.ai_additions ...).
  const keys = ["ai_additions", "ai_deletions", "human_additions", "human_deletions"];
  // The keys are on every day once the server knows AI coding (zeros without it): shown when there is something.
  if (!days.some((d) => keys.some((k) => d.grand_total[k] > 0))) return null;
  const sum = Object.fromEntries(keys.map((k) => [k, days.reduce((acc, d) => acc + (d.grand_total[k] || 0), 0)]));
  return h("div", { class: "stat", id: "ai-lines" }, h("span", { class: "stat-label" }, "Lines changed"),
    h("span", {}, `AI: +${sum.ai_additions} / −${sum.ai_deletions}`),
    h("span", {}, `Human: +${sum.human_additions} / −${sum.human_deletions}`));
}

function dailyChart(days) {
  const byProject = new Map();
  days.forEach((d) => d.projects.forEach((p) => byProject.set(p.name, (byProject.get(p.name) || 0) + p.total_seconds)));
  const ranked = [...byProject.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  const shown = ranked.slice(0, STACKED_PROJECTS);
  const rest = ranked.length > STACKED_PROJECTS;
  const series = shown.map((name, i) => ({
    label: name, backgroundColor: color(i), stack: "t",
    data: days.map((d) => hours(d.projects.find((p) => p.name === name)?.total_seconds || 0)),
  }));
  if (rest) {
    series.push({
      label: "Other projects", backgroundColor: "#8a8a8a", stack: "t",
      data: days.map((d) => hours(d.projects.filter((p) => !shown.includes(p.name)).reduce((a, p) => a + p.total_seconds, 0))),
    });
  }
  const labels = days.map((d) => shortDate(d.range.date));
  const best = days.reduce((b, d) => (d.grand_total.total_seconds > (b?.grand_total.total_seconds || 0) ? d : b), null);
  const label = `Bar chart of coding time per day, stacked by project, ${days.length} days` + (best ? `; the busiest day was ${best.range.date} with ${best.grand_total.text}.` : ".");
  return chartFigure(
    {
      type: "bar",
      data: { labels, datasets: series },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "hours" } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${durationText(c.raw * 3600)}` } } },
      },
    },
    {
      label, caption: "Coding time per day",
      headers: ["Day", "Total", ...shown, ...(rest ? ["Other projects"] : [])],
      rows: days.map((d, i) => [d.range.date, d.grand_total.text, ...series.map((s) => durationText(s.data[i] * 3600))]),
    },
  );
}

function topProjects(projects) {
  if (!projects.length) return h("p", {}, "No projects in this range.");
  const total = projects.reduce((a, p) => a + p.total, 0) || 1;
  return h("ol", { class: "top-projects" }, projects.slice(0, 10).map((p) =>
    h("li", {}, h("a", { href: `/projects/${encodeURIComponent(p.key)}` }, p.key),
      h("span", { class: "muted" }, ` ${durationText(p.total)} (${Math.round((p.total / total) * 100)} %)`))));
}

function breakdown(title, one, items) {
  if (!items.length) return h("p", {}, "Nothing recorded.");
  const top = items.slice(0, 10);
  const label = `Horizontal bar chart of time per ${one}: ` + top.slice(0, 3).map((i) => `${i.key} ${durationText(i.total)}`).join(", ") + (top.length > 3 ? ", …" : ".");
  return chartFigure(
    {
      type: "bar",
      data: { labels: top.map((i) => i.key), datasets: [{ label: title, data: top.map((i) => hours(i.total)), backgroundColor: top.map((_, i) => color(i)) }] },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => durationText(c.raw * 3600) } } },
        scales: { x: { title: { display: true, text: "hours" } } },
      },
    },
    { label, caption: title, headers: [one[0].toUpperCase() + one.slice(1), "Time"], rows: items.map((i) => [i.key, durationText(i.total)]) },
    { height: Math.max(120, 28 * top.length + 40) },
  ).el;
}
