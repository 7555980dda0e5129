"""Sign-in with OIDC tokens (real RS256 tokens of the dev issuer, JWKS fetched over HTTP), key scopes, admins."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter

from codetime.api.deps import AdminUser
from codetime.config import get_settings
from codetime.db import get_pool
from codetime.local import dev_issuer
from codetime.services.keys import create_user
from functions import ingestion, keys, summary
from harness import basic, call_api

pytestmark = pytest.mark.e2e
_ops = APIRouter()


@_ops.get("/ops/whoami")
def _whoami(user: AdminUser) -> dict:
    return {"username": user.username}


class Issuer:
    def __init__(self, base_url: str, data_dir: str) -> None:
        self.base_url, self.data_dir = base_url, data_dir

    def token(self, email: str, **kwargs: object) -> str:
        return dev_issuer.issue_token(self.data_dir, email=email, issuer=self.base_url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def issuer(live_server, sqs, monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:  # type: ignore[no-untyped-def]
    """The local app serves the dev issuer's discovery document and JWKS; the handlers validate against it."""
    from codetime.clients import jwks_client, oidc_jwks_url

    monkeypatch.setenv("CODETIME_OIDC_ISSUER", live_server.base_url)
    monkeypatch.setenv("CODETIME_OIDC_AUDIENCE", f"other-app,{dev_issuer.DEV_AUDIENCE}")
    monkeypatch.delenv("CODETIME_OIDC_JWKS_URL", raising=False)  # found through discovery
    monkeypatch.setenv("CODETIME_ADMINS", "Admin@Example.com")
    get_settings.cache_clear()
    jwks_client.cache_clear()
    oidc_jwks_url.cache_clear()
    yield Issuer(live_server.base_url, get_settings().data_dir)
    get_settings.cache_clear()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _users() -> list[tuple]:
    with get_pool().connection() as conn:
        return conn.execute("SELECT username, email, oidc_subject FROM users ORDER BY username").fetchall()


def _post(headers: dict[str, str]):  # type: ignore[no-untyped-def]
    body = [{"entity": "a.py", "type": "file", "time": time.time(), "project": "alpha"}]
    return call_api(ingestion.handler, "POST", "/api/v1/users/current/heartbeats.bulk", headers=headers, body=body)


def test_first_sign_in_creates_the_user_then_finds_it(issuer: Issuer) -> None:
    token = issuer.token("Alice@Example.com")
    listed = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token))
    assert listed.status == 200 and listed.json == {"data": []}
    assert _users() == [("alice", "alice@example.com", dev_issuer.subject_for("alice@example.com"))]
    created = call_api(keys.handler, "POST", "/api/v1/auth/key", headers=bearer(token), body={"label": "laptop"})
    assert created.status == 201 and created.json["data"]["read_only"] is False
    assert _post(basic(created.json["data"]["key"])).status == 202  # the new key is a plugin key
    assert _post(bearer(created.json["data"]["key"])).status == 202  # plugins may send it as Bearer too
    again = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(issuer.token("alice@example.com")))
    assert [k["label"] for k in again.json["data"]] == ["laptop"]
    assert len(_users()) == 1
    assert "key_hash" not in again.text and "oidc_subject" not in again.text


def test_sign_in_links_a_cli_user_by_verified_email_only(issuer: Issuer) -> None:
    create_user(email="bob@example.com", username="bob")
    token = issuer.token("bob@example.com")
    assert call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token)).json["data"][0]["label"] == (
        "default"
    )
    # An unverified e-mail claim never takes over an account: a new user without that e-mail is made.
    now = int(time.time())
    unverified = jwt.encode(
        {"iss": issuer.base_url, "aud": dev_issuer.DEV_AUDIENCE, "sub": "someone-else", "email": "bob@example.com",
         "email_verified": False, "iat": now, "exp": now + 600},
        dev_issuer.private_key(issuer.data_dir), algorithm="RS256",
        headers={"kid": dev_issuer.key_id(dev_issuer.private_key(issuer.data_dir).public_key())},
    )  # fmt: skip
    assert call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(unverified)).json == {"data": []}
    users = _users()
    assert ("bob", "bob@example.com", dev_issuer.subject_for("bob@example.com")) in users
    assert any(u[1] is None and u[2] == "someone-else" for u in users)


def test_untrusted_expired_and_misaddressed_tokens_are_rejected(issuer: Issuer) -> None:
    dev_key = dev_issuer.private_key(issuer.data_dir)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = time.time()
    rejected = {
        "untrusted key pair, its own kid": issuer.token("eve@example.com", key=stranger),
        "untrusted key pair posing as the dev kid": jwt.encode(
            {
                "iss": issuer.base_url,
                "aud": dev_issuer.DEV_AUDIENCE,
                "sub": "eve",
                "iat": int(now),
                "exp": int(now) + 600,
            },
            stranger,
            algorithm="RS256",
            headers={"kid": dev_issuer.key_id(dev_key.public_key())},
        ),  # fmt: skip
        "expired": issuer.token("eve@example.com", now=now - 7200, lifetime_seconds=3600),
        "wrong audience": issuer.token("eve@example.com", audience="someone-elses-app"),
        "wrong issuer": dev_issuer.issue_token(issuer.data_dir, email="eve@example.com", issuer="https://evil.example"),
        "HS256 with the public key as secret": jwt.encode(
            {
                "iss": issuer.base_url,
                "aud": dev_issuer.DEV_AUDIENCE,
                "sub": "eve",
                "iat": int(now),
                "exp": int(now) + 600,
            },
            "a-shared-secret-that-is-not-the-rsa-key",
            algorithm="HS256",
            headers={"kid": dev_issuer.key_id(dev_key.public_key())},
        ),  # fmt: skip
        "unsigned": jwt.encode(
            {
                "iss": issuer.base_url,
                "aud": dev_issuer.DEV_AUDIENCE,
                "sub": "eve",
                "iat": int(now),
                "exp": int(now) + 600,
            },
            None,
            algorithm="none",
        )  # fmt: skip
        + "x",
        "garbage": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJldmUifQ.c2lnbmF0dXJl",
    }
    for what, token in rejected.items():
        response = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token))
        assert response.status == 401, (what, response)
        assert token not in response.text and "error" in response.json, what
        assert response.json["error"] in ("Invalid token.", "Token expired."), what
    assert _users() == []


def test_read_only_keys_read_but_cannot_post_or_manage_keys(issuer: Issuer) -> None:
    token = issuer.token("carol@example.com")
    full = call_api(keys.handler, "POST", "/api/v1/auth/key", headers=bearer(token), body={"label": "script"})
    read = call_api(keys.handler, "POST", "/api/v1/auth/key", headers=bearer(token),
                    body={"label": "dashboard", "read_only": True})  # fmt: skip
    assert read.status == 201 and read.json["data"]["read_only"] is True
    ro = basic(read.json["data"]["key"])
    assert _post(ro).status == 403
    assert _post(basic(full.json["data"]["key"])).status == 202
    today = call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today", headers=ro)
    assert today.status == 200
    for method, path in (
        ("GET", "/api/v1/auth/keys"),
        ("POST", "/api/v1/auth/key"),
        ("DELETE", f"/api/v1/auth/keys/{full.json['data']['id']}"),
        ("POST", f"/api/v1/auth/keys/{full.json['data']['id']}/rotate"),
    ):
        response = call_api(keys.handler, method, path, headers=ro)
        assert response.status == 403 and response.json == {"error": "This API key is read-only."}, path
    # Nor may it import, clear or delete the account's data, or change report settings.
    confirm = {"confirm": "carol"}
    for handler, method, path, extra in (
        (keys.handler, "POST", "/api/v1/users/current/imports", {"body": []}),
        (keys.handler, "DELETE", "/api/v1/users/current/data", {"query": confirm}),
        (keys.handler, "DELETE", "/api/v1/users/current", {"query": confirm}),
        (summary.handler, "PUT", "/api/v1/users/current/reports/settings", {"body": {"weekly": False}}),
    ):
        response = call_api(handler, method, path, headers=ro, **extra)
        assert response.status == 403 and response.json == {"error": "This API key is read-only."}, path
    assert call_api(keys.handler, "GET", "/api/v1/users/current/export", headers=ro).status == 200
    assert _users()  # nothing was deleted
    # Rotating keeps the scope.
    rotated = call_api(keys.handler, "POST", f"/api/v1/auth/keys/{read.json['data']['id']}/rotate",
                       headers=bearer(token))  # fmt: skip
    assert rotated.status == 201 and rotated.json["data"]["read_only"] is True
    assert _post(basic(rotated.json["data"]["key"])).status == 403


def test_a_token_only_reaches_its_own_user(issuer: Issuer) -> None:
    create_user(email="dave@example.com", username="dave")
    token = issuer.token("erin@example.com")
    response = call_api(summary.handler, "GET", "/api/v1/users/dave/summaries", headers=bearer(token),
                        query={"range": "today"})  # fmt: skip
    assert response.status == 403 and "dave@example.com" not in response.text
    own = call_api(summary.handler, "GET", "/api/v1/users/erin/statusbar/today", headers=bearer(token))
    assert own.status == 200


def test_a_deleted_account_leaves_no_signed_in_session_behind(issuer: Issuer) -> None:
    from codetime.cache import get_cache
    from codetime.services.cache_keys import subject_entry

    token = issuer.token("frank@example.com")
    first = call_api(keys.handler, "POST", "/api/v1/auth/key", headers=bearer(token), body={"label": "x"})
    assert first.status == 201
    subject = dev_issuer.subject_for("frank@example.com")
    assert get_cache().get(subject_entry(subject)) is not None
    gone = call_api(keys.handler, "DELETE", "/api/v1/users/current", headers=bearer(token), query={"confirm": "frank"})
    assert gone.status == 200, gone
    assert get_cache().get(subject_entry(subject)) is None
    # Signing in again is a first sign-in: a new, empty account, without the old keys.
    again = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token))
    assert again.status == 200 and again.json["data"] == []


def test_admin_user_is_a_listed_person_only(issuer: Issuer) -> None:
    from fastapi.testclient import TestClient

    from codetime.api.app import create_app

    client = TestClient(create_app(_ops))
    admin = issuer.token("admin@example.com")
    assert client.get("/ops/whoami", headers=bearer(admin)).json() == {"username": "admin"}
    assert client.get("/ops/whoami", headers=bearer(issuer.token("frank@example.com"))).status_code == 403
    key = call_api(keys.handler, "POST", "/api/v1/auth/key", headers=bearer(admin)).json["data"]["key"]
    assert client.get("/ops/whoami", headers=basic(key)).status_code == 403  # keys are never admins
    assert client.get("/ops/whoami").status_code == 401


def test_codetime_token_prints_a_dev_issuer_token(issuer: Issuer, capsys: pytest.CaptureFixture[str]) -> None:
    from codetime import cli

    assert cli.main(["token", "--email", "gina@example.com", "--issuer", issuer.base_url, "--minutes", "5"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300 and claims["email"] == "gina@example.com"
    assert call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token)).status == 200


def test_without_an_issuer_tokens_are_refused_and_keys_still_work(db_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("CODETIME_OIDC_ISSUER", raising=False)
    get_settings.cache_clear()
    _, issued = create_user(email="hank@example.com", username="hank")
    token = dev_issuer.issue_token(get_settings().data_dir, email="hank@example.com", issuer="http://x")
    response = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token))
    assert response.status == 401 and "not configured" in response.json["error"]
    assert call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=basic(issued.plaintext)).status == 200


# --- scopes: every write route, take-over actions, revocation, key cap, webhook secrets --------------------------

# A valid body for each body model of a write route, so that a refusal is about the caller, not validation (a
# route with a new model fails the tests below with a KeyError naming it: add a body here).
VALID_BODIES: dict[str, object] = {
    "GoalCreate": {"seconds": 3600, "delta": "day", "title": "write more"},
    "GoalPatch": {"title": "renamed"},
    "KeyCreate": {"label": "new"},
    "SettingsPatch": {"timezone": "Europe/Berlin"},
    "RuleIn": {"kind": "project", "pattern": "old", "replacement": "new"},
    "RulePatch": {"replacement": "newer"},
    "ReportSettingsIn": {"daily": True, "weekly": False, "webhooks": []},
    # Teams (issue 12); a callable makes a fresh body per request.
    "OrgCreate": {"name": "Team", "project_patterns": ["team-*"]},
    "OrgPatch": {"name": "Renamed"},
    "BoardCreate": {"name": "Board"},
    "InviteCreate": {"max_uses": 2},
    "MemberInvite": {"email": "newcomer@example.com"},
    "RoleBody": {"role": "admin"},
    "PrivacyBody": {"privacy": "totals"},
    "DashboardCreate": {"name": "Team B"},
    "DashboardPatch": {"name": "Team C"},
    "JoinBody": lambda: _fresh_invite_code(),
}
# Routes reading their body themselves (no model), by the end of their path.
RAW_BODIES: dict[str, object] = {
    "heartbeats": {"entity": "a.py", "type": "file", "time": 1_700_000_000, "project": "alpha"},
    "heartbeats.bulk": [{"entity": "a.py", "type": "file", "time": 1_700_000_000, "project": "alpha"}],
    "imports": [],
    "errors": {"message": "boom", "stacktrace": "", "language": "go"},
    "replay": None,
}
TAKEOVER = {
    ("POST", "/api/v1/auth/key"),
    ("POST", "/api/v1/auth/keys/{key_id}/rotate"),
    ("PUT", "/api/v1/users/{user}/reports/settings"),
    ("DELETE", "/api/v1/users/{user}/data"),
    ("DELETE", "/api/v1/users/{user}"),
}


def _valid_body(endpoint) -> object:  # type: ignore[no-untyped-def]
    from pydantic import TypeAdapter

    field = endpoint.route.body_field
    if field is None:
        tail = endpoint.path.rsplit("/", 1)[-1]
        return RAW_BODIES[tail if tail in RAW_BODIES else "heartbeats.bulk"]
    annotation = field.field_info.annotation
    model = next(a for a in (annotation, *getattr(annotation, "__args__", ())) if hasattr(a, "model_fields"))
    body = VALID_BODIES[model.__name__]
    body = body() if callable(body) else body
    TypeAdapter(annotation).validate_python(body)  # the body is valid: a refusal cannot be a validation error
    return body


def _write_routes(app) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    from harness import api_routes

    # Every route of the app, read from app.routes so a new route is covered without editing this test. The
    # deliberately public routes (/health, the dev OIDC issuer's discovery document and JWKS, the docs) only
    # answer GET, so none is left out below; except the dev issuer's sign-in (local app only), whose two POSTs take
    # no credential at all: the e-mail form, and the token exchange whose proof is the one-time code and its PKCE
    # verifier (tests/e2e/test_dev_sign_in.py).
    sign_in = {dev_issuer.AUTHORIZE_PATH, dev_issuer.TOKEN_PATH}
    routes = [e for e in api_routes(app.routes) if e.path not in sign_in]
    return [(m, e) for e in routes for m in sorted(e.methods - {"GET", "HEAD"})]


def _depends_on(dependant, call) -> bool:  # type: ignore[no-untyped-def]
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _own_objects(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Valid path parameters naming the user's own objects (a fresh spare key each call: rotation revokes one)."""
    from codetime.services import goals as goals_service
    from codetime.services import user_settings
    from codetime.services.keys import create_key

    with get_pool().connection() as conn:  # earlier calls' goals: a user may have at most 100
        conn.execute("DELETE FROM goals WHERE user_id = %s", (user.id,))
    goal = goals_service.create(user, {"seconds": 3600, "delta": "day"})
    rule = user_settings.add_rule(user, "project", f"p{time.monotonic_ns()}", "q")
    key = create_key(user, "spare").key
    return {"user": "current", "range": "last_7_days", "goal_id": str(goal["id"]), "rule_id": str(rule.id),
            "key_id": str(key.id), "report_id": "00000000-0000-4000-8000-000000000000",
            **_own_groups(user)}  # fmt: skip


def _own_groups(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A fresh organization and private leaderboard the user owns, each with another member, invites and (the
    organization) a dashboard, plus an e-mail invitation to the user from someone else's organization. The user's
    earlier groups are deleted first (a user may be in at most 100)."""
    import uuid

    from codetime.services import orgs

    with get_pool().connection() as conn:
        conn.execute("DELETE FROM organizations WHERE id IN (SELECT org_id FROM org_members WHERE user_id = %s)",
                     (user.id,))  # fmt: skip
    stamp = time.monotonic_ns()
    friend, _ = create_user(email=None, username=f"friend{stamp}")
    org = uuid.UUID(orgs.create(user, orgs.ORG, f"Org {stamp}")["id"])
    board = uuid.UUID(orgs.create(user, orgs.BOARD, f"Board {stamp}")["id"])
    member = orgs.join(friend, orgs.invite(user, orgs.ORG, org)["code"])["member_id"]
    board_member = orgs.join(friend, orgs.invite(user, orgs.BOARD, board)["code"])["member_id"]
    dashboard = orgs.create_dashboard(user, org, "Team A", [uuid.UUID(member)])["id"]
    elsewhere = uuid.UUID(orgs.create(friend, orgs.ORG, f"Elsewhere {stamp}")["id"])
    return {"org": str(org), "board": str(board), "member": member, "board_member": board_member,
            "dashboard": dashboard, "invite": orgs.invite(user, orgs.ORG, org, max_uses=2)["id"],
            "board_invite": orgs.invite(user, orgs.BOARD, board, max_uses=2)["id"],
            "invitation": orgs.invite(friend, orgs.ORG, elsewhere, email=user.email)["id"]}  # fmt: skip


def _fresh_invite_code() -> dict[str, str]:
    """An invite code to a new organization of someone else (the join route's body: valid once)."""
    import uuid

    from codetime.services import orgs

    owner, _ = create_user(email=None, username=f"owner{time.monotonic_ns()}")
    org = uuid.UUID(orgs.create(owner, orgs.ORG, "Joinable")["id"])
    return {"code": orgs.invite(owner, orgs.ORG, org)["code"]}


def _rows(user_id) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from psycopg import sql

    from codetime.repositories.accounts import user_id_tables

    with get_pool().connection() as conn:
        query = sql.SQL("SELECT count(*) FROM {} WHERE user_id = %s")
        tables = user_id_tables(conn)
        return {t: conn.execute(query.format(sql.Identifier(t)), (user_id,)).fetchone()[0] for t in tables}  # type: ignore[index]


def test_every_write_route_refuses_a_read_only_key(db_env) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from codetime.api.app import create_local_app
    from codetime.services.keys import create_key

    user, _ = create_user(email="rosa@example.com", username="rosa")
    read_only = create_key(user, "dashboard", read_only=True).plaintext
    values = _own_objects(user)
    app = create_local_app()
    writes = _write_routes(app)
    assert len(writes) > 25 and ("PATCH", "/api/v1/users/{user}/goals/{goal_id}") in {(m, e.path) for m, e in writes}
    before = _rows(user.id)
    with TestClient(app) as client:
        for method, endpoint in writes:
            response = client.request(method, endpoint.url(values), headers=basic(read_only),
                                      json=_valid_body(endpoint), params={"confirm": "rosa"})  # fmt: skip
            assert response.status_code == 403, (method, endpoint.path, response.text)
            assert response.json()["error"] in ("This API key is read-only.", "Administrators only."), endpoint.path
    assert _rows(user.id) == before  # nothing was created, changed or deleted


def test_take_over_routes_need_a_person_or_a_one_time_code(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Minting/rotating keys, report settings (webhooks), clearing data and deleting the account: a full-access key
    alone is refused, with a code from `codetime users confirm` it passes once, and a signed-in person passes."""
    from fastapi.testclient import TestClient

    from codetime.api.app import create_local_app
    from codetime.api.deps import get_confirmed_user
    from codetime.repositories.users import UserRepository
    from codetime.services.keys import create_key, issue_confirmation_code

    monkeypatch.setenv("CODETIME_MAX_KEYS_PER_USER", "1000")  # every request below makes a spare key to rotate
    get_settings.cache_clear()
    app = create_local_app()
    takeover = [(m, e) for m, e in _write_routes(app) if _depends_on(e.route.dependant, get_confirmed_user)]
    assert {(m, e.path) for m, e in takeover} >= TAKEOVER
    takeover.sort(key=lambda item: item[1].path == "/api/v1/users/{user}")  # deleting the account comes last
    token = issuer.token("tara@example.com")
    with TestClient(app) as client:
        assert client.get("/api/v1/auth/keys", headers=bearer(token)).status_code == 200  # first sign-in
        with get_pool().connection() as conn:
            tara = UserRepository(conn).find("tara")
        other, _ = create_user(email="olaf@example.com", username="olaf")
        key = basic(create_key(tara, "plugin").plaintext)
        read_only = basic(create_key(tara, "dashboard", read_only=True).plaintext)

        def call(method: str, endpoint, headers: dict[str, str], values: dict | None = None):  # type: ignore[no-untyped-def]
            return client.request(method, endpoint.url(values or _own_objects(tara)), headers=headers,
                                  json=_valid_body(endpoint), params={"confirm": "tara"})  # fmt: skip

        def state() -> dict[str, int]:  # codes are issued below; everything else must stay as it is
            return {t: n for t, n in _rows(tara.id).items() if t != "confirmation_codes"}

        for method, endpoint in takeover:
            values = _own_objects(tara)
            before = state()
            refused = call(method, endpoint, key, values)
            assert refused.status_code == 403, (method, endpoint.path, refused.text)
            assert "codetime users confirm" in refused.json()["error"]
            for code in (issue_confirmation_code(other), "not-a-code"):  # another user's code, a made-up one
                assert call(method, endpoint, {**key, "X-CodeTime-Confirmation": code}, values).status_code == 403
            ro_code = {**read_only, "X-CodeTime-Confirmation": issue_confirmation_code(tara)}
            assert call(method, endpoint, ro_code, values).status_code == 403  # a code does not widen a read-only key
            assert state() == before
            if endpoint.path != "/api/v1/users/{user}":
                confirmed = {**key, "X-CodeTime-Confirmation": issue_confirmation_code(tara)}
                assert call(method, endpoint, confirmed).status_code < 300, (method, endpoint.path)
                assert call(method, endpoint, confirmed).status_code == 403  # the code works once
            person = call(method, endpoint, bearer(token))
            assert person.status_code < 300, (method, endpoint.path, person.text)
        assert client.get("/api/v1/auth/keys", headers=key).status_code == 401  # the account is gone


def test_webhook_urls_are_shown_in_full_to_a_person_only(issuer: Issuer) -> None:
    from codetime.repositories.reports import ReportRepository, ReportSettings
    from codetime.repositories.users import UserRepository
    from codetime.services.keys import create_key

    token = issuer.token("wanda@example.com")
    assert call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=bearer(token)).status == 200
    with get_pool().connection() as conn:
        wanda = UserRepository(conn).find("wanda")
        secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
        ReportRepository(conn).save_settings(wanda.id, ReportSettings(webhooks=[{"url": secret, "format": "slack"}]))
    path = "/api/v1/users/current/reports/settings"
    for scope in (True, False):
        shown = call_api(summary.handler, "GET", path, headers=basic(create_key(wanda, "k", read_only=scope).plaintext))
        assert shown.status == 200 and "SECRET" not in shown.text and "/services/" not in shown.text
        assert shown.json["data"]["webhooks"] == [{"url": "https://hooks.slack.com/********", "format": "slack"}]
    person = call_api(summary.handler, "GET", path, headers=bearer(token))
    assert person.json["data"]["webhooks"] == [{"url": secret, "format": "slack"}]


def test_a_key_revoked_while_a_login_is_in_flight_is_not_cached_again(redis_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The login looks the key up, the revocation commits and drops the cache entry, then the login writes its
    entry: the revocation must win (steps interleaved in this thread, real Redis)."""
    import redis

    from codetime.clients import key_pepper
    from codetime.domain.keys import hash_key
    from codetime.repositories.users import UserRepository
    from codetime.services.auth import NotAuthenticated, authenticate_key
    from codetime.services.keys import revoke_key

    user, issued = create_user(email="rita@example.com", username="rita")
    lookup = UserRepository.user_for_key

    def lookup_then_revoke(self, key_hash):  # type: ignore[no-untyped-def]
        found = lookup(self, key_hash)
        revoke_key(user, issued.key.id)  # lands between the login's lookup and its cache write
        return found

    monkeypatch.setattr(UserRepository, "user_for_key", lookup_then_revoke)
    assert authenticate_key(issued.plaintext).user.id == user.id  # the login begun before the revocation
    monkeypatch.setattr(UserRepository, "user_for_key", lookup)
    cached = redis.Redis.from_url(redis_env).get(f"ct:key:{hash_key(issued.plaintext, key_pepper()).hex()}")
    assert cached is None
    with pytest.raises(NotAuthenticated):
        authenticate_key(issued.plaintext)
    assert call_api(summary.handler, "GET", "/api/v1/users/current/statusbar/today",
                    headers=basic(issued.plaintext)).status == 401  # fmt: skip


def test_keys_per_user_are_capped(db_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from codetime.services.keys import issue_confirmation_code

    monkeypatch.setenv("CODETIME_MAX_KEYS_PER_USER", "3")
    get_settings.cache_clear()
    user, issued = create_user(email="kim@example.com", username="kim")

    def confirmed() -> dict[str, str]:
        return {**basic(issued.plaintext), "X-CodeTime-Confirmation": issue_confirmation_code(user)}

    made = [call_api(keys.handler, "POST", "/api/v1/auth/key", headers=confirmed()) for _ in range(3)]
    assert [r.status for r in made] == [201, 201, 409]
    assert made[2].json["error"].startswith("At most 3 active keys per user (CODETIME_MAX_KEYS_PER_USER)")
    listed = call_api(keys.handler, "GET", "/api/v1/auth/keys", headers=basic(issued.plaintext)).json["data"]
    assert len(listed) == 3
    rotated = call_api(keys.handler, "POST", f"/api/v1/auth/keys/{made[0].json['data']['id']}/rotate",
                       headers=confirmed())  # fmt: skip
    assert rotated.status == 201  # a rotation replaces a key: allowed at the cap
    revoke = call_api(keys.handler, "DELETE", f"/api/v1/auth/keys/{rotated.json['data']['id']}",
                      headers=basic(issued.plaintext))  # fmt: skip
    assert revoke.status == 204
    assert call_api(keys.handler, "POST", "/api/v1/auth/key", headers=confirmed()).status == 201
    get_settings.cache_clear()


def test_codetime_users_confirm_prints_a_code_that_works_once(db_env, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from codetime import cli

    _, issued = create_user(email="cora@example.com", username="cora")
    assert cli.main(["users", "confirm", "--email", "cora@example.com", "--minutes", "5"]) == 0
    code = capsys.readouterr().out.strip()
    headers = {**basic(issued.plaintext), "X-CodeTime-Confirmation": code}
    assert call_api(keys.handler, "POST", "/api/v1/auth/key", headers=headers).status == 201
    assert call_api(keys.handler, "POST", "/api/v1/auth/key", headers=headers).status == 403
    assert cli.main(["users", "confirm", "--username", "nobody"]) == 2
