// The app shell: configuration, sign-in state, navigation (History API, links work with a keyboard and new tabs),
// the status area (today's total and the live indicator) and the page modules.
import "./style.css";
import { api, ApiError, me, onUnauthorized, setApiBase } from "./api.js";
import { credential, finishSignIn, signOut, tokenExpired } from "./auth.js";
import { destroyCharts } from "./charts.js";
import { TodayFeed } from "./live.js";
import { h, notice, replace } from "./ui.js";

import * as signin from "./pages/signin.js";
import * as overview from "./pages/overview.js";
import * as calendar from "./pages/calendar.js";
import * as day from "./pages/day.js";
import * as projects from "./pages/projects.js";
import * as goals from "./pages/goals.js";
import * as settings from "./pages/settings.js";
import * as admin from "./pages/admin.js";
import * as teams from "./pages/teams.js";

const ROUTES = [
  { path: /^\/$/, page: overview, nav: "Overview" },
  { path: /^\/calendar$/, page: calendar, nav: "Calendar" },
  { path: /^\/day$/, page: day, nav: "Day" },
  { path: /^\/projects$/, page: projects, nav: "Projects" },
  { path: /^\/projects\/(.+)$/, page: projects },
  { path: /^\/goals$/, page: goals, nav: "Goals" },
  { path: /^\/teams(?:\/(.+))?$/, page: teams, nav: "Teams" },
  { path: /^\/settings$/, page: settings, nav: "Settings" },
  { path: /^\/admin$/, page: admin, nav: "Admin", admin: true },
];
const NAV_PATHS = { Overview: "/", Calendar: "/calendar", Day: "/day", Projects: "/projects", Goals: "/goals", Teams: "/teams", Settings: "/settings", Admin: "/admin" };

const ctx = { config: null, user: null, isAdmin: false, feed: null, navigate, showAlert, clearAlerts };
let cleanup = null;

function showAlert(text, kind = "error") {
  const box = document.getElementById("alerts");
  replace(box, h("div", { class: `banner ${kind}` }, h("span", {}, text),
    h("button", { type: "button", class: "link", onclick: clearAlerts }, "Dismiss")));
}

function clearAlerts() {
  replace(document.getElementById("alerts"));
}

export function navigate(path, { replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  // Focus moves to the new page's content, so keyboard and screen-reader users start there.
  return render().then(() => document.getElementById("main").focus({ preventScroll: false }));
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/docs") || link.hasAttribute("download")) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", () => render());

function renderNav() {
  const nav = document.getElementById("nav");
  if (!ctx.user) return replace(nav);
  const current = location.pathname;
  const items = ROUTES.filter((r) => r.nav && (!r.admin || ctx.isAdmin)).map((r) => {
    const href = NAV_PATHS[r.nav];
    const active = href === "/" ? current === "/" : current.startsWith(href);
    return h("li", {}, h("a", { href, "aria-current": active ? "page" : null }, r.nav));
  });
  replace(nav, h("ul", {}, items));
}

function renderStatus() {
  const box = document.getElementById("status");
  if (!ctx.user) return replace(box);
  const today = h("span", { class: "today", id: "today-total" }, "Today: …");
  const indicator = h("span", { class: "live", id: "live-indicator" }, "");
  const who = h("span", { class: "who" }, ctx.user.display_name || ctx.user.username);
  const out = h("button", { type: "button", class: "secondary", onclick: () => { signOut(); ctx.feed?.stop(); ctx.feed = null; ctx.user = null; navigate("/signin"); } }, "Sign out");
  replace(box, h("span", { "aria-live": "polite" }, today), indicator, who, out);
  ctx.feed.subscribe((data) => (today.textContent = `Today: ${data.grand_total.text}`));
  ctx.feed.onMode((mode) => {
    indicator.dataset.mode = mode;
    indicator.textContent = { live: "● Live", polling: "○ Updates every minute", connecting: "○ Connecting…" }[mode];
    indicator.title = mode === "live" ? "Today's total updates live over a WebSocket" : "The live connection is unavailable: today's total is refreshed every minute";
  });
}

async function loadUser() {
  const answer = await api(me());
  ctx.user = answer.data;
  // Administrators are people (tokens) listed in CODETIME_ADMINS; ask the API instead of guessing.
  ctx.isAdmin = false;
  if (credential()?.kind === "token") {
    try {
      await api("/ops/health");
      ctx.isAdmin = true;
    } catch (exc) {
      ctx.isAdmin = exc instanceof ApiError && exc.status === 503; // degraded health still means admin
    }
  }
  ctx.feed?.stop();
  ctx.feed = new TodayFeed(ctx.config.live_url);
  ctx.feed.start();
}

async function render() {
  if (cleanup) cleanup();
  cleanup = null;
  const main = document.getElementById("main");
  destroyCharts(main);
  const path = location.pathname;

  if (path === "/callback") {
    try {
      const returnTo = await finishSignIn(ctx.config.oidc);
      ctx.user = null;
      return navigate(returnTo, { replaceState: true });
    } catch (exc) {
      history.replaceState(null, "", "/signin");
      showAlert(exc.message);
    }
  }
  if (!credential() || tokenExpired()) {
    if (tokenExpired()) {
      signOut();
      showAlert("Your sign-in has expired. Please sign in again.");
    }
    ctx.user = null;
    renderNav();
    renderStatus();
    if (location.pathname !== "/signin") history.replaceState(null, "", `/signin${path !== "/" && path !== "/signin" ? `?next=${encodeURIComponent(path)}` : ""}`);
    document.title = "Sign in · CodeTime";
    cleanup = await signin.render(main, ctx) || null;
    return;
  }
  if (path === "/signin") return navigate("/", { replaceState: true });
  if (!ctx.user) {
    try {
      await loadUser();
    } catch (exc) {
      if (exc.status === 401) return; // onUnauthorized signs out and re-renders
      replace(main, h("h1", {}, "CodeTime"), notice(exc.message, "error"),
        h("button", { type: "button", onclick: () => render() }, "Try again"));
      return;
    }
  }
  renderNav();
  renderStatus();
  const route = ROUTES.find((r) => r.path.test(path) && (!r.admin || ctx.isAdmin));
  if (!route) {
    replace(main, h("h1", {}, "Not found"), h("p", {}, "There is no page at this address. "), h("a", { href: "/" }, "Go to the overview"));
    return;
  }
  const params = path.match(route.path).slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p)));
  replace(main, h("p", { class: "loading" }, "Loading…"));
  try {
    cleanup = (await route.page.render(main, ctx, ...params)) || null;
  } catch (exc) {
    if (exc.status === 401) return;
    replace(main, h("h1", {}, route.nav || "CodeTime"), notice(exc.message || String(exc), "error"),
      h("button", { type: "button", onclick: () => render() }, "Try again"));
  }
  const heading = main.querySelector("h1");
  document.title = `${heading ? heading.textContent : "CodeTime"} · CodeTime`;
}

onUnauthorized((error) => {
  signOut();
  ctx.feed?.stop();
  ctx.feed = null;
  ctx.user = null;
  showAlert(error.message);
  render();
});

async function start() {
  try {
    const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
    ctx.config = response.ok ? await response.json() : {};
  } catch {
    ctx.config = {};
  }
  ctx.config = { oidc: null, live_url: null, api_base: "/api/v1", ...ctx.config };
  setApiBase(ctx.config.api_base);
  await render();
}

start();
