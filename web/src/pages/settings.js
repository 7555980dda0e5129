// Settings: preferences, sharing and badges, rules, API keys, reports, import/export, and the danger zone.
// Take-over actions (new or rotated keys, report settings, clearing data, deleting the account) need a signed-in
// person, or a key plus a one-time code from `codetime users confirm` on the server (api/deps.py ConfirmedUser).
import { api, apiBase, describe, me } from "../api.js";
import { authorization, credential, signOut } from "../auth.js";
import { confirmField, statusLine } from "../forms.js";
import { dateTime } from "../format.js";
import { checkbox, copyButton, field, h, notice, replace, section, select, table } from "../ui.js";

const WEEK = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export async function render(main, ctx) {
  const [settings, rules, keys, reports] = await Promise.all([
    api(me("/settings")), api(me("/rules")), api("/auth/keys").catch((e) => e), api(me("/reports/settings")),
  ]);
  const byKey = credential()?.kind === "key";
  replace(main, h("h1", {}, "Settings"),
    h("nav", { class: "toc", "aria-label": "Settings sections" }, h("ul", {},
      ["Preferences", "Sharing and badges", "Project and language rules", "API keys", "Reports", "Import and export", "Danger zone"]
        .map((t) => h("li", {}, h("a", { href: `#${slug(t)}` }, t))))),
    preferences(settings.data),
    sharing(settings.data, ctx.user),
    rulesSection(rules.data),
    keysSection(keys, byKey, ctx.user),
    reportsSection(reports.data, byKey, ctx.user),
    importExport(ctx.user),
    danger(ctx, byKey));
}

const slug = (t) => t.toLowerCase().replace(/[^a-z]+/g, "-");

function titled(title, ...children) {
  const el = section(title, ...children);
  el.id = slug(title);
  return el;
}

function preferences(s) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const tz = h("input", { type: "text", name: "timezone", value: s.timezone, list: "timezones", autocomplete: "off", required: true });
  const datalist = h("datalist", { id: "timezones" }, zones.map((z) => h("option", { value: z })));
  const timeout = h("input", { type: "number", name: "timeout", min: 1, max: 60, value: s.timeout, required: true });
  const week = select(WEEK.map((d, i) => [i, d]), s.week_start, { name: "week_start" });
  const display = h("input", { type: "text", name: "display_name", maxlength: 100, value: s.display_name || "" });
  const status = statusLine();
  const form = h("form", {},
    field("Display name", display),
    field("Timezone", tz, "Days and ranges are counted in this timezone (IANA name, e.g. Europe/Berlin)."), datalist,
    field("Keystroke timeout (minutes)", timeout, "Gaps between heartbeats up to this long count as coding time."),
    field("Week starts on", week),
    h("button", { type: "submit" }, "Save preferences"), status.el);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const answer = await api(me("/settings"), { method: "PATCH", body: {
        display_name: display.value.trim() || null, timezone: tz.value.trim(), timeout: Number(timeout.value), week_start: Number(week.value),
      } });
      status.ok(answer.data.is_up_to_date ? "Preferences saved." : "Preferences saved; totals are being recomputed in the background.");
    } catch (exc) {
      status.fail(exc);
    }
  });
  return titled("Preferences", form);
}

function sharing(s, user) {
  const profile = checkbox("Public profile", s.public_profile);
  const leaderboard = checkbox("Appear on the public leaderboard (display name, country and language totals)", s.public_leaderboard);
  const country = h("input", { type: "text", name: "country_code", maxlength: 2, value: s.country_code || "", autocomplete: "country", size: 3 });
  const days = select([[0, "Nothing (private)"], [7, "Ranges up to 7 days"], [30, "Ranges up to 30 days"], [365, "Ranges up to a year"], [-1, "Any range"]],
    [0, 7, 30, 365, -1].includes(s.share_data_max_days) ? s.share_data_max_days : 7, { name: "share_data_max_days" });
  const dims = ["projects", "languages", "editors", "operating_systems", "machines", "categories"]
    .map((d) => [d, checkbox(`Show ${d.replace("_", " ")}`, s[`share_${d}`])]);
  const status = statusLine();
  const form = h("form", {},
    profile.el, leaderboard.el,
    field("Country for leaderboards (two letters, e.g. DE)", country),
    field("Stats anyone may read without a key", days),
    h("fieldset", {}, h("legend", {}, "What public stats show"), dims.map(([, c]) => c.el)),
    h("button", { type: "submit" }, "Save sharing"), status.el);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { public_profile: profile.input.checked, public_leaderboard: leaderboard.input.checked,
      country_code: country.value.trim().toUpperCase() || null, share_data_max_days: Number(days.value) };
    dims.forEach(([d, c]) => (body[`share_${d}`] = c.input.checked));
    try {
      await api(me("/settings"), { method: "PATCH", body });
      status.ok("Sharing saved.");
      drawBadge();
    } catch (exc) {
      status.fail(exc);
    }
  });

  // Badges (GET /users/{username}/badge/{range}[/shields]?project=): public data, so only what is shared shows.
  const who = encodeURIComponent(user.username);
  const statsUrl = `${location.origin}${apiBase()}/users/${who}/stats/last_7_days`;
  const badgeRange = select([["last_7_days", "Last 7 days"], ["last_30_days", "Last 30 days"], ["last_year", "Last year"]], "last_7_days", { name: "badge_range" });
  const badgeProject = h("input", { type: "text", name: "badge_project", placeholder: "all projects" });
  const svgField = h("textarea", { readonly: true, rows: 2, name: "badge_markdown" });
  const shieldsField = h("textarea", { readonly: true, rows: 3, name: "shields_markdown" });
  const preview = h("div", { class: "badge-preview" });
  const urls = () => {
    const base = `${location.origin}${apiBase()}/users/${who}/badge/${badgeRange.value}`;
    const query = badgeProject.value.trim() ? `?project=${encodeURIComponent(badgeProject.value.trim())}` : "";
    return { svg: `${base}${query}`, shields: `${base}/shields${query}` };
  };
  function drawBadge() {
    const { svg, shields } = urls();
    svgField.value = `[![CodeTime](${svg})](${location.origin}/)`;
    shieldsField.value = `[![CodeTime](https://img.shields.io/endpoint?url=${encodeURIComponent(shields)})](${location.origin}/)`;
    const img = h("img", { src: `${svg}${svg.includes("?") ? "&" : "?"}v=${Date.now()}`, alt: "Your badge (not shown: the range or project is not shared publicly yet)", height: 20 });
    replace(preview, h("span", { class: "muted" }, "Preview: "), img);
  }
  badgeRange.addEventListener("change", drawBadge);
  badgeProject.addEventListener("change", drawBadge);
  drawBadge();
  return titled("Sharing and badges", form,
    h("h3", {}, "Badges"),
    h("p", {}, "Shared stats are public at ", h("a", { href: statsUrl, target: "_blank", rel: "noopener" }, statsUrl),
      ". A badge shows the time over a range (optionally of one project) and works once sharing covers that range."),
    h("div", { class: "inline-form" }, field("Badge range", badgeRange), field("Project (optional)", badgeProject)),
    preview,
    field("Badge Markdown (SVG served by this server)", svgField), copyButton(() => svgField.value, "Copy badge Markdown"),
    field("Badge Markdown (shields.io endpoint)", shieldsField), copyButton(() => shieldsField.value, "Copy shields.io Markdown"));
}

function rulesSection(rules) {
  const listBox = h("div", {});
  const status = statusLine();
  const draw = (items) => replace(listBox, items.length
    ? table("Rules", ["Kind", "Pattern", "Replacement", "Action"], items.map((r) => [r.kind, r.pattern, r.replacement,
      h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          await api(me(`/rules/${r.id}`), { method: "DELETE" });
          draw((await api(me("/rules"))).data);
          status.ok(`Rule ${r.pattern} → ${r.replacement} deleted; totals are recomputed in the background.`);
        } catch (exc) {
          status.fail(exc);
        }
      } }, `Delete rule ${r.pattern}`)]))
    : h("p", {}, "No rules."));
  draw(rules);
  const kind = select([["project", "Rename or merge a project"], ["language", "Rename a language"], ["extension", "Files with an extension get a language"]], "project", { name: "kind" });
  const pattern = h("input", { type: "text", name: "pattern", required: true, maxlength: 255 });
  const replacement = h("input", { type: "text", name: "replacement", required: true, maxlength: 255 });
  const form = h("form", { class: "inline-form" }, field("Kind", kind), field("Pattern", pattern), field("Replacement", replacement),
    h("button", { type: "submit" }, "Add rule"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api(me("/rules"), { method: "POST", body: { kind: kind.value, pattern: pattern.value, replacement: replacement.value } });
      pattern.value = replacement.value = "";
      draw((await api(me("/rules"))).data);
      status.ok("Rule added; totals are recomputed in the background.");
    } catch (exc) {
      status.fail(exc);
    }
  });
  return titled("Project and language rules", listBox, form, status.el);
}

function keysSection(keys, byKey, user) {
  const status = statusLine();
  const shown = h("div", { "aria-live": "polite" });
  const listBox = h("div", {});
  const confirm = confirmField(user);
  const showOnce = (issued, what) => {
    const value = h("input", { type: "text", readonly: true, value: issued.key, name: "new_key", class: "mono" });
    replace(shown, h("div", { class: "card highlight" },
      h("p", {}, `${what} Copy it now: it is shown only once.`), field("New API key", value), copyButton(() => issued.key, "Copy key")));
    value.focus();
    value.select();
  };
  const draw = (data) => replace(listBox, table("Your API keys", ["Key", "Label", "Access", "Created", "Last used", "State", "Actions"],
    data.map((k) => [h("span", { class: "mono" }, k.key_hint), k.label || "—", k.read_only ? "read-only" : "full access", dateTime(k.created_at),
      k.last_used_at ? `${dateTime(k.last_used_at)}${k.last_plugin ? ` (${k.last_plugin.split(" ")[0]})` : ""}` : "never",
      k.revoked_at ? `revoked ${dateTime(k.revoked_at)}` : "active",
      k.revoked_at ? "" : h("span", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => act(() => api(`/auth/keys/${k.id}/rotate`, { method: "POST", confirm: confirm.value() }), "rotate", k) }, `Rotate ${k.key_hint}`),
        h("button", { type: "button", class: "danger", onclick: () => act(() => api(`/auth/keys/${k.id}`, { method: "DELETE" }), "revoke", k) }, `Revoke ${k.key_hint}`))])));
  const reload = async () => draw((await api("/auth/keys")).data);
  const act = async (call, what, k) => {
    try {
      const answer = await call();
      if (what === "rotate") showOnce(answer.data, `Key ${k.key_hint} was replaced by a new key (the old one stops working).`);
      else status.ok(`Key ${k.key_hint} revoked.`);
      await reload();
    } catch (exc) {
      status.fail(exc);
    }
  };
  if (keys instanceof Error) {
    replace(listBox, notice(keys.status === 403 ? "A read-only key cannot list or manage keys. Sign in with a full-access key or as a person." : keys.message, "error"));
  } else {
    draw(keys.data);
  }
  const label = h("input", { type: "text", name: "label", maxlength: 100 });
  const readOnly = checkbox("Read-only (can read stats, cannot post heartbeats or change anything): the safe choice for dashboards", true);
  const form = h("form", {}, h("h3", {}, "Create a key"), field("Label", label, "e.g. the machine or tool that will use it"), readOnly.el, confirm.el,
    h("button", { type: "submit" }, "Create key"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const answer = await api("/auth/key", { method: "POST", body: { label: label.value.trim() || null, read_only: readOnly.input.checked }, confirm: confirm.value() });
      label.value = "";
      showOnce(answer.data, "Your new key was created.");
      await reload();
    } catch (exc) {
      status.fail(exc);
    }
  });
  return titled("API keys", listBox, shown, status.el, form);
}

function reportsSection(r, byKey, user) {
  const daily = checkbox("Daily report (yesterday)", r.daily);
  const weekly = checkbox("Weekly report (the past 7 days)", r.weekly);
  const email = checkbox("Send reports by e-mail", r.email);
  const hour = select(Array.from({ length: 24 }, (_, i) => [i, `${String(i).padStart(2, "0")}:00`]), r.hour, { name: "hour" });
  const weekday = select(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].map((d, i) => [i, d]), r.weekday, { name: "weekday" });
  const hooks = h("div", {});
  const hookRow = (hook = { url: "", format: "json" }) => {
    const url = h("input", { type: "url", name: "webhook_url", value: hook.url, maxlength: 2048, placeholder: "https://…" });
    const format = select([["json", "JSON"], ["slack", "Slack"], ["discord", "Discord"]], hook.format, { name: "webhook_format" });
    const row = h("div", { class: "inline-form webhook" }, field("Webhook URL", url), field("Format", format),
      h("button", { type: "button", class: "secondary", onclick: () => row.remove() }, "Remove webhook"));
    row.read = () => (url.value.trim() ? { url: url.value.trim(), format: format.value } : null);
    hooks.append(row);
  };
  (r.webhooks || []).forEach(hookRow);
  const confirm = confirmField(user);
  const status = statusLine();
  const form = h("form", {}, daily.el, weekly.el, field(`Send at (${r.timezone})`, hour), field("Weekly report on", weekday), email.el,
    h("h3", {}, "Webhooks"), byKey ? h("p", { class: "muted" }, "Webhook addresses are masked when signed in with a key; saving keeps the masked ones as they are.") : null,
    hooks, h("button", { type: "button", class: "secondary", onclick: () => hookRow() }, "Add webhook"),
    confirm.el, h("button", { type: "submit" }, "Save report settings"), status.el);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      daily: daily.input.checked, weekly: weekly.input.checked, email: email.input.checked, hour: Number(hour.value),
      weekday: Number(weekday.value), webhooks: [...hooks.children].map((row) => row.read()).filter(Boolean),
    };
    try {
      await api(me("/reports/settings"), { method: "PUT", body, confirm: confirm.value() });
      status.ok("Report settings saved.");
    } catch (exc) {
      status.fail(exc);
    }
  });
  return titled("Reports", form);
}

function importExport(user) {
  const file = h("input", { type: "file", name: "import", accept: "application/json,.json" });
  const progress = h("progress", { max: 100, value: 0, hidden: true, "aria-label": "Upload progress" });
  const status = statusLine();
  const form = h("form", {}, field("WakaTime data dump (JSON)", file, "Upload a dump exported from wakatime.com (or a heartbeat array); duplicates are skipped."),
    progress, h("button", { type: "submit" }, "Import"), status.el);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!file.files.length) return status.fail(new Error("Choose a file to import first."));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${apiBase()}/users/current/imports`);
    xhr.setRequestHeader("Authorization", authorization());
    xhr.setRequestHeader("Content-Type", "application/json");
    progress.hidden = false;
    progress.value = 0;
    xhr.upload.onprogress = (ev) => ev.lengthComputable && (progress.value = Math.round((ev.loaded / ev.total) * 100));
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.value = 100;
        const d = body.data;
        status.ok(`Imported ${d.imported} heartbeats (${d.duplicates} duplicates, ${d.invalid} invalid).`);
      } else {
        status.fail(new Error(describe(xhr.status, body, xhr.getResponseHeader("Retry-After"))));
      }
    };
    xhr.onerror = () => status.fail(new Error(describe(0)));
    xhr.send(file.files[0]);
  });
  const exportStatus = statusLine();
  const exportButton = h("button", { type: "button" }, "Export all heartbeats");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const response = await api(me("/export"), { raw: true });
      const reader = response.body.getReader();
      const chunks = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
        exportStatus.ok(`Downloading… ${(received / 1024).toFixed(0)} KB`);
      }
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "")?.[1] || `codetime-${user.username}.json`;
      const link = h("a", { href: URL.createObjectURL(new Blob(chunks, { type: "application/json" })), download: name }, "download");
      document.body.append(link);
      link.click();
      link.remove();
      exportStatus.ok(`Exported ${(received / 1024).toFixed(0)} KB as ${name}.`);
    } catch (exc) {
      exportStatus.fail(exc);
    } finally {
      exportButton.disabled = false;
    }
  });
  return titled("Import and export", form, h("h3", {}, "Export"), h("p", {}, "Everything you recorded, in WakaTime's data-dump format."), exportButton, exportStatus.el);
}

function danger(ctx, byKey) {
  const user = ctx.user;
  const part = (title, what, path, after) => {
    const typed = h("input", { type: "text", name: `confirm_${path ? "data" : "account"}`, autocomplete: "off", spellcheck: "false" });
    const confirm = confirmField(user);
    const button = h("button", { type: "submit", class: "danger", disabled: true }, title);
    typed.addEventListener("input", () => (button.disabled = typed.value !== user.username));
    const status = statusLine();
    const form = h("form", {}, h("h3", {}, title), h("p", {}, what),
      field(`Type your username “${user.username}” to confirm`, typed), confirm.el, button, status.el);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (typed.value !== user.username) return;
      try {
        const answer = await api(me(path), { method: "DELETE", query: { confirm: user.username }, confirm: confirm.value() });
        typed.value = "";
        button.disabled = true;
        status.ok(answer.data.complete ? "Done." : "Done; the rest of the heartbeats are deleted in the background.");
        after?.();
      } catch (exc) {
        status.fail(exc);
      }
    });
    return form;
  };
  return titled("Danger zone",
    part("Clear all data", "Deletes every heartbeat and summary; keeps the account, keys and settings. This cannot be undone.", "/data"),
    part("Delete account", "Deletes the account, its keys, goals, settings and all data. This cannot be undone.", "", () => {
      signOut();
      ctx.showAlert("Your account was deleted.", "info");
      ctx.navigate("/signin");
    }));
}
