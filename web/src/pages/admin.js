// Administration (people listed in CODETIME_ADMINS): dependency health, dead letters with replay, scheduled jobs.
import { api, ApiError } from "../api.js";
import { dateTime } from "../format.js";
import { h, notice, replace, section, table } from "../ui.js";

const cell = (v) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

export async function render(main) {
  const healthBox = h("div", {}, h("p", { class: "loading" }, "Loading…"));
  const dlqBox = h("div", {});
  const jobsBox = h("div", {});
  replace(main, h("h1", {}, "Administration"), section("Health", healthBox), section("Dead letters", dlqBox), section("Jobs", jobsBox));
  await Promise.all([health(healthBox), deadLetters(dlqBox), jobs(jobsBox)]);
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

async function deadLetters(box) {
  let answer;
  try {
    answer = await api("/ops/dlq");
  } catch (exc) {
    return replace(box, notice(exc.status === 409 ? "No dead-letter queue is configured on this server (SQS_DLQ_URL is not set): failed batches stay in the local queue." : exc.message, exc.status === 409 ? "info" : "error"));
  }
  const status = h("div", { "aria-live": "polite" });
  const replay = h("button", { type: "button", disabled: !answer.count }, "Replay all to the main queue");
  replay.addEventListener("click", async () => {
    replay.disabled = true;
    try {
      const result = await api("/ops/dlq/replay", { method: "POST" });
      replace(status, notice(`Replayed ${result.replayed} message(s); ${result.failed} failed.`));
      await deadLetters(box);
    } catch (exc) {
      replace(status, notice(exc.message, "error"));
      replay.disabled = false;
    }
  });
  replace(box, answer.count
    ? table(`${answer.count} dead-lettered message(s)`, ["Message", "Sent", "Receives", "Heartbeats", "Problem"],
      answer.data.map((d) => [d.message_id, dateTime(d.sent_at), String(d.receive_count), cell(d.heartbeats), d.problem || "—"]))
    : h("p", {}, "The dead-letter queue is empty."), replay, status);
}

async function jobs(box) {
  let answer;
  try {
    answer = await api("/ops/jobs");
  } catch (exc) {
    return replace(box, notice(exc.status === 404 ? "This server does not list its jobs." : exc.message, exc.status === 404 ? "info" : "error"));
  }
  const items = Array.isArray(answer) ? answer : answer.data || [];
  if (!items.length) return replace(box, h("p", {}, "No jobs."));
  const columns = [...new Set(items.flatMap((i) => Object.keys(i)))];
  replace(box, table("Scheduled jobs", columns.map((c) => c.replace(/_/g, " ")), items.map((i) => columns.map((c) => (/_at$/.test(c) ? dateTime(i[c]) : cell(i[c]))))));
}
