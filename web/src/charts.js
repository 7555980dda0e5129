// Charts come from Chart.js (only the parts used are registered, so the bundle stays small) and the maintained
// chartjs-chart-matrix plugin for the activity calendar. Every chart has a text label and a table alternative.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from "chart.js";
import { MatrixController, MatrixElement } from "chartjs-chart-matrix";
import { h, table } from "./ui.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend,
  MatrixController, MatrixElement);

// A palette that reads on light and dark backgrounds (Okabe-Ito, colour-blind safe, plus a few more).
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7570B3", "#66A61E", "#999999"];
export const color = (i) => PALETTE[i % PALETTE.length];

function themeColors() {
  const style = getComputedStyle(document.documentElement);
  return { text: style.getPropertyValue("--text").trim() || "#222", grid: style.getPropertyValue("--grid").trim() || "#ddd" };
}

function applyTheme() {
  const { text, grid } = themeColors();
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  Chart.defaults.font.family = "system-ui, sans-serif";
}
applyTheme();
matchMedia("(prefers-color-scheme: dark)").addEventListener?.("change", () => {
  applyTheme();
  Object.values(Chart.instances).forEach((chart) => chart.update());
});

/**
 * A chart in a <figure>: the canvas is an image with a text label; a "Show as table" disclosure holds the numbers.
 * config: a Chart.js config. alt: {label, caption, headers, rows}. Returns {el, chart, destroy}.
 */
export function chartFigure(config, alt, { height = 260 } = {}) {
  const canvas = h("canvas", { role: "img", "aria-label": alt.label });
  const box = h("div", { class: "chart-box" }, canvas);
  box.style.height = `${height}px`; // CSSOM, not a style attribute: the CSP (style-src 'self') allows only this
  const el = h("figure", { class: "chart" }, box,
    h("details", {}, h("summary", {}, "Show as table"), table(alt.caption, alt.headers, alt.rows)));
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  const chart = new Chart(canvas, config);
  return { el, chart, destroy: () => chart.destroy() };
}

/** Destroys every chart inside a container (before a page re-renders it). */
export function destroyCharts(container) {
  container.querySelectorAll("canvas").forEach((canvas) => Chart.getChart(canvas)?.destroy());
}
