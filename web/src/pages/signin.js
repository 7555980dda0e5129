// Sign-in: the configured identity provider (code + PKCE), or an API key pasted into a field (kept for this tab only).
import { api } from "../api.js";
import { codeFlowAvailable, signInWithKey, signOut, startSignIn } from "../auth.js";
import { field, h, notice, replace } from "../ui.js";

export async function render(main, ctx) {
  // Only a path of this app: never another origin ("//host", "https://...") after signing in.
  const asked = new URLSearchParams(location.search).get("next") || "/";
  const next = /^\/(?![/\\])/.test(asked) ? asked : "/";
  const status = h("div", { "aria-live": "polite" });
  const keyInput = h("input", { type: "password", name: "api_key", autocomplete: "off", spellcheck: "false", required: true, placeholder: "waka_…" });
  const form = h("form", { class: "card narrow" },
    h("h2", {}, "Sign in with an API key"),
    field("API key", keyInput,
      "A read-only key is the safe choice here: it can show your time but cannot post heartbeats, change settings or manage keys. " +
      "The key is kept in this browser tab only (session storage) and forgotten when you sign out or close the tab."),
    h("button", { type: "submit" }, "Sign in with the key"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) return;
    signInWithKey(key);
    replace(status, notice("Checking the key…"));
    try {
      await api("/users/current", { keepSignIn: true });
      ctx.clearAlerts();
      ctx.navigate(next, { replaceState: true });
    } catch (exc) {
      signOut();
      ctx.clearAlerts();
      replace(status, notice(exc.status === 401 ? "This API key was not accepted: check that it is complete and not revoked." : exc.message, "error"));
    }
  });

  const oidcBox = h("div", {});
  replace(main, h("h1", {}, "Sign in to CodeTime"), status, oidcBox, form);
  if (ctx.config.oidc) {
    replace(oidcBox, h("p", { class: "loading" }, "Looking up the identity provider…"));
    if (await codeFlowAvailable(ctx.config.oidc)) {
      const button = h("button", { type: "button" }, "Sign in with your account");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await startSignIn(ctx.config.oidc, next);
        } catch (exc) {
          button.disabled = false;
          replace(status, notice(`The identity provider is unavailable: ${exc.message}`, "error"));
        }
      });
      replace(oidcBox, h("section", { class: "card narrow", "aria-label": "Sign in with an identity provider" },
        h("h2", {}, "Sign in as a person"),
        h("p", {}, `With the identity provider at ${new URL(ctx.config.oidc.issuer).host}. People can also create keys, clear data and delete the account without a confirmation code.`),
        button));
    } else {
      replace(oidcBox, notice("The identity provider does not offer browser sign-in right now; use an API key below."));
    }
  }
  keyInput.focus();
}
