// One day's timeline: the durations endpoint's spans as floating bars on a 24-hour axis, one row per project.
import { api, me } from "../api.js";
import { chartFigure, color } from "../charts.js";
import { addDays, clock, durationText } from "../format.js";
import { field, h, notice, replace, section } from "../ui.js";

export async function render(main, ctx) {
  const query = new URLSearchParams(location.search);
  const answer = await api(me("/durations"), { query: { date: query.get("date") || undefined } });
  const tz = answer.timezone;
  const date = (answer.start || "").slice(0, 10) || query.get("date");
  const dateInput = h("input", { type: "date", name: "date", value: date, required: true });
  const form = h("form", { class: "range-picker" }, field("Day", dateInput), h("button", { type: "submit" }, "Show"),
    h("a", { href: `/day?date=${addDays(date, -1)}`, class: "button secondary" }, "Previous day"),
    h("a", { href: `/day?date=${addDays(date, 1)}`, class: "button secondary" }, "Next day"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (dateInput.value) ctx.navigate(`/day?date=${dateInput.value}`);
  });
  const spans = answer.data;
  const dayStart = Date.parse(answer.start) / 1000;
  const projects = [...new Set(spans.map((s) => s.project))];
  const total = spans.reduce((a, s) => a + s.duration, 0);
  const parts = [h("h1", {}, "Day timeline"), form];
  if (!spans.length) {
    parts.push(notice(`No coding time on ${date}.`));
    replace(main, ...parts);
    return;
  }
  const toHour = (t) => Math.round(((t - dayStart) / 3600) * 1000) / 1000;
  const figure = chartFigure(
    {
      type: "bar",
      data: {
        labels: projects,
        datasets: [{
          label: "Coding", borderSkipped: false, minBarLength: 2,
          data: spans.map((s) => ({ x: [toHour(s.time), toHour(s.time + s.duration)], y: s.project, span: s })),
          backgroundColor: spans.map((s) => color(projects.indexOf(s.project))),
        }],
      },
      options: {
        indexAxis: "y",
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: { x: { type: "linear", min: 0, max: 24, ticks: { stepSize: 2, callback: (v) => `${String(v).padStart(2, "0")}:00` } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => `${c.raw.span.project}: ${clock(c.raw.span.time, tz)}–${clock(c.raw.span.time + c.raw.span.duration, tz)} (${durationText(c.raw.span.duration)})` } },
        },
      },
    },
    {
      label: `Timeline of ${date}: ${spans.length} spans of coding over ${projects.length} projects, ${durationText(total)} in total, from ${clock(spans[0].time, tz)} to ${clock(spans[spans.length - 1].time + spans[spans.length - 1].duration, tz)}.`,
      caption: `Spans on ${date} (${tz})`,
      headers: ["From", "To", "Project", "Length"],
      rows: spans.map((s) => [clock(s.time, tz), clock(s.time + s.duration, tz), s.project, durationText(s.duration)]),
    },
    { height: Math.max(140, 36 * projects.length + 60) },
  );
  parts.push(h("p", { id: "day-total" }, `${durationText(total)} on ${date} (${tz}).`), section("Timeline", figure.el));
  replace(main, ...parts);
  return figure.destroy;
}
