"""Organizations, dashboards and private leaderboards end to end through the Lambda handlers: roles, invites (e-mail
and code, expiry, use limit), privacy, join dates, removal (and its cache), the team totals and leaderboards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from codetime.db import get_pool
from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
from codetime.services.keys import create_user
from codetime.services.writer import write_heartbeats
from functions import keys, summary
from harness import basic, call_api, confirmed, start_of_today

pytestmark = pytest.mark.e2e
KEYS = {
    name: f"waka_{c * 8}-1111-4222-8333-444444444444"
    for name, c in (("alice", "a"), ("bob", "b"), ("carol", "c"), ("dave", "d"), ("erin", "e"))
}
ME = "/api/v1/users/current"


class People:
    def __init__(self) -> None:
        self.users: dict[str, Any] = {}

    def read(self, who: str, path: str, **query: str) -> Any:
        return call_api(summary.handler, "GET", path, headers=basic(KEYS[who]), query=query or None)

    def manage(self, who: str, method: str, path: str, body: object = None, **query: str) -> Any:
        headers = confirmed(basic(KEYS[who]), self.users[who])
        return call_api(keys.handler, method, path, headers=headers, body=body, query=query or None)


def _beats(user: Any, project: str, start: float, minutes: int, language: str = "Python") -> None:
    ctx = RequestContext(user_id=str(user.id), user_agent="wakatime/v1.0 (linux) go1 vim/9 vim-wakatime/1")
    beats = [
        normalize_heartbeat(
            {"entity": f"/src/{project}/main.py", "time": start + 60 * i, "project": project, "language": language},
            ctx,
            now=start + 86400 * 3,
            max_age_seconds=None,
        )
        for i in range(minutes + 1)
    ]
    with get_pool().connection() as conn:
        write_heartbeats(conn, beats)


def _backdate_joins(days: int = 30) -> None:
    with get_pool().connection() as conn:
        conn.execute("UPDATE org_members SET joined_at = now() - make_interval(days => %s)", (days,))


@pytest.fixture
def people(sqs) -> People:  # type: ignore[no-untyped-def]
    found = People()
    for name in KEYS:
        found.users[name], _ = create_user(
            email=f"{name}@example.com", username=name, timezone="UTC", api_key=KEYS[name]
        )
    noon = datetime.fromtimestamp(start_of_today(), UTC).replace(hour=12) - timedelta(days=1)
    _beats(found.users["bob"], "acme-api", noon.timestamp(), 60)  # 3,600 s
    _beats(found.users["bob"], "secret-side", noon.timestamp() + 7200, 30)  # 1,800 s
    _beats(found.users["carol"], "carols-private", noon.timestamp(), 20)  # 1,200 s
    _beats(found.users["alice"], "acme-web", noon.timestamp(), 10)  # 600 s
    return found


def _yesterday() -> str:
    return (datetime.fromtimestamp(start_of_today(), UTC) - timedelta(days=1)).date().isoformat()


def _team(people: People) -> tuple[str, str, dict[str, str]]:
    """alice owns "Acme" with bob (e-mail invite), carol (code) and dave (viewer); one dashboard of bob and
    carol. Returns (org id, dashboard id, member ids by name)."""
    refused = call_api(keys.handler, "POST", f"{ME}/orgs", headers=basic(KEYS["alice"]), body={"name": "Acme"})
    assert refused.status == 403 and "codetime users confirm" in refused.json["error"]  # a plugin key alone
    created = people.manage("alice", "POST", f"{ME}/orgs", {"name": "Acme", "project_patterns": ["acme-*"]})
    assert created.status == 201, created
    org = created.json["data"]
    assert org["role"] == "owner" and org["project_patterns"] == ["acme-*"]
    oid = org["id"]

    invited = people.manage("alice", "POST", f"{ME}/orgs/{oid}/invites", {"email": "BOB@example.com"})
    assert invited.status == 201 and invited.json["data"]["email"] == "bob@example.com"
    assert "code" not in invited.json["data"] or invited.json["data"]["code"] is None
    pending = people.read("bob", f"{ME}/invitations").json["data"]
    assert [p["group"]["name"] for p in pending] == ["Acme"]
    assert people.read("erin", f"{ME}/invitations").json["data"] == []  # not addressed to erin
    stolen = people.manage("erin", "POST", f"{ME}/invitations/{pending[0]['id']}/accept")
    assert stolen.status == 404  # another address's invitation
    accepted = people.manage("bob", "POST", f"{ME}/invitations/{pending[0]['id']}/accept")
    assert accepted.status == 201 and accepted.json["data"]["role"] == "member", accepted
    assert people.manage("bob", "POST", f"{ME}/invitations/{pending[0]['id']}/accept").status == 404  # used

    code = people.manage("alice", "POST", f"{ME}/orgs/{oid}/invites", {"max_uses": 1}).json["data"]["code"]
    assert people.manage("carol", "POST", f"{ME}/invitations/join", {"code": code}).status == 201
    assert people.manage("erin", "POST", f"{ME}/invitations/join", {"code": code}).status == 404  # used up
    viewer = people.manage("alice", "POST", f"{ME}/orgs/{oid}/invites", {"role": "viewer", "max_uses": 5})
    assert people.manage("dave", "POST", f"{ME}/invitations/join", {"code": viewer.json["data"]["code"]}).status == 201

    members = people.read("alice", f"{ME}/orgs/{oid}/members").json["data"]
    ids = {m["username"]: m["id"] for m in members}
    assert {m["username"]: m["role"] for m in members} == {
        "alice": "owner",
        "bob": "member",
        "carol": "member",
        "dave": "viewer",
    }
    assert all(m["user"]["email"] for m in members)  # the owner sees e-mails
    assert all("email" not in m["user"] for m in people.read("bob", f"{ME}/orgs/{oid}/members").json["data"])

    no_viewer = people.manage(
        "alice", "POST", f"{ME}/orgs/{oid}/dashboards", {"name": "Core", "members": [ids["dave"]]}
    )
    assert no_viewer.status == 400  # viewers share no data
    dash = people.manage(
        "alice", "POST", f"{ME}/orgs/{oid}/dashboards", {"name": "Core", "members": [ids["bob"], ids["carol"]]}
    )
    assert dash.status == 201 and dash.json["data"]["members_count"] == 2, dash
    _backdate_joins()
    return oid, dash.json["data"]["id"], ids


def test_org_lifecycle_reads_and_privacy(people: People) -> None:
    oid, did, ids = _team(people)
    day = _yesterday()
    base = f"{ME}/orgs/{oid}/dashboards/{did}"

    listed = people.read("dave", f"{ME}/orgs")
    assert listed.status == 200 and [o["name"] for o in listed.json["data"]] == ["Acme"]
    assert [d["name"] for d in people.read("dave", f"{ME}/orgs/{oid}/dashboards").json["data"]] == ["Core"]
    assert people.read("erin", f"{ME}/orgs/{oid}/dashboards").status == 404  # an outsider learns nothing
    assert people.read("erin", f"{ME}/orgs").json["data"] == []

    # A member sees the dashboards they are on; a viewer sees them all.
    web = people.manage("alice", "POST", f"{ME}/orgs/{oid}/dashboards", {"name": "Web", "members": [ids["carol"]]})
    web_id = web.json["data"]["id"]
    assert [d["name"] for d in people.read("bob", f"{ME}/orgs/{oid}/dashboards").json["data"]] == ["Core"]
    assert people.read("bob", f"{ME}/orgs/{oid}/dashboards/{web_id}/summaries", start=day, end=day).status == 404
    assert people.read("bob", f"{ME}/orgs/{oid}/dashboards/{web_id}/members").status == 404
    assert [d["name"] for d in people.read("dave", f"{ME}/orgs/{oid}/dashboards").json["data"]] == ["Core", "Web"]
    web_team = people.read("dave", f"{ME}/orgs/{oid}/dashboards/{web_id}/summaries", start=day, end=day)
    assert [m["username"] for m in web_team.json["total"]["members"]] == ["carol"]

    bob = people.read("dave", f"{base}/members/{ids['bob']}/summaries", start=day, end=day)
    assert bob.status == 200, bob
    projects = {p["name"]: p["total_seconds"] for p in bob.json["data"][0]["projects"]}
    assert projects == {"acme-api": 3600, "secret-side": 1800}
    durations = people.read("alice", f"{base}/members/{ids['bob']}/durations", date=day)
    assert {d["project"] for d in durations.json["data"]} == {"acme-api", "secret-side"}

    team = people.read("alice", f"{base}/summaries", start=day, end=day)
    assert team.status == 200, team
    total = team.json["total"]
    assert total["grand_total"]["total_seconds"] == 3600 + 1800 + 1200
    assert [(m["username"], m["grand_total"]["total_seconds"]) for m in total["members"]] == [
        ("bob", 5400),
        ("carol", 1200),
    ]
    assert {p["name"] for p in total["projects"]} == {"acme-api", "secret-side", "carols-private"}
    assert "acme-web" not in team.text  # alice is not on this dashboard

    # carol: totals only. Her time counts, her names never show (summaries, durations, team totals).
    assert people.manage("carol", "PATCH", f"{ME}/orgs/{oid}/membership", {"privacy": "totals"}).status == 200
    carol = people.read("alice", f"{base}/members/{ids['carol']}/summaries", start=day, end=day)
    assert carol.json["data"][0]["grand_total"]["total_seconds"] == 1200 and "projects" not in carol.json["data"][0]
    assert "carols-private" not in carol.text
    assert "carols-private" not in people.read("alice", f"{base}/members/{ids['carol']}/durations", date=day).text
    team = people.read("alice", f"{base}/summaries", start=day, end=day)
    assert "carols-private" not in team.text and team.json["total"]["grand_total"]["total_seconds"] == 6600

    # bob: only projects matching the org's patterns (acme-*).
    assert people.manage("bob", "PATCH", f"{ME}/orgs/{oid}/membership", {"privacy": "matching"}).status == 200
    bob = people.read("alice", f"{base}/members/{ids['bob']}/summaries", start=day, end=day)
    assert [p["name"] for p in bob.json["data"][0]["projects"]] == ["acme-api"] and "secret-side" not in bob.text
    durations = people.read("alice", f"{base}/members/{ids['bob']}/durations", date=day)
    assert {d["project"] for d in durations.json["data"]} == {"acme-api"}
    board = people.read("alice", f"{base}/leaderboard")
    assert board.status == 200, board
    assert [(r["rank"], r["user"]["username"], r["running_total"]["total_seconds"]) for r in board.json["data"]] == [
        (1, "bob", 3600),
        (2, "carol", 1200),
    ]

    # Nothing from before joining: bob "joined" today, so yesterday is his alone.
    with get_pool().connection() as conn:
        conn.execute("UPDATE org_members SET joined_at = now() WHERE id = %s", (ids["bob"],))
    # Join dates are not changed through the API: the test moves it and drops the group's cached reads.
    from codetime.services.cache_keys import invalidate_group

    invalidate_group(oid)
    bob = people.read("alice", f"{base}/members/{ids['bob']}/summaries", start=day, end=day)
    assert bob.json["data"][0]["grand_total"]["total_seconds"] == 0 and "acme-api" not in bob.text
    assert people.read("alice", f"{base}/members/{ids['bob']}/durations", date=day).json["data"] == []


def test_removed_member_disappears_at_once_and_roles_hold(people: People) -> None:
    oid, did, ids = _team(people)
    day = _yesterday()
    base = f"{ME}/orgs/{oid}/dashboards/{did}"
    before = people.read("dave", f"{base}/summaries", start=day, end=day)  # cached now
    assert "bob" in before.text and before.json["total"]["grand_total"]["total_seconds"] == 6600

    # Roles: a member cannot remove, invite or rename; an admin cannot remove an admin; nobody removes the owner.
    assert people.manage("bob", "DELETE", f"{ME}/orgs/{oid}/members/{ids['carol']}").status == 403
    assert people.manage("bob", "POST", f"{ME}/orgs/{oid}/invites", {"max_uses": 3}).status == 403
    assert people.manage("dave", "PATCH", f"{ME}/orgs/{oid}", {"name": "Mine"}).status == 403
    assert people.manage("alice", "PATCH", f"{ME}/orgs/{oid}/members/{ids['carol']}", {"role": "admin"}).status == 200
    assert people.manage("carol", "PATCH", f"{ME}/orgs/{oid}", {"name": "Carol's"}).status == 403  # rename: owner
    assert people.manage("carol", "DELETE", f"{ME}/orgs/{oid}/members/{ids['alice']}").status == 403
    assert (
        people.manage("alice", "DELETE", f"{ME}/orgs/{oid}/members/{ids['alice']}").status == 403
    )  # the owner cannot leave

    removed = people.manage("carol", "DELETE", f"{ME}/orgs/{oid}/members/{ids['bob']}")  # an admin removes bob
    assert removed.status == 204, removed
    after = people.read("dave", f"{base}/summaries", start=day, end=day)
    assert after.json["total"]["grand_total"]["total_seconds"] == 1200
    assert "bob" not in after.text and "acme-api" not in after.text
    assert people.read("alice", f"{base}/members/{ids['bob']}/summaries", start=day, end=day).status == 404
    assert people.read("bob", f"{base}/summaries", start=day, end=day).status == 404  # and bob sees nothing
    assert people.read("bob", f"{ME}/orgs").json["data"] == []

    # Leaving: dave leaves, then is an outsider.
    assert people.manage("dave", "DELETE", f"{ME}/orgs/{oid}/members/{ids['dave']}").status == 204
    assert people.read("dave", f"{ME}/orgs/{oid}/dashboards").status == 404

    # The product brief's shape: the current organization.
    current = people.read("alice", "/api/v1/organization")
    assert current.status == 200 and current.json["data"]["name"] == "Acme"
    assert [d["name"] for d in current.json["data"]["dashboards"]] == ["Core"]
    renamed = people.manage("alice", "PATCH", "/api/v1/organization", {"name": "Acme Inc"})
    assert renamed.status == 200 and renamed.json["data"]["name"] == "Acme Inc"
    invite = people.manage("alice", "POST", "/api/v1/organization/members", {"email": "erin@example.com"})
    assert invite.status == 201 and invite.json["data"]["email"] == "erin@example.com"
    assert people.manage("alice", "DELETE", f"/api/v1/organization/members/{ids['carol']}").status == 204
    assert people.read("erin", "/api/v1/organization").status == 404  # not a member (yet)

    assert people.manage("carol", "DELETE", f"{ME}/orgs/{oid}").status == 404  # carol is out
    assert people.manage("alice", "DELETE", f"{ME}/orgs/{oid}").status == 204
    assert people.read("alice", f"{ME}/orgs").json["data"] == []
    assert people.read("erin", f"{ME}/invitations").json["data"] == []  # the invites went with it


def test_invite_codes_expire_and_a_read_key_reads_but_cannot_manage(people: People) -> None:
    from codetime.services.keys import create_key

    oid, did, _ = _team(people)
    code = people.manage("alice", "POST", f"{ME}/orgs/{oid}/invites", {"max_uses": 10}).json["data"]["code"]
    with get_pool().connection() as conn:
        conn.execute("UPDATE org_invites SET expires_at = now() - interval '1 second' WHERE max_uses = 10")
    assert people.manage("erin", "POST", f"{ME}/invitations/join", {"code": code}).status == 404
    assert people.manage("erin", "POST", f"{ME}/invitations/join", {"code": "ct_inv_made-up"}).status == 404
    listed = call_api(keys.handler, "GET", f"{ME}/orgs/{oid}/invites", headers=basic(KEYS["alice"]))
    # Left: the viewers' code (1 of 5 uses); not the used-up, accepted or expired ones. Codes are never shown again.
    assert [(i["role"], i["uses"], i["code"]) for i in listed.json["data"]] == [("viewer", 1, None)]
    assert call_api(keys.handler, "GET", f"{ME}/orgs/{oid}/invites", headers=basic(KEYS["bob"])).status == 403

    read_only = basic(create_key(people.users["alice"], "dashboard", read_only=True).plaintext)
    got = call_api(summary.handler, "GET", f"{ME}/orgs/{oid}/dashboards/{did}/members", headers=read_only)
    assert got.status == 200 and len(got.json["data"]) == 2
    refused = call_api(keys.handler, "POST", f"{ME}/orgs/{oid}/dashboards", headers=read_only, body={"name": "X"})
    assert refused.status == 403


def test_private_leaderboard(people: People) -> None:
    from codetime.services import leaderboards

    made = people.manage("alice", "POST", f"{ME}/leaderboards", {"name": "Friends"})
    assert made.status == 201, made
    bid = made.json["data"]["id"]
    code = people.manage("alice", "POST", f"{ME}/leaderboards/{bid}/invites", {"max_uses": 5}).json["data"]["code"]
    joined = {name: people.manage(name, "POST", f"{ME}/invitations/join", {"code": code}) for name in ("bob", "carol")}
    assert all(r.status == 201 and r.json["data"]["role"] == "member" for r in joined.values())
    assert people.manage("bob", "PATCH", f"{ME}/leaderboards/{bid}/membership", {"privacy": "matching"}).status == 400
    _backdate_joins()  # all of their last 7 days count (see the next test for joins within it)
    leaderboards.refresh_users([u.id for u in people.users.values()])  # what the writer's debounced refresh does
    assert [b["name"] for b in people.read("bob", f"{ME}/leaderboards").json["data"]] == ["Friends"]
    board = people.read("carol", f"{ME}/leaderboards/{bid}")
    assert board.status == 200, board
    ranked = [(r["rank"], r["user"]["username"], r["running_total"]["total_seconds"]) for r in board.json["data"]]
    assert ranked == [(1, "bob", 5400), (2, "carol", 1200), (3, "alice", 600)]  # erin and dave are not on it
    assert board.json["current_user"]["rank"] == 2 and board.json["range"]["name"] == "last_7_days"
    assert "acme-api" not in board.text and "@example.com" not in board.text  # totals and languages only
    python = people.read("carol", f"{ME}/leaderboards/{bid}", language="Python").json["data"]
    assert [r["user"]["username"] for r in python] == ["bob", "carol", "alice"]
    assert people.read("carol", f"{ME}/leaderboards/{bid}", language="Go").json["data"] == []
    assert people.read("erin", f"{ME}/leaderboards/{bid}").status == 404
    bob = joined["bob"].json["data"]["member_id"]
    assert people.manage("bob", "DELETE", f"{ME}/leaderboards/{bid}/members/{bob}").status == 204  # bob leaves
    ranked = [r["user"]["username"] for r in people.read("carol", f"{ME}/leaderboards/{bid}").json["data"]]
    assert ranked == ["carol", "alice"]


def test_private_leaderboard_counts_each_member_from_their_first_full_day(people: People) -> None:
    """The join-day rule on a private board: a member who joined within the last 7 days ranks by the days from the
    first full day after joining; one who joined before ranks by all 7; the public board still ranks everything."""
    from codetime.services import leaderboards

    bid = people.manage("alice", "POST", f"{ME}/leaderboards", {"name": "Friends"}).json["data"]["id"]
    code = people.manage("alice", "POST", f"{ME}/leaderboards/{bid}/invites", {"max_uses": 5}).json["data"]["code"]
    for name in ("bob", "carol", "dave"):
        assert people.manage(name, "POST", f"{ME}/invitations/join", {"code": code}).status == 201
    midnight = datetime.fromtimestamp(start_of_today(), UTC)  # today's; the fixture coded yesterday at noon

    def day(days_ago: int, hour: int) -> datetime:
        return midnight - timedelta(days=days_ago) + timedelta(hours=hour)

    # Bob codes before joining: 10 min of Python 3 days ago, 10 min of Go 5 days ago (his only Go).
    _beats(people.users["bob"], "acme-api", day(3, 12).timestamp(), 10)
    _beats(people.users["bob"], "acme-api", day(5, 12).timestamp(), 10, "Go")
    # Carol codes 70 min on the window's first day (6 days ago): with yesterday's 20 min, 5,400 s, bob's post-join.
    _beats(people.users["carol"], "carols-private", day(6, 12).timestamp(), 70)
    _beats(people.users["dave"], "daves", day(1, 14).timestamp(), 30)  # dave coded yesterday, after joining
    joins = {"alice": day(30, 9), "carol": day(30, 9), "bob": day(2, 10), "dave": day(1, 8)}
    with get_pool().connection() as conn:
        for name, joined_at in joins.items():
            conn.execute(
                "UPDATE org_members SET joined_at = %s WHERE org_id = %s AND user_id = %s",
                (joined_at, bid, people.users[name].id),
            )
    leaderboards.refresh_users([u.id for u in people.users.values()])

    board = people.read("bob", f"{ME}/leaderboards/{bid}")
    assert board.status == 200, board
    ranked = [(r["rank"], r["user"]["username"], r["running_total"]["total_seconds"]) for r in board.json["data"]]
    # Bob: yesterday only (he joined the day before; his 6,600 s of the 7 days hold 1,200 s from before it), tied
    # with carol's whole window (both rank 1, by username); dave joined yesterday: nothing of his is visible yet.
    assert ranked == [(1, "bob", 5400), (1, "carol", 5400), (3, "alice", 600)]
    bobs = board.json["data"][0]["running_total"]
    assert (bobs["daily_average"], bobs["languages"]) == (5400, [{"name": "Python", "total_seconds": 5400}])
    assert board.json["data"][1]["running_total"]["daily_average"] == 2700  # carol: two days with time
    mine = board.json["current_user"]
    assert (mine["rank"], mine["page"], mine["running_total"]["total_seconds"]) == (1, 1, 5400)
    assert people.read("dave", f"{ME}/leaderboards/{bid}").json["current_user"]["rank"] is None
    python = people.read("alice", f"{ME}/leaderboards/{bid}", language="Python").json["data"]
    assert [(r["rank"], r["user"]["username"]) for r in python] == [(1, "bob"), (1, "carol"), (3, "alice")]
    assert people.read("alice", f"{ME}/leaderboards/{bid}", language="Go").json["data"] == []  # before joining

    # The public board has no join dates: bob's whole window counts there.
    opt_in = call_api(keys.handler, "PATCH", f"{ME}/settings", headers=basic(KEYS["bob"]),
                      body={"public_leaderboard": True})  # fmt: skip
    assert opt_in.status == 200, opt_in
    public = call_api(summary.handler, "GET", "/api/v1/leaders", headers={"authorization": None}).json["data"]
    assert [(r["user"]["username"], r["running_total"]["total_seconds"]) for r in public] == [("bob", 6600)]
    # Once bob's first visible day is the window's first, his stored window is ranked whole.
    with get_pool().connection() as conn:
        conn.execute("UPDATE org_members SET joined_at = %s WHERE org_id = %s AND user_id = %s",
                     (day(7, 23), bid, people.users["bob"].id))  # fmt: skip
    ranked = [(r["rank"], r["user"]["username"]) for r in people.read("carol", f"{ME}/leaderboards/{bid}").json["data"]]
    assert ranked == [(1, "bob"), (2, "carol"), (3, "alice")]


def test_cli_creates_invites_and_lists(people: People, capsys: pytest.CaptureFixture[str]) -> None:
    from codetime.cli import main

    assert main(["orgs", "create", "--name", "Shell Org", "--email", "alice@example.com", "--pattern", "acme-*"]) == 0
    created = capsys.readouterr().out
    oid = created.split("(")[1].split(")")[0]
    assert "owner alice" in created
    assert main(["orgs", "invite", "--org", oid, "--invite-email", "bob@example.com"]) == 0
    assert "bob@example.com invited as member" in capsys.readouterr().out
    assert main(["orgs", "invite", "--org", oid, "--code", "--max-uses", "3", "--role", "viewer"]) == 0
    code = capsys.readouterr().out.strip()
    assert code.startswith("ct_inv_")
    assert people.manage("dave", "POST", f"{ME}/invitations/join", {"code": code}).json["data"]["role"] == "viewer"
    pending = people.read("bob", f"{ME}/invitations").json["data"][0]
    assert people.manage("bob", "POST", f"{ME}/invitations/{pending['id']}/accept").status == 201

    assert main(["orgs", "list"]) == 0
    assert capsys.readouterr().out.strip() == f"{oid}\tShell Org\t3 member(s), owner alice"
    assert main(["orgs", "list", "--username", "dave"]) == 0
    assert capsys.readouterr().out.strip() == f"{oid}\tShell Org\tviewer"
    assert main(["orgs", "members", "--org", oid]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[1:4] for line in lines] == [  # in order of joining
        ["alice", "owner", "all"], ["dave", "viewer", "all"], ["bob", "member", "all"]]  # fmt: skip
    assert main(["orgs", "invite", "--org", oid]) == 2  # neither an e-mail nor --code
    assert main(["orgs", "invite", "--org", "not-an-id", "--code"]) == 2
    assert "no organization 'not-an-id'" in capsys.readouterr().err
    assert main(["orgs", "members", "--org", "00000000-0000-0000-0000-000000000000"]) == 2
    assert "no organization" in capsys.readouterr().err
    assert main(["orgs", "create", "--name", "X", "--email", "nobody@example.com"]) == 2
    assert "no user" in capsys.readouterr().err


def test_deleting_the_owners_account_deletes_their_groups(people: People) -> None:
    from codetime.services.accounts import delete_account

    oid, did, ids = _team(people)
    board = people.manage("bob", "POST", f"{ME}/leaderboards", {"name": "Bob's"}).json["data"]["id"]
    code = people.manage("bob", "POST", f"{ME}/leaderboards/{board}/invites", {}).json["data"]["code"]
    assert people.manage("alice", "POST", f"{ME}/invitations/join", {"code": code}).status == 201
    delete_account(people.users["alice"].id, budget_seconds=None)
    assert people.read("bob", f"{ME}/orgs").json["data"] == []  # alice's organization is gone
    assert people.read("bob", f"{ME}/orgs/{oid}/dashboards/{did}/members").status == 404
    board_members = people.read("bob", f"{ME}/leaderboards/{board}/members").json["data"]
    assert [m["username"] for m in board_members] == ["bob"]  # her membership of bob's board went with her


def test_team_totals_while_a_members_recompute_is_open_come_from_raw_heartbeats(people: People) -> None:
    import uuid

    from codetime.services.cache_keys import invalidate_group

    oid, did, _ = _team(people)
    day = _yesterday()
    path = f"{ME}/orgs/{oid}/dashboards/{did}/summaries"
    from_aggregates = people.read("alice", path, start=day, end=day).json
    with get_pool().connection() as conn:  # bob's aggregates are not current while a recompute job is open
        conn.execute("INSERT INTO jobs (id, user_id, kind, status) VALUES (%s, %s, 'recompute', 'pending')",
                     (uuid.uuid4(), people.users["bob"].id))  # fmt: skip
    invalidate_group(oid)
    from_raw = people.read("alice", path, start=day, end=day).json
    assert from_raw["total"] == from_aggregates["total"] and from_raw["total"]["grand_total"]["total_seconds"] == 6600


def test_a_members_new_heartbeats_show_in_cached_team_reads_at_once(people: People) -> None:
    oid, did, ids = _team(people)
    day = _yesterday()
    path = f"{ME}/orgs/{oid}/dashboards/{did}/summaries"
    member = f"{ME}/orgs/{oid}/dashboards/{did}/members/{ids['carol']}/summaries"
    before = people.read("alice", path, start=day, end=day).json["total"]["grand_total"]["total_seconds"]
    assert people.read("alice", path, start=day, end=day).json["total"]["grand_total"]["total_seconds"] == before
    assert people.read("alice", member, start=day, end=day).json["cumulative_total"]["seconds"] == 1200
    noon = datetime.fromtimestamp(start_of_today(), UTC).replace(hour=18) - timedelta(days=1)
    _beats(people.users["carol"], "carols-private", noon.timestamp(), 10)  # the writer: 600 s more for carol
    after = people.read("alice", path, start=day, end=day).json["total"]["grand_total"]["total_seconds"]
    assert after == before + 600
    assert people.read("alice", member, start=day, end=day).json["cumulative_total"]["seconds"] == 1800
