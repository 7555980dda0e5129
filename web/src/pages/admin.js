// Administration (people listed in CODETIME_ADMINS): dependency health, dead letters with replay, scheduled jobs.
import { api, ApiError } from "../api.js";
import { dateTime } from "../format.js";
import { field, h, notice, replace, section, select, table } from "../ui.js";

const cell = (v) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

export async function render(main) {
  const healthBox = h("div", {}, h("p", { class: "loading" }, "Loading…"));
  const dlqBox = h("div", {});
  // Outside the box the list is redrawn in: a replay's result stays shown (and is announced) after the redraw.
  const dlqStatus = h("div", { "aria-live": "polite" });
  const jobsBox = h("div", {});
  replace(main, h("h1", {}, "Administration"), section("Health", healthBox), section("Dead letters", dlqBox, dlqStatus),
    section("Jobs", jobsBox));
  await Promise.all([health(healthBox), deadLetters(dlqBox, dlqStatus), jobs(jobsBox)]);
}

async function health(box) {
  let answer;
  try {
    answer = await api("/ops/health");
  } catch (exc) {
    if (!(exc instanceof ApiError && exc.status === 503 && exc.body.checks)) return replace(box, notice(exc.message, "error"));
    answer = exc.body; // degraded: the checks say what failed
  }
  const rows = Object.entries(answer.checks).map(([name, c]) => [name, c.ok ? "ok" : "failing", c.latency_ms === undefined ? "—" : `${c.latency_ms} ms`,
    Object.entries(c).filter(([k]) => !["ok", "latency_ms"].includes(k)).map(([k, v]) => `${k}: ${cell(v)}`).join("; ") || "—"]);
  replace(box, h("p", { id: "health-status" }, answer.status === "ok" ? "All dependencies are healthy." : "Degraded: a dependency is failing (see below)."),
    table("Dependency checks", ["Dependency", "State", "Latency", "Details"], rows));
}

async function deadLetters(box, status) {
  let answer;
  try {
    answer = await api("/ops/dlq");
  } catch (exc) {
    return replace(box, notice(exc.status === 409 ? "No dead-letter queue is configured on this server (SQS_DLQ_URL is not set): failed batches stay in the local queue." : exc.message, exc.status === 409 ? "info" : "error"));
  }
  const replay = h("button", { type: "button", disabled: !answer.count }, "Replay all to the main queue");
  replay.addEventListener("click", async () => {
    replay.disabled = true;
    try {
      const result = await api("/ops/dlq/replay", { method: "POST" });
      replace(status, notice(`Replayed ${result.replayed} message(s); ${result.failed} failed.`));
      await deadLetters(box, status);
    } catch (exc) {
      replace(status, notice(exc.message, "error"));
      replay.disabled = false;
    }
  });
  replace(box, answer.count
    ? table(`${answer.count} dead-lettered message(s)`, ["Message", "Sent", "Receives", "Heartbeats", "Problem"],
      answer.data.map((d) => [d.message_id, dateTime(d.sent_at), String(d.receive_count), cell(d.heartbeats), d.problem || "—"]))
    : h("p", {}, "The dead-letter queue is empty."), replay);
}

const JOB_FILTERS = [["all", "All jobs"], ["open", "Open (pending or running)"], ["pending", "Pending"], ["running", "Running"],
  ["done", "Done"], ["failed", "Failed"], ["superseded", "Superseded"]];

/** Recompute jobs, newest first: a status filter and pages (GET /ops/jobs?status=&page=). */
async function jobs(box, status = "all", page = 1) {
  let answer;
  try {
    answer = await api("/ops/jobs", { query: { status, page } });
  } catch (exc) {
    return replace(box, notice(exc.status === 404 ? "This server does not list its jobs." : exc.message, exc.status === 404 ? "info" : "error"));
  }
  // The list is redrawn in place: the focus goes back to the control used (the filter when that button is now off).
  const refocus = (selector) => () => {
    const used = box.querySelector(selector);
    (used && !used.disabled ? used : box.querySelector("select"))?.focus();
  };
  const filter = select(JOB_FILTERS, status, { name: "job_status" });
  filter.addEventListener("change", () => jobs(box, filter.value, 1).then(refocus("select")));
  const items = answer.data || [];
  const columns = [...new Set(items.flatMap((i) => Object.keys(i)))];
  const turn = (label, to) => h("button", { type: "button", class: "secondary", disabled: !to, dataset: { page: label },
    onclick: () => jobs(box, status, to).then(refocus(`button[data-page="${label}"]`)) }, label);
  replace(box, h("div", { class: "inline-form" }, field("Show", filter)),
    items.length
      ? table(`Recompute jobs, page ${answer.page} of ${answer.total_pages} (${answer.total} in all)`, columns.map((c) => c.replace(/_/g, " ")),
        items.map((i) => columns.map((c) => (/_at$/.test(c) ? dateTime(i[c]) : cell(i[c])))))
      : h("p", {}, status === "all" ? "No jobs." : "No jobs with this status."),
    answer.total_pages > 1 ? h("div", { class: "actions" }, turn("Newer jobs", answer.prev_page), turn("Older jobs", answer.next_page)) : null);
}
