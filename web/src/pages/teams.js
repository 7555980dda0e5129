// Teams: organizations, their dashboards, members, team totals and leaderboards. The teams API (issue 12) is not on
// this server yet: this page says so, and is where the team views go once its routes exist.
import { api } from "../api.js";
import { h, notice, replace } from "../ui.js";

export async function render(main) {
  replace(main, h("h1", {}, "Teams"), h("p", { class: "loading" }, "Loading…"));
  try {
    const answer = await api("/users/current/orgs");
    const orgs = answer.data || [];
    replace(main, h("h1", {}, "Teams"), orgs.length
      ? h("ul", {}, orgs.map((o) => h("li", {}, o.name || o.id)))
      : notice("You are not a member of any organization."));
  } catch (exc) {
    replace(main, h("h1", {}, "Teams"), notice(exc.status === 404
      ? "Teams (organizations, dashboards and leaderboards) are not available on this server yet."
      : exc.message, exc.status === 404 ? "info" : "error"));
  }
}
