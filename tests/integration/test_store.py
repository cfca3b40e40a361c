"""icp.store against moto, on a table built as template.yaml declares it (docs/data-model.md):
the record stays small however long the history, the version guard covers the record and its
history entries, listing and history pages, the reads of the sweep, and the bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from icp import store
from icp.errors import ConcurrentUpdate, InvalidRequest
from icp.lifecycle.transitions import move, note
from icp.models import ConnectionRecord, HistoryEntry, Status
from icp.store.items import history_model, to_history_item
from moto import mock_aws
from table_support import connections_table

REGION = "us-east-1"
T0 = datetime(2026, 5, 1, tzinfo=UTC)
RECORD_ITEM_LIMIT = 16 * 1024  # issue 11: "its record item stays under 16 KB"
QUERY_PAGE_BYTES = 1024 * 1024  # a Query returns at most 1 MB per request (DynamoDB API reference)


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with mock_aws(), connections_table(monkeypatch, REGION) as name:
        boto3.client("events", region_name=REGION).create_event_bus(Name="icp-store-test")
        monkeypatch.setenv("EVENT_BUS_NAME", "icp-store-test")  # transitions publish their events
        yield name


def a_record(n: int = 0, **fields: Any) -> ConnectionRecord:
    values: dict[str, Any] = {
        "connectionId": f"icc-{n:020x}",
        "requestId": f"req-{n}",
        "type": "multicloud",
        "provider": "google-cloud",
        "awsRegion": REGION,
        "request": {"requestId": f"req-{n}", "aws": {"cidrs": ["10.0.0.0/16"]}},
        "status": Status.ACTIVE,
        "createdAt": T0 + timedelta(minutes=n),
        "updatedAt": T0 + timedelta(minutes=n),
    }
    record = ConnectionRecord.model_validate({**values, **fields})
    received = {"from": None, "to": "RECEIVED", "at": record.createdAt, "reason": "request received"}
    return record.with_entry(HistoryEntry.model_validate(received))


def record_item_size(connection_id: str, table: str) -> int:
    """The item's size as DynamoDB counts it: attribute names and values, in UTF-8 bytes."""
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "RECORD"}}
    )["Item"]
    return sum(len(name.encode()) + len(next(iter(v.values())).encode()) for name, v in item.items())


def given_long_history(record: ConnectionRecord, entries: int) -> ConnectionRecord:
    """``entries`` flaps written straight into the table (batched), the record counting them."""
    flaps = [
        HistoryEntry.model_validate(
            {"from": "ACTIVE", "to": "DEGRADED", "at": T0 + timedelta(seconds=i), "reason": "link down"}
        )
        for i in range(entries)
    ]
    with history_model().batch_write() as batch:
        for seq, entry in enumerate(flaps, start=record.historyCount + 1):
            batch.save(to_history_item(record.connectionId, seq, entry))
    return store.update(
        record.connectionId,
        lambda r: r.model_copy(update={"historyCount": r.historyCount + entries, "latest": flaps[-1]}),
    )


def test_a_connection_with_20000_transitions_keeps_a_small_record_and_still_transitions(table: str) -> None:
    created = store.create(a_record(1, linkDowns=[T0 + timedelta(seconds=i) for i in range(500)]))
    assert len(created.linkDowns) == 50  # the store keeps the bound, and returns what it wrote
    given_long_history(created, 20_000)

    moved = move(created.connectionId, Status.DEGRADED, "link down")
    back = move(created.connectionId, Status.ACTIVE, "link restored")

    assert moved.historyCount == 20_002 and back.historyCount == 20_003
    assert back.latest is not None and back.latest.reason == "link restored"
    assert record_item_size(created.connectionId, table) < RECORD_ITEM_LIMIT
    stored = store.get(created.connectionId)
    assert len(stored.linkDowns) == 50 and stored.dropped == {"linkDowns": 450}
    newest, _ = store.history_page(created.connectionId, limit=2, newest_first=True)
    assert [(e.from_, e.to) for e in newest] == [("DEGRADED", "ACTIVE"), ("ACTIVE", "DEGRADED")]


def test_a_stale_write_changes_neither_the_record_nor_its_history(table: str) -> None:
    record = store.create(a_record())
    store.save(record.with_entry(HistoryEntry.model_validate({"from": "ACTIVE", "to": "ACTIVE", "at": T0})))

    stale = record.with_entry(HistoryEntry.model_validate({"from": "ACTIVE", "to": "DEGRADED", "at": T0}))
    with pytest.raises(ConcurrentUpdate):
        store.save(stale.model_copy(update={"status": Status.DEGRADED}))

    assert store.get(record.connectionId).status == Status.ACTIVE
    entries = list(store.history(record.connectionId))
    assert [(e.from_, e.to) for e in entries] == [(None, "RECEIVED"), ("ACTIVE", "ACTIVE")]


def test_history_pages_follow_one_another_in_either_order(table: str) -> None:
    record = store.create(a_record())
    for i in range(4):
        note(record.connectionId, f"note {i}")

    first, token = store.history_page(record.connectionId, limit=3)
    rest, end = store.history_page(record.connectionId, limit=3, token=token)
    newest, _ = store.history_page(record.connectionId, limit=1, newest_first=True)

    assert [e.reason for e in first + rest] == ["request received", "note 0", "note 1", "note 2", "note 3"]
    assert end is None and token is not None
    assert newest[0].reason == "note 3"
    other = store.create(a_record(1))
    with pytest.raises(InvalidRequest) as raised:
        store.history_page(other.connectionId, limit=3, token=token)
    assert raised.value.field == "nextToken"


def test_listing_pages_through_every_status_with_filters(table: str) -> None:
    for n in range(5):
        store.create(a_record(n, status=Status.ACTIVE if n % 2 else Status.FAILED))
    store.create(a_record(9, type="last-mile", provider="lumen", awsRegion="us-west-2"))

    seen, token, pages = [], None, 0
    while True:
        page, token = store.list_page(status=None, type=None, region=None, limit=2, token=token)
        seen += page
        pages += 1
        if token is None:
            break
    multicloud_active, _ = store.list_page(
        status="ACTIVE", type="multicloud", region=REGION, limit=10, token=None
    )

    assert sorted(r.requestId for r in seen) == sorted(f"req-{n}" for n in (0, 1, 2, 3, 4, 9))
    assert pages >= 3
    assert [r.requestId for r in multicloud_active] == ["req-1", "req-3"]  # oldest first
    for bad in ("not-base64!", "eyJzIjogIkFDVElWRSJ9", json.dumps({"s": "ACTIVE", "k": None})):
        with pytest.raises(InvalidRequest) as raised:
            store.list_page(status=None, type=None, region=None, limit=2, token=bad)
        assert raised.value.field == "nextToken"


def test_the_sweep_reads_only_watched_records_a_hundred_or_more_per_request(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 400 records, 40 of them watched (an AWS connection, not finished) ...
    with store.records_model().batch_write() as batch:
        for n in range(400):
            watched = n % 10 == 0
            record = a_record(
                n,
                awsConnectionId=f"mcc-{n:08x}" if watched or n % 3 == 0 else None,
                status=Status.ACTIVE if watched else Status.DECOMMISSIONED,
                awsState="available" if watched else "deleted",
                requestedBy=["arn:aws:iam::123456789012:role/network-team"] * 20,
                warnings=["environment mce-aws-gcp-iad is limited: capacity may be constrained"] * 20,
                version=1,
            )
            batch.save(store._to_item(record))
    calls: list[tuple[str, dict[str, Any]]] = []

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params))

    from botocore.session import Session

    original = Session.create_client

    def create_client(self: Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("provide-client-params.dynamodb.*", count)
        return client

    monkeypatch.setattr(Session, "create_client", create_client)
    store.forget_table()

    # ... the sweep's read of its records ...
    records = list(store.watched())

    # ... is Queries of the watched index only, and returns only the watched records,
    assert {r.connectionId for r in records} == {f"icc-{n:020x}" for n in range(0, 400, 10)}
    assert {name for name, _ in calls} == {"Query"}
    assert all(params["IndexName"] == "watched" for _, params in calls)
    # each of which a 1 MB Query page holds a hundred of, even with its lists full.
    largest = max(record_item_size(r.connectionId, table) for r in records)
    assert largest * 100 <= QUERY_PAGE_BYTES


def test_bounds_keep_the_newest_entries_and_count_what_they_drop(table: str) -> None:
    record = store.create(
        a_record(warnings=[f"w{i}" for i in range(25)], cleanedUp=[f"c{i}" for i in range(60)])
    )
    stored = store.get(record.connectionId)

    assert stored.warnings == [f"w{i}" for i in range(5, 25)]
    assert stored.cleanedUp == [f"c{i}" for i in range(10, 60)]
    assert stored.dropped == {"warnings": 5, "cleanedUp": 10}


def test_records_are_found_by_their_aws_connection_id_and_shared_id(table: str) -> None:
    first = store.create(a_record(1, awsConnectionId="mcc-0000aaaa", sharedId="shared-1"))
    store.create(a_record(2, awsConnectionId="mcc-0000bbbb", sharedId="shared-2"))

    by_aws = store.by_aws_connection_ids(["mcc-0000aaaa", "mcc-00000000"])
    by_shared = store.by_shared_id("shared-1")

    assert [r.connectionId for r in by_aws] == [first.connectionId]
    assert [r.connectionId for r in by_shared] == [first.connectionId]
