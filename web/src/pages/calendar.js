// A year's activity calendar: a heat map of daily totals (weeks across, weekdays down), from /summaries.
import { api, me } from "../api.js";
import { chartFigure } from "../charts.js";
import { durationText, parseDate, WEEKDAYS } from "../format.js";
import { h, replace, section } from "../ui.js";

const LEVELS = [0, 1800, 3600, 2 * 3600, 4 * 3600]; // seconds: the five shades' lower bounds

function shade(seconds, dark) {
  const level = LEVELS.filter((l) => seconds > l || (l === 0 && seconds > 0)).length;
  const light = ["#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39", "#0e4429"];
  const night = ["#2d333b", "#0e4429", "#006d32", "#26a641", "#39d353", "#6ee787"];
  return (dark ? night : light)[Math.min(level, 5)];
}

export async function render(main) {
  replace(main, h("h1", {}, "Activity calendar"), h("p", { class: "loading" }, "Loading…"));
  const summaries = await api(me("/summaries"), { query: { range: "last_year" } });
  const days = summaries.data;
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  const firstDay = parseDate(days[0].range.date);
  const offset = firstDay.getDay(); // column 0 starts on the Sunday before the first day
  const points = days.map((d, i) => {
    const index = i + offset;
    return { x: Math.floor(index / 7), y: index % 7, date: d.range.date, seconds: d.grand_total.total_seconds, text: d.grand_total.text };
  });
  const weeks = Math.ceil((days.length + offset) / 7);
  const active = days.filter((d) => d.grand_total.total_seconds > 0);
  const best = active.reduce((b, d) => (d.grand_total.total_seconds > (b?.grand_total.total_seconds || 0) ? d : b), null);
  const summaryText = `${active.length} of ${days.length} days with coding time, ${summaries.cumulative_total.text} in total` +
    (best ? `; the busiest day was ${best.range.date} with ${best.grand_total.text}.` : ".");
  const figure = chartFigure(
    {
      type: "matrix",
      data: {
        datasets: [{
          label: "Coding time", data: points,
          backgroundColor: (c) => shade(c.raw?.seconds || 0, dark),
          borderWidth: 0,
          width: ({ chart }) => Math.max(2, (chart.chartArea?.width || 600) / weeks - 2),
          height: ({ chart }) => Math.max(2, (chart.chartArea?.height || 120) / 7 - 2),
        }],
      },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: (items) => items[0].raw.date, label: (c) => c.raw.text } },
        },
        scales: {
          x: { type: "linear", min: -0.5, max: weeks - 0.5, offset: false, grid: { display: false }, ticks: { display: false } },
          y: { type: "linear", min: -0.5, max: 6.5, reverse: true, offset: false, grid: { display: false },
            ticks: { stepSize: 1, callback: (v) => (v % 2 === 1 ? WEEKDAYS[v].slice(0, 3) : "") } },
        },
      },
    },
    {
      label: `Heat map of daily coding time over the last year: ${summaryText}`,
      caption: "Days with coding time",
      headers: ["Day", "Time"],
      rows: active.map((d) => [d.range.date, d.grand_total.text]),
    },
    { height: 180 },
  );
  const legend = h("p", { class: "legend" }, "Shades, lightest to darkest: none, up to 30 mins, up to 1 hr, up to 2 hrs, up to 4 hrs, more.");
  replace(main, h("h1", {}, "Activity calendar"), h("p", {}, summaryText),
    section(`${days[0].range.date} to ${days[days.length - 1].range.date}`, h("div", { class: "scroll-x" }, figure.el), legend));
  return figure.destroy;
}
