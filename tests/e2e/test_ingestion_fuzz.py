"""Property: whatever the ingestion answers 201/202 for, the real writer stores in real PostgreSQL without error.

Hypothesis builds requests (headers and bodies, hostile values included) and sends them through the real ingestion
handler as API Gateway events; the queue (moto SQS) is drained into the real writer handler. Nothing accepted may
fail in the writer, reach the dead-letter queue, or go missing."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codetime.db import get_pool
from codetime.services.keys import create_user
from functions import ingestion
from harness import basic, call_api

pytestmark = pytest.mark.e2e
_serial = itertools.count()

WAKATIME_PATHS = ["/api/v1/users/current/heartbeats.bulk", "/api/v1/users/current/heartbeats", "/api/v1"]
WAKAPI_PATHS = [
    "/api/heartbeat",
    "/api/users/current/heartbeats.bulk",
    "/api/compat/wakatime/v1/users/current/heartbeats",
]

OPTIONAL = [
    "project", "branch", "language", "category", "machine", "user_agent", "dependencies", "lines", "lineno",
    "cursorpos", "line_additions", "line_deletions", "project_root_count", "is_write",
]  # fmt: skip

# Text as JSON can carry it: NUL, control characters, lone surrogates ("\ud800" escapes), 4-byte characters.
any_text = st.text(max_size=40)
astral = st.text(alphabet=st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), min_size=1000, max_size=4096)
scalars = st.one_of(
    st.none(), any_text, st.integers(min_value=-(2**40), max_value=2**40), st.floats(allow_nan=False), st.booleans()
)
field_values = st.one_of(scalars, st.lists(scalars, max_size=3), astral)


@st.composite
def heartbeats(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 19)) == 0:
        return draw(scalars)  # not an object at all
    when = time.time() - draw(st.floats(min_value=-60, max_value=3 * 86400))

    def mostly(good: st.SearchStrategy) -> object:
        # Mostly plausible values, so that many requests are accepted and reach the writer.
        return draw(good if draw(st.integers(0, 3)) else field_values)

    hb: dict[str, object] = {
        "entity": mostly(st.one_of(st.sampled_from(["a.py", "https://example.com/x"]), any_text, astral)),
        "type": mostly(st.sampled_from(["file", "domain", "url", "app", "FILE"])),
        "time": mostly(st.sampled_from([when, str(when)])),
    }
    for name in draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=6)):
        hb[name] = draw(field_values)
    return hb


# Header values as API Gateway delivers them: any text (valid Unicode), percent-escapes in the machine name.
header_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=1200)
machine_names = st.one_of(header_text, st.sampled_from(["a%00", "%00", "b%ff%fe", "%F0%9F%98%80box", "x" * 300]))
timezones = st.one_of(
    header_text,
    st.sampled_from(["Europe/Berlin", "localtime", "posixrules", "Factory", "right/UTC", "posix/Asia/Tokyo",
                     "EST5EDT", "Etc/GMT+5", "../../etc/passwd", "Mars/Olympus"]),
)  # fmt: skip
headers = st.fixed_dictionaries(
    {}, optional={"x-machine-name": machine_names, "user-agent": header_text, "timezone": timezones}
)
bodies = st.one_of(st.lists(heartbeats(), max_size=12), heartbeats())


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(body=bodies, extra=headers, path=st.sampled_from(WAKATIME_PATHS + WAKAPI_PATHS))
def test_everything_accepted_is_written(sqs, body, extra, path) -> None:  # type: ignore[no-untyped-def]
    n = next(_serial)
    key = f"waka_{n:08x}-1111-4222-8333-444444444444"
    user, _ = create_user(email=f"fuzz{n}@example.com", username=f"fuzz{n}", api_key=key)  # no timezone yet
    response = call_api(ingestion.handler, "POST", path, headers={**basic(key), **extra}, body=body)
    assert response.status < 500, response
    if response.status not in (201, 202):
        # Refused as a whole (one invalid object alone), naming the problem; nothing queued.
        assert response.status == 400 and {"error", "errors"} & set(response.json or {}), response
        assert sqs.depth() == 0
        return
    items = response.json["responses"] if "responses" in response.json else [[response.json["data"], 201]]
    accepted = sum(status == 201 for _, status in items)
    event("some accepted" if accepted else "none accepted")

    results = sqs.drain()
    assert all(r == {"batchItemFailures": []} for r in results), results
    assert sqs.depth() == 0 and sqs.depth(sqs.dlq_url) == 0
    with get_pool().connection() as conn:
        stored = conn.execute("SELECT count(*) FROM heartbeats WHERE user_id = %s", (user.id,)).fetchone()[0]
    if path in WAKATIME_PATHS:
        assert stored == accepted  # 201 each means queued once; repeats inside the request are 202
    else:
        assert (stored > 0) == (accepted > 0) and stored <= accepted  # Wakapi answers a repeat 201 too
