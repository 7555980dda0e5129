"""org.presence over real organizations (services/orgs.py) on the real database: who may subscribe, what a
member's privacy and join day let the team see, and a removed member's subscription ending at the next publish.
The registry and sender are the in-memory ones of `codetime dev` (the AWS ones are tests/e2e/test_live_aws.py's)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from harness import start_of_today

pytestmark = pytest.mark.e2e


class Recorder:
    def __init__(self) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = {}

    def send(self, connection_id: str, text: str) -> bool:
        self.sent.setdefault(connection_id, []).append(json.loads(text))
        return True

    def flush(self) -> None:
        pass

    def take(self, connection_id: str) -> list[dict[str, Any]]:
        return self.sent.pop(connection_id, [])


def _base() -> float:
    """The start of the test's heartbeats: a minute ago, but after today's midnight (UTC), 45 s of today at least."""
    midnight = start_of_today("UTC")
    time.sleep(max(0.0, midnight + 46 - time.time()))
    return max(midnight + 1, time.time() - 60)


def _write_today(user: Any, project: str, first: float, count: int = 5) -> Any:
    """Heartbeats 2 s apart from `first` through the writer's own transaction; the newest as Latest."""
    from codetime.db import get_pool
    from codetime.domain.heartbeats import RequestContext, normalize_heartbeat
    from codetime.domain.live import Latest
    from codetime.services.writer import write_heartbeats

    ctx = RequestContext(user_id=str(user.id), user_agent="wakatime/v1.102.1 (linux) go1.23 vim/9.1 vim-wakatime/11",
                         machine="m")  # fmt: skip
    beats = [
        normalize_heartbeat({"entity": f"/src/{project}/a.py", "type": "file", "time": first + 2 * i,
                             "project": project, "language": "Python"}, ctx, now=time.time(),
                            max_age_seconds=10**9)
        for i in range(count)
    ]  # fmt: skip
    with get_pool().connection() as conn:
        write_heartbeats(conn, beats)
    return Latest(beats[-1].time, beats[-1].entity, project, "Python", None)


@pytest.fixture
def org(db_env: str) -> dict[str, Any]:
    from codetime.db import get_pool
    from codetime.services import orgs
    from codetime.services.keys import create_user

    ada, _ = create_user(email="ada@example.com", username="ada", timezone="UTC")
    bob, _ = create_user(email="bob@example.com", username="bob", timezone="UTC")
    carol, _ = create_user(email="carol@example.com", username="carol", timezone="UTC")
    created = orgs.create(ada, orgs.ORG, "Acme", ["acme-*"])
    org_id = uuid.UUID(created["id"])
    code = orgs.invite(ada, orgs.ORG, org_id)["code"]
    bob_member = uuid.UUID(orgs.join(bob, code)["member_id"])
    # A team sees a member from the first full day after they joined: both joined two days ago.
    with get_pool().connection() as conn:
        conn.execute("UPDATE org_members SET joined_at = now() - interval '2 days' WHERE org_id = %s", (org_id,))
    return {"ada": ada, "bob": bob, "carol": carol, "org": org_id, "bob_member": bob_member}


def test_org_presence_membership_privacy_and_removal(org: dict[str, Any]) -> None:
    from codetime.connections import Connection, Live, MemoryRegistry
    from codetime.domain.live import Change
    from codetime.services import live as service
    from codetime.services import orgs
    from codetime.services.live import publish_changes

    sender = Recorder()
    live = Live(MemoryRegistry(), sender)
    expires = int(time.time()) + 600
    for cid, who in (("bob-1", "bob"), ("carol-1", "carol")):
        live.registry.add(Connection(cid, str(org[who].id), False, expires))
    org_id = str(org["org"])

    def subscribe(cid: str, org_filter: str) -> list[dict[str, Any]]:
        body = json.dumps({"type": "subscribe", "channel": "org.presence", "filters": {"org": org_filter}})
        service.handle_message(live, cid, body)
        return sender.take(cid)

    # An outsider, and an id that is not one: refused, the connection stays.
    for cid, org_filter in (("carol-1", org_id), ("bob-1", "not-an-id"), ("bob-1", str(uuid.uuid4()))):
        [answer] = subscribe(cid, org_filter)
        assert answer["type"] == "error" and "not a member" in answer["error"], answer
    ack, snapshot = subscribe("bob-1", org_id)
    assert ack["type"] == "subscribed" and snapshot["type"] == "presence" and snapshot["channel"] == "org.presence"
    assert {m["user"]["username"] for m in snapshot["data"]["members"]} == {"ada", "bob"}
    assert snapshot["data"]["coding_now"] == 0 and snapshot["data"]["total_seconds_today"] == 0

    def project_seconds() -> dict[str, float]:
        from codetime.domain.ranges import today_in
        from codetime.services import aggregation

        return aggregation.range_totals(org["ada"], today_in("UTC"), today_in("UTC")).values["project"]

    base = _base()

    def publish_ada(project: str, offset: float) -> dict[str, Any]:
        latest = _write_today(org["ada"], project, base + offset)
        from codetime.domain.ranges import today_in

        publish_changes(live, [Change(org["ada"].id, {today_in("UTC")}, latest)])
        [event] = [m for m in sender.take("bob-1") if m["type"] == "presence"]
        return next(m for m in event["data"]["members"] if m["user"]["username"] == "ada") | {
            "_total": event["data"]["total_seconds_today"],
            "_coding": event["data"]["coding_now"],
        }

    seen = publish_ada("acme-web", 0)
    assert seen["coding"] is True and seen["project"] == "acme-web" and seen["today_seconds"] == 8
    assert seen["_coding"] == 1 and seen["_total"] == 8

    # Privacy "matching": another project is not named, and only matching projects' time counts.
    orgs.set_privacy(org["ada"], orgs.ORG, org["org"], "matching")
    seen = publish_ada("secret-thing", 15)
    by_project = project_seconds()
    assert seen["coding"] is True and seen["project"] is None
    assert seen["today_seconds"] == pytest.approx(by_project["acme-web"]) and by_project["secret-thing"] > 0

    # Privacy "totals": no project ever, all of the time.
    orgs.set_privacy(org["ada"], orgs.ORG, org["org"], "totals")
    seen = publish_ada("acme-web", 30)
    assert seen["project"] is None and seen["today_seconds"] == pytest.approx(sum(project_seconds().values()))

    # Bob is removed: his subscription ends at the next publish, and nothing more reaches him.
    orgs.remove_member(org["ada"], orgs.ORG, org["org"], org["bob_member"])
    _write_today(org["ada"], "acme-web", base + 40, count=2)
    from codetime.domain.ranges import today_in

    publish_changes(live, [Change(org["ada"].id, {today_in("UTC")}, None)])
    [ended] = sender.take("bob-1")
    assert ended["type"] == "unsubscribed" and ended["channel"] == "org.presence"
    assert live.registry.subscribers(f"org#{org_id}") == []
    publish_changes(live, [Change(org["ada"].id, {today_in("UTC")}, None)])
    assert sender.take("bob-1") == []
