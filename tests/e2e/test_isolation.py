"""Isolation and secrets over EVERY route of the local app (enumerated from app.routes, so routes added later are
covered): another user's key is always denied on the victim's paths and objects, and no answer carries key
hashes, other users' e-mails or ids, or their data."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from codetime.clients import key_pepper
from codetime.db import get_pool
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.domain.keys import hash_key
from codetime.repositories.accounts import user_id_tables
from codetime.services.keys import create_key, create_user
from codetime.services.writer import write_heartbeats
from harness import api_routes

pytestmark = pytest.mark.e2e
VICTIM_KEY = "waka_dddddddd-1111-4222-8333-444444444444"
ATTACKER_KEY = "waka_eeeeeeee-1111-4222-8333-444444444444"
SECRET_PROJECT = "victims-secret-project"
# Routes that are public by design (no user data): documentation.
PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@dataclass
class World:
    victim: object
    attacker: object
    victim_key_id: uuid.UUID
    spare_key_id: uuid.UUID  # an attacker key that is not the one authenticating (safe to revoke)
    victim_object_ids: dict[str, list[str]]  # table -> ids of the victim's rows (for any {..._id} path parameter)
    groups: dict[str, str]  # the victim's organization, leaderboard, dashboard, member and invite ids (issue 12)


# Path parameters that are not object ids, with a valid value (a KeyError names a new one to add here).
SAMPLE_VALUES = {"range": "last_7_days", "type": "projects"}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


@pytest.fixture
def world(db_env: str) -> World:
    victim, victim_key = create_user(email="victim@example.com", username="victimuser", timezone="UTC",
                                     api_key=VICTIM_KEY)  # fmt: skip
    attacker, _ = create_user(email="attacker@example.com", username="attacker", timezone="UTC", api_key=ATTACKER_KEY)
    spare = create_key(attacker, "spare")
    now = time.time()
    for user, project in ((victim, SECRET_PROJECT), (attacker, "attackers-own")):
        ctx = RequestContext(user_id=str(user.id), user_agent="wakatime/v1.0 (linux) go1 vim/9 vim-wakatime/1")
        beats = [normalize_heartbeat({"entity": f"/src/{project}/a.py", "time": now - 600 + i * 60, "project": project},
                                     ctx, now=now, max_age_seconds=None) for i in range(5)]  # fmt: skip
        with get_pool().connection() as conn:
            write_heartbeats(conn, beats)
    ids: dict[str, list[str]] = {}
    with get_pool().connection() as conn:
        for table in user_id_tables(conn):
            has_id = conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND column_name = 'id'",
                (table,),
            ).fetchone()
            if has_id:
                query = psycopg.sql.SQL("SELECT id::text FROM {} WHERE user_id = %s").format(
                    psycopg.sql.Identifier(table)
                )
                ids[table] = [r[0] for r in conn.execute(query, (victim.id,))]
    return World(victim, attacker, victim_key.key.id, spare.key.id, ids, _victim_groups(victim))


def _victim_groups(victim) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An organization and a private leaderboard the victim owns, with a dashboard and invites: path values."""
    from codetime.services import orgs

    org = orgs.create(victim, orgs.ORG, "Victim Org")
    board = orgs.create(victim, orgs.BOARD, "Victim Board")
    org_id, board_id = uuid.UUID(org["id"]), uuid.UUID(board["id"])
    dashboard = orgs.create_dashboard(victim, org_id, "Victim Team", [uuid.UUID(org["member_id"])])
    invitation = orgs.invite(victim, orgs.ORG, org_id, email="victims-friend@example.com")
    return {"org": str(org_id), "board": str(board_id), "dashboard": dashboard["id"], "member": org["member_id"],
            "board_member": board["member_id"], "invite": orgs.invite(victim, orgs.ORG, org_id, max_uses=3)["id"],
            "board_invite": orgs.invite(victim, orgs.BOARD, board_id, max_uses=3)["id"],
            "invitation": invitation["id"]}  # fmt: skip


def _candidates(param: str, world: World) -> list[str]:
    """Victim-owned values for a path parameter: ids from the table the name points at, else from every table."""
    stem = param.removesuffix("_id")
    named = [i for table, ids in world.victim_object_ids.items() if stem in table for i in ids]
    return named or [i for ids in world.victim_object_ids.values() for i in ids] or [str(uuid.uuid4())]


def _forbidden_text(world: World) -> list[str]:
    v = world.victim
    with get_pool().connection() as conn:
        hashes = [bytes(h).hex() for (h,) in conn.execute("SELECT key_hash FROM api_keys")]
        hint = conn.execute("SELECT key_hint FROM api_keys WHERE user_id = %s", (v.id,)).fetchone()[0]  # type: ignore[attr-defined]
    return [str(v.id), v.username, v.email, SECRET_PROJECT, VICTIM_KEY, hint, *hashes]  # type: ignore[attr-defined]


def _victim_state(world: World) -> dict:
    with get_pool().connection() as conn:
        query = psycopg.sql.SQL("SELECT count(*) FROM {} WHERE user_id = %s")
        counts = {
            t: conn.execute(query.format(psycopg.sql.Identifier(t)), (world.victim.id,)).fetchone()[0]  # type: ignore[attr-defined]
            for t in user_id_tables(conn)
        }
        revoked = conn.execute("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL").fetchone()[0]
    return {"rows": counts, "revoked": revoked}


def _body_for(method: str) -> object:
    return [] if method in ("POST", "PUT", "PATCH") else None


def _bodies_for(method: str) -> list[object]:
    """Bodies to try, so that one passes validation and the request reaches the ownership check: an empty change
    object (every field of a PATCH is optional) or an empty list (imports)."""
    return [{}, []] if method in ("POST", "PUT", "PATCH") else [None]


def test_every_user_scoped_route_denies_another_users_key(world: World) -> None:
    from fastapi.testclient import TestClient

    from codetime.api.app import create_local_app

    app = create_local_app()
    routes = [r for r in api_routes(app.routes) if r.path not in PUBLIC]
    assert len(routes) > 20
    before = _victim_state(world)
    forbidden = _forbidden_text(world)
    victim = world.victim
    checked = 0
    with TestClient(app, raise_server_exceptions=True) as client:
        for route in routes:
            params = route.params
            if not params:
                continue  # no owner in the path: the caller's own data, checked in the next test
            # Only `..._id` parameters name objects; others (a stats range, ...) get a valid value of their own.
            objects = {p: _candidates(p, world)[0] for p in params if p.endswith("_id")}
            objects |= {p: world.groups.get(p) or SAMPLE_VALUES[p] for p in params
                        if p != "user" and not p.endswith("_id")}  # fmt: skip
            variants = [{**objects, "user": u} for u in (str(victim.id), victim.username) if "user" in params]  # type: ignore[attr-defined]
            if any(p.endswith("_id") or p in world.groups for p in params):  # victim objects, own `current`
                variants.append({**objects, **({"user": "current"} if "user" in params else {})})
            for method in sorted(route.methods):
                for filled in variants:
                    path = route.url(filled)
                    for body in _bodies_for(method):
                        response = client.request(method, path, headers=_auth(ATTACKER_KEY), json=body,
                                                  params={"confirm": "victimuser"})  # fmt: skip
                        if response.status_code != 400:
                            break
                    assert response.status_code in (403, 404), (method, path, response.status_code, response.text)
                    for text in forbidden:
                        assert text not in response.text, (method, path, text)
                    checked += 1
    assert checked > 20
    assert _victim_state(world) == before  # nothing of the victim's was changed or deleted


def test_no_answer_carries_key_hashes_or_other_users_data(world: World) -> None:
    """Every route as the attacker on their own data (their `current`, their own spare key): never a key hash,
    never the victim's e-mail, id, username or data."""
    from fastapi.testclient import TestClient

    from codetime.api.app import create_local_app

    app = create_local_app()
    forbidden = _forbidden_text(world)
    with get_pool().connection() as conn:
        own_hashes = [bytes(h).hex() for (h,) in conn.execute("SELECT key_hash FROM api_keys")]
    called = 0
    with TestClient(app) as client:
        for route in api_routes(app.routes):
            if route.path in PUBLIC:
                continue
            params = route.params
            values = {p: "current" if p == "user" else str(world.spare_key_id) for p in params}
            for method in sorted(route.methods):
                response = client.request(method, route.url(values), headers=_auth(ATTACKER_KEY),
                                          json=_body_for(method))  # fmt: skip
                assert response.status_code < 500, (method, route.path, response.text)
                for text in forbidden + own_hashes + [hash_key(ATTACKER_KEY, key_pepper()).hex()]:
                    assert text not in response.text, (method, route.path, text)
                assert "key_hash" not in response.text
                called += 1
    assert called > 20
    keys = client_keys(world)
    assert keys and all("key_hash" not in k and set(k) >= {"id", "key_hint"} for k in keys)


def client_keys(world: World) -> list[dict]:
    from fastapi.testclient import TestClient

    from codetime.api.app import create_local_app

    with TestClient(create_local_app()) as client:
        return client.get("/api/v1/auth/keys", headers=_auth(ATTACKER_KEY)).json()["data"]


# --- teams (issue 12): every organization and leaderboard route, as each kind of person -------------------------

TEAM_MARKERS = ("/orgs", "/organization", "/leaderboards", "/invitations")
GROUP_PARAMS = {"org", "board"}
TEAM_BODIES: dict[str, object] = {
    "OrgCreate": {"name": "Mine"}, "OrgPatch": {"name": "Taken over"}, "BoardCreate": {"name": "Mine"},
    "InviteCreate": {"max_uses": 5, "role": "member"}, "MemberInvite": {"email": "intruder@example.com"},
    "RoleBody": {"role": "admin"}, "PrivacyBody": {"privacy": "totals"}, "DashboardCreate": {"name": "Intruders"},
    "DashboardPatch": {"name": "Renamed", "add_members": []}, "JoinBody": {"code": "ct_inv_not-a-real-code"},
}  # fmt: skip
# Never shown to anyone: the totals-only member's and the removed member's projects.
NEVER_SHOWN = ("totals-only-project", "removed-members-project")


@dataclass
class Team:
    keys: dict[str, str]
    users: dict[str, object]
    values: dict[str, str]  # path values: the team's ids, the member being tess
    mia: dict[str, str]  # the same with mia as the member


def _team_body(route) -> object:  # type: ignore[no-untyped-def]
    field = route.route.body_field
    if field is None:
        return None
    annotation = field.field_info.annotation
    model = next(a for a in (annotation, *getattr(annotation, "__args__", ())) if hasattr(a, "model_fields"))
    return TEAM_BODIES[model.__name__]


@pytest.fixture
def team(db_env: str) -> Team:
    """Org "Team Org": owner olive, member mia (shares all: "team-visible"), tess (totals only), viewer wes, and
    rex who was on the dashboard and was removed (after his data was read and cached). Org "Other Org": yan.
    zed is in nothing. A private leaderboard of olive's with mia and tess."""
    from codetime.services import orgs

    names = ("olive", "mia", "tess", "wes", "rex", "yan", "zed")
    keys = {n: f"waka_{str(i) * 8}-2222-4222-8333-444444444444" for i, n in enumerate(names)}
    users = {n: create_user(email=f"{n}@example.com", username=n, timezone="UTC", api_key=keys[n])[0] for n in names}
    day_start = time.time() - 86400
    for name, project in (("mia", "team-visible"), ("tess", "totals-only-project"), ("rex", "removed-members-project")):
        ctx = RequestContext(user_id=str(users[name].id), user_agent="wakatime/v1.0 (linux) go1 vim/9 vim-wakatime/1")
        beats = [normalize_heartbeat({"entity": f"/src/{project}/a.py", "time": day_start + i * 60, "project": project},
                                     ctx, now=time.time(), max_age_seconds=None) for i in range(10)]  # fmt: skip
        with get_pool().connection() as conn:
            write_heartbeats(conn, beats)
    org = uuid.UUID(orgs.create(users["olive"], orgs.ORG, "Team Org", ["team-*"])["id"])
    board = uuid.UUID(orgs.create(users["olive"], orgs.BOARD, "Team Board")["id"])
    member_ids = {}
    for name, role in (("mia", "member"), ("tess", "member"), ("wes", "viewer"), ("rex", "member")):
        code = orgs.invite(users["olive"], orgs.ORG, org, role=role)["code"]
        member_ids[name] = uuid.UUID(orgs.join(users[name], code)["member_id"])
    board_members = {n: orgs.join(users[n], orgs.invite(users["olive"], orgs.BOARD, board)["code"])["member_id"]
                     for n in ("mia", "tess")}  # fmt: skip
    orgs.set_privacy(users["tess"], orgs.ORG, org, "totals")
    orgs.set_privacy(users["tess"], orgs.BOARD, board, "totals")
    dashboard = orgs.create_dashboard(users["olive"], org, "Core", [member_ids[n] for n in ("mia", "tess", "rex")])
    orgs.create(users["yan"], orgs.ORG, "Other Org")
    with get_pool().connection() as conn:
        conn.execute("UPDATE org_members SET joined_at = now() - interval '30 days'")
    from codetime.services.cache_keys import invalidate_group

    invalidate_group(org)  # the join dates moved under the cache
    today = datetime.now(UTC).date()
    cached = orgs.dashboard_summaries(users["olive"], org, uuid.UUID(dashboard["id"]), today - timedelta(days=3), today)
    assert b"removed-members-project" in cached.json_bytes()  # read (and cached) while rex is on the team
    orgs.remove_member(users["olive"], orgs.ORG, org, member_ids["rex"])
    invitation = orgs.invite(users["olive"], orgs.ORG, org, email="newcomer@example.com")
    values = {"org": str(org), "board": str(board), "dashboard": dashboard["id"], "member": str(member_ids["tess"]),
              "board_member": board_members["tess"], "invite": orgs.invite(users["olive"], orgs.ORG, org)["id"],
              "board_invite": orgs.invite(users["olive"], orgs.BOARD, board)["id"], "invitation": invitation["id"],
              "user": "current"}  # fmt: skip
    mia = {**values, "member": str(member_ids["mia"]), "board_member": board_members["mia"]}
    return Team(keys, users, values, mia)


def _team_state() -> list:
    with get_pool().connection() as conn:
        return [
            conn.execute(q).fetchall()
            for q in ("SELECT id, name, patterns FROM organizations ORDER BY id",
                      "SELECT id, org_id, user_id, role, privacy FROM org_members ORDER BY id",
                      "SELECT id, uses FROM org_invites ORDER BY id",
                      "SELECT id, name FROM org_dashboards ORDER BY id",
                      "SELECT * FROM org_dashboard_members ORDER BY 1, 2")
        ]  # fmt: skip


def test_team_routes_show_nothing_beyond_membership_role_and_privacy(team: Team) -> None:
    """Every organization/leaderboard route, enumerated from the app, as: an outsider, a member of another
    organization, the removed member (the group's routes: 403/404, nothing of the group in any answer); a viewer
    and a totals-only member (reads yes, changes no, other members' e-mails no); the owner (reads). A totals-only
    member's projects and a removed member's data are in no answer at all."""
    from fastapi.testclient import TestClient

    from codetime.api.app import create_local_app
    from harness import confirmed

    app = create_local_app()
    routes = [r for r in api_routes(app.routes) if any(m in r.path for m in TEAM_MARKERS)]
    assert len(routes) >= 30 and {"GET", "POST", "PATCH", "DELETE"} <= {m for r in routes for m in r.methods}
    # Routes naming a group, or a member of the caller's current organization; the others act on the caller's own.
    group_routes = [r for r in routes if set(r.params) & (GROUP_PARAMS | {"member"})]
    team_text = ["team-visible", "Team Org", "Team Board", "Core", *(f"{n}@example.com" for n in ("olive", "mia",
                 "tess", "wes")), "newcomer@example.com", team.values["org"], team.values["board"]]  # fmt: skip
    before = _team_state()
    checked = 0
    with TestClient(app) as client:

        def call(who: str, method: str, route, values: dict[str, str] = team.values) -> object:  # type: ignore[no-untyped-def]
            headers = _auth(team.keys[who])
            if method != "GET":
                headers = confirmed(headers, team.users[who])  # refused for who they are, not for a missing code
            today = datetime.now(UTC).date()
            days = {"start": str(today - timedelta(days=3)), "end": str(today)}
            query = days if route.path.endswith("summaries") else None
            return client.request(method, route.url({p: values[p] for p in route.params}), headers=headers,
                                  json=_team_body(route), params=query)  # fmt: skip

        for who in ("zed", "yan", "rex"):  # outsider, another organization's member, the removed member
            for route in routes:
                for method in sorted(route.methods):
                    if route not in group_routes and method != "GET":
                        continue  # their own groups (create, join): not the team's business
                    response = call(who, method, route)
                    if route in group_routes:
                        assert response.status_code in (403, 404), (who, method, route.path, response.text)
                    assert response.status_code < 500, (who, method, route.path, response.text)
                    for text in (*team_text, *NEVER_SHOWN):
                        assert text not in response.text, (who, method, route.path, text)
                    checked += 1
        assert _team_state() == before

        for who in ("wes", "tess"):  # the viewer, the totals-only member
            others = [f"{n}@example.com" for n in ("olive", "mia", "wes", "tess") if n != who]
            for route in group_routes:
                for method in sorted(route.methods):
                    # tess acts on mia (on herself, removing would be leaving); wes on tess
                    response = call(who, method, route, team.values if who == "wes" else team.mia)
                    own_privacy = method == "PATCH" and route.path.endswith("/membership")
                    if method == "GET" and not route.path.endswith("/invites"):
                        expected: tuple[int, ...] = (200,)
                        if who == "wes" and "/leaderboards/" in route.path:
                            expected = (404,)  # the viewer is not on the leaderboard
                    elif own_privacy:
                        expected = (200, 404) if who == "wes" and "/leaderboards/" in route.path else (200,)
                    else:
                        expected = (403, 404)
                    assert response.status_code in expected, (who, method, route.path, response.text)
                    for text in (*others, *NEVER_SHOWN):
                        assert text not in response.text, (who, method, route.path, text)
                    checked += 1

        for route in group_routes:  # the owner reads everything, still never those names
            if "GET" in route.methods:
                response = call("olive", "GET", route)
                assert response.status_code == 200, (route.path, response.text)
                for text in NEVER_SHOWN:
                    assert text not in response.text, (route.path, text)
                checked += 1
        summaries = call("olive", "GET", next(r for r in group_routes if r.path.endswith("{dashboard}/summaries")))
        assert "team-visible" in summaries.text and "mia" in summaries.text  # the check above can see names
    assert checked > 100
