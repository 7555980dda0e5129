"""Live connections: who is connected to which channels (the registry), how a message reaches a connection (the
sender), and where the writer hands its changes (the change target). AWS: a DynamoDB table, the delivery queue
drained by the delivery function's PostToConnection, and the changes queue drained by the live function.
`codetime dev`: memory, the process's own WebSockets and a publisher thread (codetime.api.routes.live registers
them with `use_local`).

The registry's items (one table, docs/architecture.md "Live updates"):
- connection   pk=`conn#<connection id>`  sk=`conn`              topic=`user#<user id>`  read_only, expires_at
- subscription pk=`conn#<connection id>`  sk=`sub#<channel>`     topic=`user#<user id>` or `org#<org id>`, filters
- user state   pk=`state#<user id>`       sk=`<name>`            (no topic) at / value, expires_at
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


@dataclass(frozen=True, slots=True)
class Subscription:
    connection_id: str
    channel: str
    topic: str
    filters: dict[str, str] = field(default_factory=dict)


class Registry(Protocol):
    def add(self, connection: Connection) -> None: ...
    def get(self, connection_id: str) -> Connection | None: ...
    def count(self, user_id: str) -> int: ...
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

    def flush(self) -> None:
        """Hand over what `send` queued (a no-op for senders that deliver at once)."""
        ...


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

    def get(self, connection_id: str) -> Connection | None:
        found = self._connections.get(connection_id)
        return found if found is not None and found.expires_at > time.time() else None

    def count(self, user_id: str) -> int:
        now = time.time()
        with self._lock:
            return sum(1 for c in self._connections.values() if c.user_id == user_id and c.expires_at > now)

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
        self._db.put_item(TableName=self.table, Item={
            "pk": {"S": f"conn#{connection.id}"}, "sk": {"S": "conn"}, "topic": {"S": f"user#{connection.user_id}"},
            "user_id": {"S": connection.user_id}, "read_only": {"BOOL": connection.read_only},
            "expires_at": {"N": str(connection.expires_at)},
        })  # fmt: skip

    def get(self, connection_id: str) -> Connection | None:
        item = self._db.get_item(
            TableName=self.table, Key={"pk": {"S": f"conn#{connection_id}"}, "sk": {"S": "conn"}}, ConsistentRead=True
        ).get("Item")
        if item is None or int(item["expires_at"]["N"]) <= time.time():
            return None
        return Connection(connection_id, item["user_id"]["S"], item["read_only"]["BOOL"], int(item["expires_at"]["N"]))

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
            ExpressionAttributeValues={":p": {"S": f"conn#{connection_id}"}}, ProjectionExpression="pk, sk",
        ).get("Items", [])  # fmt: skip
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
        return True


class QueueSender:
    """Hands messages to the live delivery queue (SQS), where functions/live_delivery.py posts them to the
    connections. The writer and the live routes run in the VPC, which reaches SQS through its endpoint but has no
    route to API Gateway's management API without NAT; one SendMessage per publish also keeps the writer's cost
    flat however many connections listen (docs/architecture.md "Live updates")."""

    MAX_BODY = 200_000  # under SQS's 256 KiB

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url
        self._pending: list[list[str]] = []
        self._size = 0

    def send(self, connection_id: str, text: str) -> bool:
        self._pending.append([connection_id, text])
        self._size += len(connection_id) + len(text.encode()) + 8
        if self._size >= self.MAX_BODY:
            self.flush()
        return True

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._size = self._pending, [], 0
        body = json.dumps({"deliveries": pending}, separators=(",", ":"))
        aws_client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)


class SqsChangeTarget:
    """The changes queue (AWS): the live function publishes from it. One SendMessage per written batch, with short
    timeouts and one attempt, so the writer's cost stays bounded."""

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def put(self, body: str) -> None:
        live_sqs_client().send_message(QueueUrl=self.queue_url, MessageBody=body)


def decode_deliveries(body: str) -> list[tuple[str, str]]:
    """The (connection id, message) pairs of one live delivery queue message."""
    return [(str(cid), str(text)) for cid, text in json.loads(body)["deliveries"]]


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


def get_change_target() -> ChangeTarget | None:
    """Where the writer hands its changes: the changes queue on AWS, else `codetime dev`'s publisher, else nowhere."""
    url = get_settings().live_changes_url
    return SqsChangeTarget(url) if url else _local_changes


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
