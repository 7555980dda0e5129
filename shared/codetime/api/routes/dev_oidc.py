"""The dev issuer (local app only, never deployed): discovery, JWKS, and the dashboard's sign-in by the
authorization code flow with PKCE: a one-field e-mail form, a one-time code, tokens the API accepts."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from codetime.config import get_settings
from codetime.local import dev_issuer
from codetime.local.dev_issuer import AuthorizationRequest, FlowError
from codetime.services.identity import Claims, sign_in

router = APIRouter(tags=["dev sign-in"], include_in_schema=False)
_codes = dev_issuer.AuthorizationCodes()
# Nothing of the sign-in may be cached or framed by another page.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_PAGE_HEADERS = {**_NO_STORE, "X-Frame-Options": "DENY", "Content-Security-Policy": "default-src 'none'; "
                 "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}  # fmt: skip
_FORM_FIELDS = ("client_id", "redirect_uri", "state", "response_type", "code_challenge", "code_challenge_method",
                "scope", "nonce")  # fmt: skip


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/.well-known/openid-configuration")
def openid_configuration(request: Request) -> dict:
    return dev_issuer.discovery(_origin(request))


@router.get("/.well-known/jwks.json")
def jwks() -> dict:
    return dev_issuer.jwks(get_settings().data_dir)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    # System colours keep the contrast of the person's light or dark theme; no script, no external resource.
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · CodeTime (dev)</title>
<style>
:root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
body {{ margin: 0; background: Canvas; color: CanvasText; }}
main {{ max-width: 24rem; margin: 10vh auto; padding: 1.5rem; }}
label {{ display: block; font-weight: 600; margin-bottom: .25rem; }}
input, button {{ font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; }}
button {{ margin-top: 1rem; cursor: pointer; }}
:focus-visible {{ outline: 3px solid Highlight; outline-offset: 2px; }}
.error {{ border: 2px solid; padding: .5rem; margin-bottom: 1rem; }}
</style></head>
<body><main>
<h1>{escape(title)}</h1>
{body}
</main></body></html>"""
    return HTMLResponse(html, status_code=status, headers=_PAGE_HEADERS)


def _refused(exc: FlowError) -> HTMLResponse:
    """A request that cannot be sent back to the client (unknown client, redirect URI or state): said on the page."""
    return _page("Sign-in refused", f'<p role="alert" class="error">{escape(exc.description)}</p>', status=400)


def _form(params: dict[str, str], email: str = "", error: str | None = None) -> HTMLResponse:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">'
        for name in _FORM_FIELDS
        if params.get(name)
    )
    alert = f'<p role="alert" id="email-error" class="error">{escape(error)}</p>' if error else ""
    described = ' aria-describedby="email-error" aria-invalid="true"' if error else ""
    body = f"""<p>Development sign-in: no password. Enter any e-mail address; the same address always signs in as
the same person (as <code>codetime token --email</code> does).</p>
{alert}<form method="post" action="{dev_issuer.AUTHORIZE_PATH}">
{hidden}
<label for="email">E-mail</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus maxlength="254"
 value="{escape(email)}"{described}>
<button type="submit">Sign in</button>
</form>"""
    return _page("Sign in to CodeTime", body, status=400 if error else 200)


def _back_to_client(request: AuthorizationRequest | dict[str, str], **answer: str) -> RedirectResponse:
    if isinstance(request, AuthorizationRequest):
        redirect_uri, state = request.redirect_uri, request.state
    else:
        redirect_uri, state = request["redirect_uri"], request["state"]
    return RedirectResponse(f"{redirect_uri}?{urlencode({**answer, 'state': state})}", status_code=303,
                            headers=_NO_STORE)  # fmt: skip


def _single(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params = dict(pairs)
    if len(params) != len(pairs):
        raise FlowError("invalid_request", "A parameter was given more than once.")
    return params


async def _form_body(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise FlowError("invalid_request", "The body must be application/x-www-form-urlencoded.")
    try:
        text = (await request.body()).decode()
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=20)
    except ValueError as exc:  # not UTF-8, malformed or too many fields
        raise FlowError("invalid_request", "The form body could not be read.") from exc
    return _single(pairs)


@router.get(dev_issuer.AUTHORIZE_PATH)
def authorize(request: Request) -> Response:
    """The authorization endpoint: validate the request, then show the sign-in form."""
    try:
        params = _single(list(request.query_params.multi_items()))
        dev_issuer.check_client(params, _origin(request))
    except FlowError as exc:
        return _refused(exc)
    try:
        dev_issuer.authorization_request(params, _origin(request))
    except FlowError as exc:
        return _back_to_client(params, error=exc.code, error_description=exc.description)
    return _form(params)


@router.post(dev_issuer.AUTHORIZE_PATH)
async def sign_in_form(request: Request) -> Response:
    """The form's submission: find or create the person of that e-mail, then redirect with a one-time code."""
    try:
        params = await _form_body(request)
        dev_issuer.check_client(params, _origin(request))
    except FlowError as exc:
        return _refused(exc)
    try:
        auth = dev_issuer.authorization_request(params, _origin(request))
    except FlowError as exc:
        return _back_to_client(params, error=exc.code, error_description=exc.description)
    try:
        email = dev_issuer.normalized_email(params.get("email", ""))
    except FlowError as exc:
        return _form(params, email=params.get("email", "")[:254], error=exc.description)
    # The same person `codetime token --email` names: subject from the e-mail, the e-mail verified.
    sign_in(Claims(subject=dev_issuer.subject_for(email), email=email, email_verified=True, name=None))
    try:
        code = _codes.issue(auth, email)
    except FlowError as exc:
        return _back_to_client(auth, error=exc.code, error_description=exc.description)
    return _back_to_client(auth, code=code, iss=_origin(request))


def _token_error(exc: FlowError) -> JSONResponse:
    status = 401 if exc.code == "invalid_client" else 400
    return JSONResponse({"error": exc.code, "error_description": exc.description}, status_code=status,
                        headers=_NO_STORE)  # fmt: skip


@router.post(dev_issuer.TOKEN_PATH)
async def token(request: Request) -> JSONResponse:
    """The token endpoint: a code and its PKCE verifier for an ID token and an access token."""
    try:
        params = await _form_body(request)
        auth, email = _codes.redeem(params)
    except FlowError as exc:
        return _token_error(exc)
    body = dev_issuer.token_response(get_settings().data_dir, issuer=_origin(request), request=auth, email=email)
    return JSONResponse(body, headers=_NO_STORE)
