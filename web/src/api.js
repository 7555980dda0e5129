// Every call to the API goes through here: the credential, and errors turned into words a person can act on.
import { authorization, credential } from "./auth.js";

let base = "/api/v1";
export const setApiBase = (value) => (base = value.replace(/\/$/, ""));
export const apiBase = () => base;

export class ApiError extends Error {
  constructor(status, message, body = {}) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** What went wrong, in words (the API's own message where it has one). */
export function describe(status, body, retryAfter) {
  const said = body && body.error ? String(body.error) : "";
  const fields = body && body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ") : "";
  if (status === 0) return "The server is unavailable: it could not be reached. Check that CodeTime is running, then try again.";
  if (status === 401) {
    return credential()?.kind === "token"
      ? "Your sign-in has expired. Please sign in again."
      : "This API key was not accepted (mistyped, revoked or rotated). Please sign in again.";
  }
  if (status === 429) {
    const wait = retryAfter || body?.retry_after;
    return `Rate limited: too many requests. Try again${wait ? ` in ${wait} seconds` : " in a minute"}.`;
  }
  if (status === 502 || status === 503 || status === 504) {
    return `The server is unavailable right now${said ? ` (${said})` : ""}. Try again shortly.`;
  }
  if (status >= 500) return "The server failed to answer this request. Try again; if it keeps failing, tell the administrator.";
  return [said || `The request failed (HTTP ${status}).`, fields].filter(Boolean).join(" ");
}

const listeners = new Set();
/** Called with every ApiError with status 401 (the app signs out and shows why). */
export const onUnauthorized = (fn) => listeners.add(fn);

/**
 * fetch + JSON. path is under the API base unless it starts with "/" and not with base ("/api/..." given whole).
 * options: method, body (JSON), query (object), confirm (one-time confirmation code), raw (return the Response),
 * keepSignIn (a 401 is the caller's to handle: the sign-in form checking a key).
 */
export async function api(path, { method = "GET", body, query, confirm, raw = false, signal, keepSignIn = false } = {}) {
  const url = new URL(path.startsWith("/api/") || path.startsWith("/.well") ? path : `${base}${path}`, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const headers = { Accept: "application/json" };
  const auth = authorization();
  if (auth) headers.Authorization = auth;
  if (confirm) headers["X-CodeTime-Confirmation"] = confirm;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    // credentials "omit": a 401 answers `WWW-Authenticate: Basic` (for plugins), which would otherwise make the
    // browser pop up its own password dialog; the Authorization header set here is sent all the same.
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: "omit" });
  } catch (exc) {
    if (exc.name === "AbortError") throw exc;
    throw new ApiError(0, describe(0));
  }
  if (raw && response.ok) return response;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, describe(response.status, data, response.headers.get("Retry-After")), data || {});
    if (response.status === 401 && !keepSignIn) listeners.forEach((fn) => fn(error));
    throw error;
  }
  return data;
}

/** The current user's paths. */
export const me = (suffix = "") => `/users/current${suffix}`;
