// Who is signed in: an API key or a person's token, kept in sessionStorage only (gone when the tab closes; sign-out
// forgets it at once). People sign in with the configured OIDC issuer: authorization code + PKCE (S256).

const STORE = "codetime.credential";
const PKCE = "codetime.pkce";

/** {kind: "key"|"token", value, expires?} or null. */
export function credential() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) || "null");
  } catch {
    return null;
  }
}

export function signInWithKey(key) {
  sessionStorage.setItem(STORE, JSON.stringify({ kind: "key", value: key.trim() }));
}

export function signInWithToken(token) {
  sessionStorage.setItem(STORE, JSON.stringify({ kind: "token", value: token, expires: tokenExpiry(token) }));
}

export function signOut() {
  sessionStorage.removeItem(STORE);
  sessionStorage.removeItem(PKCE);
}

/** The Authorization header value: Basic base64(key) as WakaTime plugins send it, or Bearer <token>. */
export function authorization(cred = credential()) {
  if (!cred) return null;
  return cred.kind === "key" ? `Basic ${btoa(cred.value)}` : `Bearer ${cred.value}`;
}

/** The token's `exp` (epoch seconds), read without verifying (the API verifies). */
function tokenExpiry(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).exp || null;
  } catch {
    return null;
  }
}

export function tokenExpired(cred = credential()) {
  return !!(cred && cred.kind === "token" && cred.expires && cred.expires * 1000 <= Date.now());
}

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function discovery(issuer) {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The identity provider's discovery document answered ${response.status}.`);
  return response.json();
}

/** Whether the issuer offers the code flow (its discovery lists both endpoints). */
export async function codeFlowAvailable(oidc) {
  try {
    const doc = await discovery(oidc.issuer);
    return !!(doc.authorization_endpoint && doc.token_endpoint);
  } catch {
    return false;
  }
}

const redirectUri = () => `${location.origin}/callback`;

/** Sends the browser to the issuer's sign-in page with a fresh PKCE verifier and state. */
export async function startSignIn(oidc, returnTo = "/") {
  const doc = await discovery(oidc.issuer);
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, returnTo, tokenEndpoint: doc.token_endpoint }));
  const url = new URL(doc.authorization_endpoint);
  const params = {
    response_type: "code", client_id: oidc.client_id, redirect_uri: redirectUri(), scope: oidc.scope || "openid email profile",
    state, code_challenge: challenge, code_challenge_method: "S256",
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  location.assign(url.toString());
}

/** Completes the code flow on /callback: checks state, swaps the code and verifier for a token. Returns returnTo. */
export async function finishSignIn(oidc) {
  const query = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || "null");
  sessionStorage.removeItem(PKCE);
  if (query.get("error")) throw new Error(`Sign-in was refused: ${query.get("error_description") || query.get("error")}.`);
  if (!saved || !query.get("code") || query.get("state") !== saved.state) {
    throw new Error("This sign-in link is stale or was not started here. Start the sign-in again.");
  }
  const body = new URLSearchParams({
    grant_type: "authorization_code", code: query.get("code"), redirect_uri: redirectUri(),
    client_id: oidc.client_id, code_verifier: saved.verifier,
  });
  const response = await fetch(saved.tokenEndpoint, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`The identity provider refused the sign-in: ${answer.error_description || answer.error || response.status}.`);
  // The API accepts the ID token (issuer, audience and signature checked); an access token is the fallback.
  signInWithToken(answer.id_token || answer.access_token);
  return saved.returnTo || "/";
}
