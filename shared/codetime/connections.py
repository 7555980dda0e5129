"""Live connections: who is connected to which channels (the registry), how a message reaches a connection (the
sender), and where the writer hands its changes (the change target). AWS: a DynamoDB table, the delivery queue
drained by the delivery function's PostToConnection, and the changes queue drained by the live function.
`codetime dev`: memory, the process's own WebSockets and a publisher thread (codetime.api.routes.live registers
them with `use_local`).

The registry's items (one table, docs/architecture.md "Live updates"):
- connection   pk=`conn#<connection id>`  sk=`conn`              topic=`user#<user id>`  read_only, key_id, expires_at
- subscription pk=`conn#<connection id>`  sk=`sub#<channel>`     topic=`user#<user id>` or `org#<org id>`, filters
- user state   pk=`state#<user id>`       sk=`<name>`            (no topic) at / value, expires_at
- slots        pk=`slots#<user id>`       sk=`slots`             (no topic) conns: {connection id: expires_at}
The slots item makes the per-user connection cap atomic: a connection is admitted by one conditional write
(`size(conns) < cap`) that adds its id, and leaves it on $disconnect or GoneException; ids whose connection expired
(a lost $disconnect) are pruned when the cap is reached, so the map never holds more than the cap.
A GSI on (topic, sk) answers "the connections of a user" and "the subscribers of a user's or an org's channels" in
one Query each. Every item carries `expires_at` (DynamoDB TTL; reads ignore expired items, since TTL deletes lag):
API Gateway ends a WebSocket after 2 hours at most, so nothing outlives its connection by more than the TTL even
when a $disconnect is lost; a PostToConnection answered GoneException deletes the connection's items at once.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from codetime.clients import aws_client, live_management_client, live_sqs_client
from codetime.config import get_settings

# API Gateway closes a WebSocket after 2 hours; a little more, so a live connection's items never expire early.
CONNECTION_TTL_SECONDS = 2 * 3600 + 600
STATE_TTL_SECONDS = 86400
# The table's shape, which infra_cdk/live.py deploys and the tests create on moto.
PARTITION_KEY, SORT_KEY, TOPIC, TTL_ATTRIBUTE = "pk", "sk", "topic", "expires_at"
GSI = "by_topic"


@dataclass(frozen=True, slots=True)
class Connection:
    id: str
    user_id: str
    read_only: bool = False
    expires_at: int = 0
    key_id: str | None = None  # the API key it authenticated with (None: a person's token)


@dataclass(frozen=True, slots=True)
class Subscription:
    connection_id: str
    channel: str
    topic: str
    filters: dict[str, str] = field(default_factory=dict)


class Registry(Protocol):
    def add(self, connection: Connection) -> None: ...
    def admit(self, connection: Connection, limit: int) -> bool:
        """Record the connection unless its user holds `limit` live ones already: one atomic step, so a burst of
        connects cannot exceed the cap."""
        ...

    def get(self, connection_id: str) -> Connection | None: ...
    def count(self, user_id: str) -> int: ...
    def connections(self, user_id: str) -> list[Connection]: ...
    def subscribe(self, subscription: Subscription, expires_at: int) -> None: ...
    def unsubscribe(self, connection_id: str, channel: str) -> None: ...
    def subscribers(self, topic: str) -> list[Subscription]: ...
    def remove(self, connection_id: str) -> None: ...
    def claim(self, user_id: str, name: str, interval: float, now: float) -> bool: ...
    def swap(self, user_id: str, name: str, value: dict[str, Any]) -> dict[str, Any] | None: ...


class ChangeTarget(Protocol):
    def put(self, body: str) -> None:
        """Hand over one changes message (domain.live.encode_changes); raises when it could not."""
        ...


class Sender(Protocol):
    def send(self, connection_id: str, text: str) -> bool:
        """Deliver (or queue) one message; False when the connection is gone (its registry items are then removed)."""
        ...

    def close(self, connection_id: str, text: str) -> bool:
        """Send a last message and close the connection (a revoked credential); False when it was gone already."""
        ...

    def flush(self) -> None:
        """Hand over what `send` queued (a no-op for senders that deliver at once)."""
        ...


class TransientDeliveryError(Exception):
    """The management API could not take a message now (throttled, 5xx, timeout): worth retrying."""


@dataclass(frozen=True, slots=True)
class Live:
    registry: Registry
    sender: Sender


# ---------------------------------------------------------------------------------------------- in memory


class MemoryRegistry:
    """The registry of `codetime dev` (connections live in this process): the DynamoDB registry's semantics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: dict[str, Connection] = {}
        self._subscriptions: dict[str, dict[str, tuple[Subscription, int]]] = {}
        self._state: dict[tuple[str, str], tuple[float, Any]] = {}

    def add(self, connection: Connection) -> None:
        with self._lock:
            self._connections[connection.id] = connection
            self._subscriptions.setdefault(connection.id, {})

    def admit(self, connection: Connection, limit: int) -> bool:
        with self._lock:  # count and add under one lock: concurrent connects see each other
            now = time.time()
            held = sum(1 for c in self._connections.values() if c.user_id == connection.user_id and c.expires_at > now)
            if held >= limit:
                return False
            self._connections[connection.id] = connection
            self._subscriptions.setdefault(connection.id, {})
            return True

    def get(self, connection_id: str) -> Connection | None:
        found = self._connections.get(connection_id)
        return found if found is not None and found.expires_at > time.time() else None

    def count(self, user_id: str) -> int:
        return len(self.connections(user_id))

    def connections(self, user_id: str) -> list[Connection]:
        now = time.time()
        with self._lock:
            return [c for c in self._connections.values() if c.user_id == user_id and c.expires_at > now]

    def subscribe(self, subscription: Subscription, expires_at: int) -> None:
        with self._lock:
            if subscription.connection_id in self._connections:
                self._subscriptions[subscription.connection_id][subscription.channel] = (subscription, expires_at)

    def unsubscribe(self, connection_id: str, channel: str) -> None:
        with self._lock:
            self._subscriptions.get(connection_id, {}).pop(channel, None)

    def subscribers(self, topic: str) -> list[Subscription]:
        now = time.time()
        with self._lock:
            return [
                sub for subs in self._subscriptions.values() for sub, expires in subs.values()
                if sub.topic == topic and expires > now
            ]  # fmt: skip

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self._connections.pop(connection_id, None)
            self._subscriptions.pop(connection_id, None)

    def claim(self, user_id: str, name: str, interval: float, now: float) -> bool:
        with self._lock:
            last = self._state.get((user_id, name), (0.0, None))[0]
            if now - last < interval:
                return False
            self._state[user_id, name] = (now, None)
            return True

    def swap(self, user_id: str, name: str, value: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            previous = self._state.get((user_id, name), (0.0, None))[1]
            self._state[user_id, name] = (time.time(), value)
            return previous


# ---------------------------------------------------------------------------------------------- AWS


class DynamoRegistry:
    """The registry in a DynamoDB table (pk, sk; GSI by_topic on topic, sk; TTL on expires_at)."""

    def __init__(self, table: str) -> None:
        self.table = table

    @property
    def _db(self) -> Any:
        return aws_client("dynamodb")

    def add(self, connection: Connection) -> None:
        item = {
            "pk": {"S": f"conn#{connection.id}"}, "sk": {"S": "conn"}, "topic": {"S": f"user#{connection.user_id}"},
            "user_id": {"S": connection.user_id}, "read_only": {"BOOL": connection.read_only},
            "expires_at": {"N": str(connection.expires_at)},
        }  # fmt: skip
        if connection.key_id:
            item["key_id"] = {"S": connection.key_id}
        self._db.put_item(TableName=self.table, Item=item)

    @staticmethod
    def _slots(user_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"slots#{user_id}"}, "sk": {"S": "slots"}}

    def admit(self, connection: Connection, limit: int) -> bool:
        from botocore.exceptions import ClientError

        key, expires = self._slots(connection.user_id), {"N": str(connection.expires_at)}
        # The map must exist before a path in it can be set (a no-op once it does).
        self._db.update_item(
            TableName=self.table, Key=key,
            UpdateExpression="SET conns = if_not_exists(conns, :empty), expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeValues={":empty": {"M": {}}, ":exp": expires},
        )  # fmt: skip
        for attempt in range(2):
            try:  # the cap's one atomic step: take a slot only while fewer than `limit` are taken
                self._db.update_item(
                    TableName=self.table, Key=key, UpdateExpression="SET conns.#c = :exp, expires_at = :exp",
                    ConditionExpression="size(conns) < :limit", ExpressionAttributeNames={"#c": connection.id},
                    ExpressionAttributeValues={":exp": expires, ":limit": {"N": str(limit)}},
                )  # fmt: skip
                break
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                if attempt or not self._prune(key):
                    return False
        try:
            self.add(connection)
        except Exception:
            self._free(connection.user_id, connection.id)
            raise
        return True

    def _prune(self, key: dict[str, Any]) -> bool:
        """Drop the slots of connections that expired (their $disconnect was lost); whether any were."""
        item = self._db.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item") or {}
        now = time.time()
        expired = [cid for cid, exp in item.get("conns", {}).get("M", {}).items() if int(exp["N"]) <= now]
        if not expired:
            return False
        names = {f"#e{i}": cid for i, cid in enumerate(expired[:100])}
        self._db.update_item(TableName=self.table, Key=key, UpdateExpression="REMOVE " + ", ".join(
            f"conns.{name}" for name in names), ExpressionAttributeNames=names)  # fmt: skip
        return True

    def _free(self, user_id: str, connection_id: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._db.update_item(
                TableName=self.table, Key=self._slots(user_id), UpdateExpression="REMOVE conns.#c",
                ConditionExpression="attribute_exists(conns.#c)", ExpressionAttributeNames={"#c": connection_id},
            )  # fmt: skip
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    @staticmethod
    def _connection(item: dict[str, Any]) -> Connection:
        return Connection(
            item["pk"]["S"].removeprefix("conn#"), item["user_id"]["S"], item["read_only"]["BOOL"],
            int(item["expires_at"]["N"]), item["key_id"]["S"] if "key_id" in item else None,
        )  # fmt: skip

    def get(self, connection_id: str) -> Connection | None:
        item = self._db.get_item(
            TableName=self.table, Key={"pk": {"S": f"conn#{connection_id}"}, "sk": {"S": "conn"}}, ConsistentRead=True
        ).get("Item")
        if item is None or int(item["expires_at"]["N"]) <= time.time():
            return None
        return self._connection(item)

    def _query_topic(self, topic: str, sk_prefix: str, **extra: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table, "IndexName": GSI,
            "KeyConditionExpression": "topic = :t AND begins_with(sk, :s)",
            "FilterExpression": "expires_at > :now",
            "ExpressionAttributeValues": {
                ":t": {"S": topic}, ":s": {"S": sk_prefix}, ":now": {"N": str(int(time.time()))},
            },
            **extra,
        }  # fmt: skip
        while True:
            page = self._db.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def count(self, user_id: str) -> int:
        return len(self._query_topic(f"user#{user_id}", "conn"))

    def connections(self, user_id: str) -> list[Connection]:
        """The user's live connections: the GSI's (eventually consistent), and those the slots item (read
        consistently) names that the GSI does not show yet, so a revocation misses no just-opened connection."""
        found = {c.id: c for c in (self._connection(item) for item in self._query_topic(f"user#{user_id}", "conn"))}
        slots = self._db.get_item(TableName=self.table, Key=self._slots(user_id), ConsistentRead=True).get("Item")
        for connection_id, expires in ((slots or {}).get("conns", {}).get("M", {})).items():
            if connection_id not in found and int(expires["N"]) > time.time():
                connection = self.get(connection_id)
                if connection is not None:
                    found[connection_id] = connection
        return list(found.values())

    def subscribe(self, subscription: Subscription, expires_at: int) -> None:
        self._db.put_item(TableName=self.table, Item={
            "pk": {"S": f"conn#{subscription.connection_id}"}, "sk": {"S": f"sub#{subscription.channel}"},
            "topic": {"S": subscription.topic}, "filters": {"S": json.dumps(subscription.filters)},
            "expires_at": {"N": str(expires_at)},
        })  # fmt: skip

    def unsubscribe(self, connection_id: str, channel: str) -> None:
        key = {"pk": {"S": f"conn#{connection_id}"}, "sk": {"S": f"sub#{channel}"}}
        self._db.delete_item(TableName=self.table, Key=key)

    def subscribers(self, topic: str) -> list[Subscription]:
        return [
            Subscription(
                item["pk"]["S"].removeprefix("conn#"),
                item["sk"]["S"].removeprefix("sub#"),
                topic,
                json.loads(item["filters"]["S"]),
            )  # fmt: skip
            for item in self._query_topic(topic, "sub#")
        ]

    def remove(self, connection_id: str) -> None:
        items = self._db.query(
            TableName=self.table, KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": f"conn#{connection_id}"}}, ProjectionExpression="pk, sk, topic",
        ).get("Items", [])  # fmt: skip
        for item in items:
            if item["sk"]["S"] == "conn":  # its slot under the user's cap is free again
                self._free(item["topic"]["S"].removeprefix("user#"), connection_id)
        for start in range(0, len(items), 25):
            self._db.batch_write_item(RequestItems={self.table: [
                {"DeleteRequest": {"Key": {"pk": item["pk"], "sk": item["sk"]}}} for item in items[start:start + 25]
            ]})  # fmt: skip

    def claim(self, user_id: str, name: str, interval: float, now: float) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._db.update_item(
                TableName=self.table, Key={"pk": {"S": f"state#{user_id}"}, "sk": {"S": name}},
                UpdateExpression="SET #at = :now, expires_at = :exp",
                ConditionExpression="attribute_not_exists(#at) OR #at <= :cutoff",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={
                    ":now": {"N": repr(now)}, ":cutoff": {"N": repr(now - interval)},
                    ":exp": {"N": str(int(now) + STATE_TTL_SECONDS)},
                },
            )  # fmt: skip
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def swap(self, user_id: str, name: str, value: dict[str, Any]) -> dict[str, Any] | None:
        old = self._db.update_item(
            TableName=self.table, Key={"pk": {"S": f"state#{user_id}"}, "sk": {"S": name}},
            UpdateExpression="SET #v = :v, expires_at = :exp", ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={
                ":v": {"S": json.dumps(value)}, ":exp": {"N": str(int(time.time()) + STATE_TTL_SECONDS)},
            },
            ReturnValues="UPDATED_OLD",
        ).get("Attributes", {})  # fmt: skip
        return json.loads(old["value"]["S"]) if "value" in old else None


class ManagementApiSender:
    """PostToConnection through API Gateway's management API of one WebSocket API stage (the delivery Lambda)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def flush(self) -> None:
        pass

    def send(self, connection_id: str, text: str) -> bool:
        client = live_management_client(self.endpoint)
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=text.encode())
        except client.exceptions.GoneException:
            return False
        except Exception as exc:
            _raise_transient(exc)
        return True

    def close(self, connection_id: str, text: str) -> bool:
        """The last message, then DeleteConnection (API Gateway closes the socket; it cannot set a close code)."""
        if not self.send(connection_id, text):
            return False
        client = live_management_client(self.endpoint)
        try:
            client.delete_connection(ConnectionId=connection_id)
        except client.exceptions.GoneException:
            return False
        except Exception as exc:
            _raise_transient(exc)
        return True


# Management API answers worth retrying: throttling (LimitExceeded is also a full client-side buffer) and 5xx.
_TRANSIENT_CODES = frozenset({"LimitExceededException", "ThrottlingException", "TooManyRequestsException",
                              "InternalServerError", "InternalFailure", "ServiceUnavailable"})  # fmt: skip


def _raise_transient(exc: Exception) -> None:
    """Re-raise `exc` as TransientDeliveryError when a retry may succeed (throttled, 5xx, network), else as is."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as NetworkError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if error.get("Code") in _TRANSIENT_CODES or status == 429 or status >= 500:
            raise TransientDeliveryError(error.get("Code") or str(status)) from exc
    elif isinstance(exc, (NetworkError, HTTPClientError)):  # timeouts, resets, endpoint unreachable
        raise TransientDeliveryError(type(exc).__name__) from exc
    raise exc


class QueueSender:
    """Hands messages to the live delivery queue (SQS), where functions/live_delivery.py posts them to the
    connections. The writer and the live routes run in the VPC, which reaches SQS through its endpoint but has no
    route to API Gateway's management API without NAT; one SendMessage per publish also keeps the writer's cost
    flat however many connections listen (docs/architecture.md "Live updates")."""

    MAX_BODY = 200_000  # under SQS's 256 KiB

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url
        self._pending: list[list[str]] = []
        self._closes: list[list[str]] = []
        self._size = 0

    def send(self, connection_id: str, text: str) -> bool:
        return self._add(self._pending, connection_id, text)

    def close(self, connection_id: str, text: str) -> bool:
        """Queued too: the delivery function posts `text`, then DeleteConnection (after the message's deliveries)."""
        return self._add(self._closes, connection_id, text)

    def _add(self, into: list[list[str]], connection_id: str, text: str) -> bool:
        into.append([connection_id, text])
        self._size += len(connection_id) + len(text.encode()) + 8
        if self._size >= self.MAX_BODY:
            self.flush()
        return True

    def flush(self) -> None:
        if not self._pending and not self._closes:
            return
        pending, closes, self._pending, self._closes, self._size = self._pending, self._closes, [], [], 0
        message: dict[str, Any] = {"deliveries": pending}
        if closes:
            message["closes"] = closes
        aws_client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message, separators=(",", ":")))


class SqsChangeTarget:
    """The changes queue (AWS): the live function publishes from it. One SendMessage per written batch, with short
    timeouts and one attempt, so the writer's cost stays bounded; `durable` (a revocation, off the write path):
    the SDK's usual timeouts and retries."""

    def __init__(self, queue_url: str, durable: bool = False) -> None:
        self.queue_url, self.durable = queue_url, durable

    def put(self, body: str) -> None:
        client = aws_client("sqs") if self.durable else live_sqs_client()
        client.send_message(QueueUrl=self.queue_url, MessageBody=body)


def decode_deliveries(body: str) -> list[tuple[str, str]]:
    """The (connection id, message) pairs of one live delivery queue message."""
    return [(str(cid), str(text)) for cid, text in json.loads(body)["deliveries"]]


def decode_closes(body: str) -> list[tuple[str, str]]:
    """The (connection id, last message) pairs of the connections one delivery queue message closes."""
    return [(str(cid), str(text)) for cid, text in json.loads(body).get("closes", [])]


# ---------------------------------------------------------------------------------------------- which one

_local: Live | None = None
_local_changes: ChangeTarget | None = None


def use_local(sender: Sender, changes: ChangeTarget | None = None) -> Live:
    """`codetime dev`: connections in this process, in memory, and the publisher the writer hands changes to."""
    global _local, _local_changes
    if _local is None or _local.sender is not sender:
        _local = Live(MemoryRegistry(), sender)
    if changes is not None:
        _local_changes = changes
    return _local


def stop_local() -> None:
    """Forget `codetime dev`'s connections and publisher: the writer hands nothing over (benchmarks compare)."""
    global _local, _local_changes
    _local, _local_changes = None, None


def get_change_target(*, durable: bool = False) -> ChangeTarget | None:
    """Where the writer hands its changes: the changes queue on AWS, else `codetime dev`'s publisher, else nowhere."""
    url = get_settings().live_changes_url
    return SqsChangeTarget(url, durable) if url else _local_changes


def aws_live(*, deliver: bool = False) -> Live | None:
    """The DynamoDB registry with the delivery queue as sender, or (`deliver`: the delivery Lambda) with the
    management API of the stage at CODETIME_LIVE_ENDPOINT. None when live updates are not configured."""
    settings = get_settings()
    if not settings.live_table:
        return None
    if deliver:
        if not settings.live_endpoint:
            return None
        return Live(DynamoRegistry(settings.live_table), ManagementApiSender(settings.live_endpoint))
    if not settings.live_queue_url:
        return None
    return Live(DynamoRegistry(settings.live_table), QueueSender(settings.live_queue_url))


def delivery_requeue() -> QueueSender | None:
    """The delivery queue itself, for the delivery function to hand back what a message could not deliver yet."""
    url = get_settings().live_queue_url
    return QueueSender(url) if url else None
