"""Seeding a local cloud's table fast, for tests and benchmarks that need many records or a long
history (README, "The local cloud, for your own tests"): items batch-written straight into the
table, as the store lays them out (docs/data-model.md), without workflows or events.

Use it inside ``with LocalCloud() as cloud:`` (the store then reads the local cloud's table)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import boto3
from icp import config, store
from icp.models import ConnectionRecord, HistoryEntry, connection_id_for
from icp.status import Status
from icp.store.items import history_model, to_history_item


def a_record(
    request_id: str, *, status: str, type: str, region: str, created_at: datetime
) -> ConnectionRecord:
    """A record with no AWS resources behind it (so the watcher leaves it alone), for listings."""
    return ConnectionRecord(
        connectionId=connection_id_for(request_id),
        requestId=request_id,
        type=type,
        provider="google-cloud" if type == "multicloud" else "lumen",
        awsRegion=region,
        request={"requestId": request_id},
        status=Status(status),
        createdAt=created_at,
        updatedAt=created_at,
    )


def seed_records(records: Iterable[ConnectionRecord]) -> int:
    """Write these records (BatchWriteItem, 25 items a request); returns how many."""
    written = 0
    with store.records_model().batch_write() as batch:
        for record in records:
            batch.save(store._to_item(record))
            written += 1
    return written


def seed_history(
    connection_id: str, entries: int, *, start: datetime, statuses: tuple[str, str] = ("ACTIVE", "DEGRADED")
) -> ConnectionRecord:
    """Append ``entries`` history entries to a record (flaps between ``statuses``, a second
    apart from ``start``), batch-written, and set the record's ``historyCount`` and ``latest``
    to match (one versioned write). Returns the record as written."""
    record = store.get(connection_id)
    first = record.historyCount + 1
    latest: HistoryEntry | None = None
    with history_model().batch_write() as batch:
        for i in range(entries):
            a, b = statuses if i % 2 == 0 else statuses[::-1]
            latest = HistoryEntry.model_validate(
                {"from": a, "to": b, "at": start + timedelta(seconds=i), "reason": f"seeded flap {i + 1}"}
            )
            batch.save(to_history_item(connection_id, first + i, latest))
    return store.update(
        connection_id,
        lambda r: r.model_copy(
            update={"historyCount": r.historyCount + entries, "latest": latest or r.latest}
        ),
    )


def record_item(connection_id: str) -> dict[str, Any]:
    """The record's raw item, as DynamoDB holds it (read with boto3, not through the store)."""
    settings = config.settings()
    key = {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": store.RECORD_SK}}
    client = boto3.client("dynamodb", region_name=settings.region())
    table = settings.require("table_name")
    item: dict[str, Any] = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return item


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it ("DynamoDB item sizes and formats", docs/conformance.md):
    attribute names and values, strings in UTF-8 bytes, a number one byte per two significant
    digits plus one, a list or map 3 bytes plus one per element."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in inner)
    return sum(_value_bytes({kind[0]: v}) for v in inner)  # SS, NS, BS
