// Teams (issue 12's organizations): your organizations and invitations, an organization's members and dashboards,
// a dashboard's team totals and leaderboard, and private leaderboards. Creating an organization or an invite is a
// take-over action: a signed-in person, or a key with a confirmation code (api/deps.py ConfirmedUser).
import { api, me } from "../api.js";
import { openChannel } from "../live.js";
import { chartFigure, color } from "../charts.js";
import { confirmField, statusLine } from "../forms.js";
import { hours, shortDate } from "../format.js";
import { rangeFromQuery, rangePicker, rangeSearch, summariesQuery } from "../ranges.js";
import { checkbox, copyButton, field, h, notice, replace, section, select, table } from "../ui.js";

export async function render(main, ctx, rest) {
  const parts = (rest || "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "leaderboards" && parts[1]) return board(main, parts[1]);
  if (parts.length >= 3 && parts[1] === "dashboards") return dashboard(main, ctx, parts[0], parts[2]);
  if (parts.length === 1) return organization(main, ctx, parts[0]);
  return overview(main, ctx);
}

async function overview(main, ctx) {
  replace(main, h("h1", {}, "Teams"), h("p", { class: "loading" }, "Loading…"));
  let orgs;
  try {
    orgs = await api(me("/orgs"));
  } catch (exc) {
    if (exc.status !== 404) throw exc;
    replace(main, h("h1", {}, "Teams"), notice("Teams (organizations, dashboards and leaderboards) are not available on this server."));
    return;
  }
  const [invitations, boards] = await Promise.all([api(me("/invitations")), api(me("/leaderboards"))]);
  const status = statusLine();
  const rerender = (message) => overview(main, ctx).then(() => message && main.querySelector("[aria-live]") && replace(main.querySelector("[aria-live]"), notice(message)));

  const invites = invitations.data.length ? section("Invitations", table("Invitations to you", ["Organization", "Role", "Action"],
    invitations.data.map((i) => [i.organization?.name || i.group?.name || i.name || i.id, i.role || "member",
      h("button", { type: "button", onclick: async () => {
        try {
          await api(me(`/invitations/${i.id}/accept`), { method: "POST" });
          await rerender("Invitation accepted.");
        } catch (exc) {
          status.fail(exc);
        }
      } }, "Accept")]))) : null;

  const code = h("input", { type: "text", name: "invite_code", required: true, autocomplete: "off" });
  const join = h("form", { class: "inline-form" }, field("Invite code", code), h("button", { type: "submit" }, "Join"));
  join.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api(me("/invitations/join"), { method: "POST", body: { code: code.value.trim() } });
      await rerender("Joined.");
    } catch (exc) {
      status.fail(exc);
    }
  });

  const name = h("input", { type: "text", name: "org_name", required: true, maxlength: 100 });
  const confirm = confirmField(ctx.user);
  const create = h("form", {}, h("h3", {}, "Create an organization"), field("Organization name", name), confirm.el, h("button", { type: "submit" }, "Create organization"));
  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const answer = await api(me("/orgs"), { method: "POST", body: { name: name.value.trim() }, confirm: confirm.value() });
      ctx.navigate(`/teams/${answer.data.id}`);
    } catch (exc) {
      status.fail(exc);
    }
  });

  const boardName = h("input", { type: "text", name: "board_name", required: true, maxlength: 100 });
  const boardConfirm = confirmField(ctx.user);
  const createBoard = h("form", {}, h("h3", {}, "Create a private leaderboard"), field("Leaderboard name", boardName), boardConfirm.el, h("button", { type: "submit" }, "Create leaderboard"));
  createBoard.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const answer = await api(me("/leaderboards"), { method: "POST", body: { name: boardName.value.trim() }, confirm: boardConfirm.value() });
      ctx.navigate(`/teams/leaderboards/${answer.data.id}`);
    } catch (exc) {
      status.fail(exc);
    }
  });

  replace(main, h("h1", {}, "Teams"), status.el, invites,
    section("Your organizations", orgs.data.length
      ? table("Organizations", ["Organization", "Your role", "What it sees of you"], orgs.data.map((o) => [h("a", { href: `/teams/${o.id}` }, o.display_name || o.name), o.role, o.privacy]))
      : h("p", {}, "You are not a member of any organization yet."), join, create),
    section("Private leaderboards", boards.data.length
      ? h("ul", {}, boards.data.map((b) => h("li", {}, h("a", { href: `/teams/leaderboards/${b.id}` }, b.display_name || b.name))))
      : h("p", {}, "No private leaderboards."), createBoard));
}

async function organization(main, ctx, orgId) {
  const [orgs, members, dashboards] = await Promise.all([api(me("/orgs")), api(me(`/orgs/${orgId}/members`)), api(me(`/orgs/${orgId}/dashboards`))]);
  const org = orgs.data.find((o) => o.id === orgId);
  if (!org) {
    replace(main, h("h1", {}, "Organization"), notice("You are not a member of this organization.", "error"));
    return;
  }
  const status = statusLine();
  const parts = [h("h1", {}, org.display_name || org.name), h("p", {}, h("a", { href: "/teams" }, "All teams")), status.el,
    section("Dashboards", dashboards.data.length
      ? table("Dashboards", ["Dashboard", "Members"], dashboards.data.map((d) => [h("a", { href: `/teams/${orgId}/dashboards/${d.id}` }, d.name), String(d.members_count)]))
      : h("p", {}, "No dashboards yet.")),
    section("Members", table("Members", ["Member", "Role", "Shares"], members.data.map((m) => [m.user.display_name || m.user.username, m.role, m.privacy])))];
  const presence = presenceSection(ctx, orgId);
  parts.push(presence.el);

  const privacy = select([["all", "All my projects"], ["matching", "Only projects matching the organization's patterns"], ["totals", "Totals only"]], org.privacy, { name: "privacy" });
  const privacyForm = h("form", { class: "inline-form" }, field("What this organization sees of me", privacy), h("button", { type: "submit" }, "Save"));
  privacyForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api(me(`/orgs/${orgId}/membership`), { method: "PATCH", body: { privacy: privacy.value } });
      status.ok("Saved.");
    } catch (exc) {
      status.fail(exc);
    }
  });
  parts.push(section("Your privacy", privacyForm));

  if (org.can_manage) {
    const dashName = h("input", { type: "text", name: "dashboard_name", required: true, maxlength: 100 });
    const picks = members.data.map((m) => checkbox(m.user.display_name || m.user.username, true, { value: m.id }));
    const dashForm = h("form", {}, field("Dashboard name", dashName), h("fieldset", {}, h("legend", {}, "Members"), picks.map((p) => p.el)), h("button", { type: "submit" }, "Create dashboard"));
    dashForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const answer = await api(me(`/orgs/${orgId}/dashboards`), { method: "POST", body: { name: dashName.value.trim(), members: picks.filter((p) => p.input.checked).map((p) => p.input.value) } });
        ctx.navigate(`/teams/${orgId}/dashboards/${answer.data.id}`);
      } catch (exc) {
        status.fail(exc);
      }
    });
    const email = h("input", { type: "email", name: "invite_email", maxlength: 254 });
    const role = select([["member", "Member"], ["admin", "Admin"], ["viewer", "Viewer"]], "member", { name: "invite_role" });
    const confirm = confirmField(ctx.user);
    const shown = h("div", { "aria-live": "polite" });
    const inviteForm = h("form", {}, field("E-mail (leave empty for an invite code)", email), field("Role", role), confirm.el, h("button", { type: "submit" }, "Invite"), shown);
    inviteForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const answer = await api(me(`/orgs/${orgId}/invites`), { method: "POST", body: { email: email.value.trim() || null, role: role.value }, confirm: confirm.value() });
        const inviteCode = answer.data.code;
        replace(shown, inviteCode
          ? h("div", { class: "card highlight" }, h("p", {}, "Invite code (shown once):"), field("Invite code", h("input", { type: "text", readonly: true, value: inviteCode, class: "mono" })), copyButton(() => inviteCode, "Copy code"))
          : notice(`Invitation sent to ${answer.data.email}: they accept it after signing in.`));
      } catch (exc) {
        status.fail(exc);
      }
    });
    parts.push(section("Create a dashboard", dashForm), section("Invite people", inviteForm));
  }
  replace(main, ...parts);
  return presence.close;
}

// Who in the organization is coding now (the live channel org.presence): each member's privacy applies on the
// server; the list is replaced by every `presence` event.
function presenceSection(ctx, orgId) {
  const state = h("p", { class: "muted", id: "presence-state", "aria-live": "polite" }, "Connecting to live presence…");
  const list = h("div", { id: "presence" });
  const show = (data) => {
    const rows = data.members.map((m) => [m.user.display_name || m.user.username,
      m.coding ? `Coding now${m.project ? ` on ${m.project}` : ""}` : "Not coding", `${hours(m.today_seconds)} h`]);
    replace(list, h("p", {}, `${data.coding_now} coding now; the team's total today: ${hours(data.total_seconds_today)} h.`),
      rows.length ? table("Who is coding now", ["Member", "Now", "Today"], rows) : h("p", {}, "No member shares activity."));
  };
  const close = openChannel(ctx.config.live_url, "org.presence", { org: orgId },
    (message) => message.type === "presence" && message.data && show(message.data),
    (mode) => replace(state, mode === "live" ? "Live: updates as members code."
      : mode === "unavailable" ? "Live presence is unavailable (no live connection); reload to try again." : mode));
  return { el: section("Coding now", state, list), close };
}

async function dashboard(main, ctx, orgId, dashId) {
  const current = rangeFromQuery();
  const base = `/teams/${orgId}/dashboards/${dashId}`;
  // The team endpoint takes dates: the named range is resolved the way the API resolves it for the viewer.
  const mine = await api(me("/summaries"), { query: summariesQuery(current) });
  const start = mine.data[0].range.date;
  const end = mine.data[mine.data.length - 1].range.date;
  const [team, leaders, dashboards] = await Promise.all([
    api(me(`/orgs/${orgId}/dashboards/${dashId}/summaries`), { query: { start, end } }),
    api(me(`/orgs/${orgId}/dashboards/${dashId}/leaderboard`)),
    api(me(`/orgs/${orgId}/dashboards`)),
  ]);
  const name = dashboards.data.find((d) => d.id === dashId)?.name || "Team dashboard";
  const members = team.total.members;
  const days = team.data;
  const series = members.map((m, i) => ({
    label: m.display_name || m.username, backgroundColor: color(i), stack: "t",
    data: days.map((d) => hours(d.members.find((x) => x.id === m.id)?.grand_total.total_seconds || 0)),
  }));
  const figure = chartFigure(
    { type: "bar", data: { labels: days.map((d) => shortDate(d.range.date)), datasets: series },
      options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "hours" } } } } },
    { label: `Bar chart of the team's coding time per day, stacked by member: ${team.cumulative_total.text} in total.`,
      caption: "Team time per day", headers: ["Day", "Total", ...series.map((s) => s.label)],
      rows: days.map((d, i) => [d.range.date, d.grand_total.text, ...series.map((s) => `${s.data[i]} h`)]) },
  );
  const items = (list) => (list || []).map((p) => [p.name ?? p.key, p.text ?? `${hours(p.total_seconds ?? p.total)} h`]);
  replace(main, h("h1", {}, name), h("p", {}, h("a", { href: `/teams/${orgId}` }, "Back to the organization")),
    rangePicker(current, (r) => ctx.navigate(`${base}${rangeSearch(r)}`)),
    h("div", { class: "stats" },
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "Team total"), h("strong", { id: "team-total" }, team.cumulative_total.text)),
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "Daily average"), h("strong", {}, team.daily_average.text)),
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "Members"), h("strong", {}, String(team.members_count ?? members.length)))),
    h("p", { class: "muted" }, "A member's time counts for the team from the day after they joined, as much as their privacy setting shares."),
    section("Team time per day", figure.el),
    h("div", { class: "grid" },
      section("Members", table("Time per member", ["Member", "Time"], members.map((m) => [m.display_name || m.username, m.grand_total.text]))),
      section("Projects", team.total.projects.length ? table("Team projects", ["Project", "Time"], items(team.total.projects)) : h("p", {}, "No projects shared.")),
      section("Languages", team.total.languages.length ? table("Team languages", ["Language", "Time"], items(team.total.languages)) : h("p", {}, "No languages shared."))),
    section("Leaderboard (last 7 days)", leaderTable(leaders)));
  return figure.destroy;
}

function leaderTable(leaders) {
  if (!leaders.data.length) return h("p", {}, "Nobody on the board yet.");
  return table("Ranking", ["Rank", "Member", "Total", "Daily average"], leaders.data.map((l) =>
    [String(l.rank), l.user.display_name || l.user.username, l.running_total.human_readable_total, l.running_total.human_readable_daily_average]));
}

async function board(main, boardId) {
  const [leaders, boards] = await Promise.all([api(me(`/leaderboards/${boardId}`)), api(me("/leaderboards"))]);
  const found = boards.data.find((b) => b.id === boardId);
  replace(main, h("h1", {}, found ? found.display_name || found.name : "Leaderboard"), h("p", {}, h("a", { href: "/teams" }, "All teams")),
    section("Ranking (last 7 days)", leaderTable(leaders)));
}
