// Pieces the forms of several pages share: a status line, and the one-time confirmation code of take-over actions.
import { credential } from "./auth.js";
import { field, h, notice, replace } from "./ui.js";

/** A status line for a form: polite news, or an alert for a failure. */
export function statusLine() {
  const el = h("div", { "aria-live": "polite", class: "form-status" });
  return { el, ok: (text) => replace(el, notice(text)), fail: (exc) => replace(el, notice(exc.message || String(exc), "error")) };
}

/**
 * The confirmation code field of a take-over action (api/deps.py ConfirmedUser), shown to people signed in with
 * an API key only: a person signed in through the identity provider needs none.
 */
export function confirmField(user) {
  if (credential()?.kind !== "key") return { el: null, value: () => undefined };
  const input = h("input", { type: "text", name: "confirmation", autocomplete: "one-time-code", inputmode: "numeric" });
  return {
    el: field("Confirmation code", input,
      `Signed in with an API key, this action needs a one-time code: on the server run “codetime users confirm --username ${user.username}”. ` +
      "(Signed in as a person, no code is needed.)"),
    value: () => input.value.trim() || undefined,
  };
}
