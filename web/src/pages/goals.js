// Goals: each with its progress chart (actual vs target per period), and a form to create or edit one.
import { api, me } from "../api.js";
import { chartFigure } from "../charts.js";
import { hours } from "../format.js";
import { checkbox, field, h, notice, replace, section, select } from "../ui.js";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

export async function render(main, ctx) {
  const status = h("div", { "aria-live": "polite" });
  const formBox = h("div", {});
  const listBox = h("div", {}, h("p", { class: "loading" }, "Loading…"));
  const newButton = h("button", { type: "button", onclick: () => showForm(null) }, "New goal");
  replace(main, h("h1", {}, "Goals"), status, newButton, formBox, listBox);

  async function reload(message) {
    const answer = await api(me("/goals"));
    replace(listBox, ...(answer.data.length ? answer.data.map(goalCard) : [notice("No goals yet. Create one to see your progress every day or week.")]));
    if (message) replace(status, notice(message));
  }

  function goalCard(goal) {
    goal = { ...goal, title: goal.custom_title || goal.title };
    const chartData = goal.chart_data || [];
    const figure = chartData.length ? chartFigure(
      {
        type: "bar",
        data: {
          labels: chartData.map((c) => c.range.text),
          datasets: [
            { type: "line", label: "Target", data: chartData.map((c) => hours(c.goal_seconds)), borderColor: "#D55E00", backgroundColor: "#D55E00", pointRadius: 0 },
            { label: "Actual", data: chartData.map((c) => hours(c.actual_seconds)), backgroundColor: chartData.map((c) => (c.range_status === "success" ? "#009E73" : c.range_status === "fail" ? "#CC79A7" : "#56B4E9")) },
          ],
        },
        options: { scales: { y: { title: { display: true, text: "hours" }, beginAtZero: true } } },
      },
      {
        label: `Progress of goal ${goal.title}: ${goal.status}; ${chartData.filter((c) => c.range_status === "success").length} of ${chartData.length} periods reached.`,
        caption: `Progress of ${goal.title}`,
        headers: ["Period", "Actual", "Target", "Status"],
        rows: chartData.map((c) => [c.range.text, c.actual_seconds_text, c.goal_seconds_text, c.range_status_reason_short || c.range_status]),
      },
      { height: 200 },
    ).el : null;
    const confirmBox = h("div", {});
    const del = h("button", { type: "button", class: "danger" }, "Delete");
    del.addEventListener("click", () => {
      const yes = h("button", { type: "button", class: "danger" }, `Yes, delete “${goal.title}”`);
      const no = h("button", { type: "button", class: "secondary", onclick: () => replace(confirmBox) }, "Cancel");
      yes.addEventListener("click", async () => {
        try {
          await api(me(`/goals/${goal.id}`), { method: "DELETE" });
          await reload(`Goal “${goal.title}” deleted.`);
        } catch (exc) {
          replace(confirmBox, notice(exc.message, "error"));
        }
      });
      replace(confirmBox, h("p", {}, "Delete this goal and its history?"), yes, no);
      yes.focus();
    });
    return section(goal.title,
      h("p", {}, `${goal.status}${goal.is_enabled ? "" : " (paused)"} · ${goal.range_text || ""}`),
      figure,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => showForm(goal) }, "Edit"), del),
      confirmBox);
  }

  function showForm(goal) {
    const title = h("input", { type: "text", name: "title", maxlength: 255, value: goal?.custom_title || "" });
    const delta = select([["day", "Every day"], ["week", "Every week"]], goal?.delta || "day", { name: "delta" });
    const target = h("input", { type: "number", name: "hours", min: "0.02", max: "168", step: "any", required: true, value: goal ? goal.seconds / 3600 : 2 });
    const projects = h("input", { type: "text", name: "projects", value: (goal?.projects || []).join(", ") });
    const languages = h("input", { type: "text", name: "languages", value: (goal?.languages || []).join(", ") });
    const inverse = checkbox("Stay under the target instead of reaching it", goal?.is_inverse);
    const enabled = checkbox("Enabled", goal ? goal.is_enabled : true);
    const ignore = DAYS.map((d) => checkbox(d[0].toUpperCase() + d.slice(1), goal?.ignore_days?.includes(d), { name: "ignore_days", value: d }));
    const error = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "card" },
      h("h2", {}, goal ? `Edit goal “${goal.title}”` : "New goal"),
      field("Title (optional)", title, "Leave empty for a title made from the target, e.g. “Code 2 hrs per day”."),
      field("Period", delta),
      field("Target in hours", target),
      field("Projects (comma-separated, optional)", projects),
      field("Languages (comma-separated, optional)", languages),
      h("fieldset", {}, h("legend", {}, "Days that do not count"), ignore.map((c) => c.el)),
      inverse.el, enabled.el, error,
      h("div", { class: "actions" }, h("button", { type: "submit" }, goal ? "Save goal" : "Create goal"),
        h("button", { type: "button", class: "secondary", onclick: () => replace(formBox) }, "Cancel")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        title: title.value.trim() || null, delta: delta.value, seconds: Math.round(Number(target.value) * 3600),
        projects: list(projects.value), languages: list(languages.value), is_inverse: inverse.input.checked,
        is_enabled: enabled.input.checked, ignore_days: ignore.filter((c) => c.input.checked).map((c) => c.input.value),
      };
      try {
        if (goal) await api(me(`/goals/${goal.id}`), { method: "PATCH", body });
        else await api(me("/goals"), { method: "POST", body });
        replace(formBox);
        await reload(goal ? "Goal saved." : "Goal created.");
      } catch (exc) {
        replace(error, notice(exc.message, "error"));
      }
    });
    replace(formBox, form);
    title.focus();
  }

  await reload();
}
