"""tests/fakes.py's FakeStore keeps icp.store's contract: the same assertions run against both,
the real one on moto's DynamoDB with the table template.yaml declares (keys, indexes, TTL;
docs/data-model.md). When icp.store changes, this says whether the fake still stands in for it in
the lifecycle tests (tests/unit/test_*_with_fakes.py, test_status_transitions.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fakes import T0, FakeClock, FakeStore, connection
from icp import store
from icp.bounds import LIST_BOUNDS, REASON_BOUND
from icp.errors import ConcurrentUpdate, ConnectionNotFound, DuplicateRequest, InvalidRequest
from icp.models import ConnectionRecord, HistoryEntry, Status
from moto import mock_aws
from table_support import connections_table

REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_for_this_module() -> Iterator[None]:
    with mock_aws():  # once: each test has a table of its own
        yield


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return FakeClock().install(monkeypatch)  # both stamp updatedAt from icp.clock


@pytest.fixture(params=["icp.store on moto", "FakeStore"])
def subject(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> Iterator[Any]:
    if request.param == "FakeStore":
        yield FakeStore()
        return
    request.getfixturevalue("moto_for_this_module")
    with connections_table(monkeypatch, REGION):
        yield store


def entry(to: str, reason: str, minute: int = 0, from_: str | None = None) -> HistoryEntry:
    return HistoryEntry.model_validate(
        {"from": from_, "to": to, "at": T0 + timedelta(minutes=minute), "reason": reason}
    )


def a_record(status: Status, n: int, **fields: Any) -> ConnectionRecord:
    """Record ``n``, created ``n`` minutes after T0 (the status index's order)."""
    at = T0 + timedelta(minutes=n)
    return connection(status, f"icc-{n}", createdAt=at, updatedAt=at, **fields)


def ids(records: Any) -> list[str]:
    return [r.connectionId for r in records]


# --- one record ------------------------------------------------------------------------------
def test_create_get_find_and_a_second_create(subject: Any):
    received = entry("RECEIVED", "request received")
    created = subject.create(connection(Status.RECEIVED, "icc-1").with_entry(received))

    assert (created.version, created.historyCount, created.latest, created.appended) == (1, 1, received, [])
    assert subject.get("icc-1") == created and list(subject.history("icc-1")) == [received]
    assert subject.find("icc-1") == created and subject.find("icc-2") is None
    with pytest.raises(ConnectionNotFound):
        subject.get("icc-2")
    with pytest.raises(DuplicateRequest):
        subject.create(connection(Status.RECEIVED, "icc-1"))


def test_save_is_guarded_by_the_version(subject: Any, clock: FakeClock):
    first = subject.create(connection(Status.ACTIVE, "icc-1"))
    clock.advance(30)

    saved = subject.save(first.model_copy(update={"onBackup": True}))
    with pytest.raises(ConcurrentUpdate):
        subject.save(first.model_copy(update={"incidentSysId": "a" * 32}))  # a stale copy

    assert (saved.version, saved.updatedAt) == (2, clock.now)
    assert subject.get("icc-1") == saved and subject.get("icc-1").incidentSysId is None


def test_update_writes_only_a_change(subject: Any):
    subject.create(connection(Status.ACTIVE, "icc-1"))

    unchanged = subject.update("icc-1", lambda r: None)
    changed = subject.update("icc-1", lambda r: r.model_copy(update={"replacements": r.replacements + 1}))

    assert (unchanged.version, changed.version, changed.replacements) == (1, 2, 1)


# --- history ---------------------------------------------------------------------------------
def test_appended_entries_are_read_back_through_history_in_either_order(subject: Any):
    first = entry("RECEIVED", "received")
    created = subject.create(connection(Status.RECEIVED, "icc-1").with_entry(first))
    later = [entry("VALIDATED", "valid", 1, "RECEIVED"), entry("VALIDATED", "noted", 2, "VALIDATED")]

    saved = subject.save(created.with_entry(later[0], status=Status.VALIDATED).with_entry(later[1]))

    assert (saved.historyCount, saved.latest, saved.appended) == (3, later[1], [])
    assert subject.get("icc-1").latest == later[1]
    assert list(subject.history("icc-1")) == [first, *later]
    assert list(subject.history("icc-1", newest_first=True)) == [*reversed(later), first]
    assert subject.public_view(saved)["history"] == [
        e.model_dump(mode="json", by_alias=True) for e in [first, *later]
    ]


def test_a_stale_copy_appends_no_entry(subject: Any):
    created = subject.create(connection(Status.ACTIVE, "icc-1"))
    subject.save(created.with_entry(entry("DEGRADED", "down", 1, "ACTIVE"), status=Status.DEGRADED))

    with pytest.raises(ConcurrentUpdate):
        subject.save(created.with_entry(entry("ACTIVE", "stale", 1, "ACTIVE")))

    assert [e.reason for e in subject.history("icc-1")] == ["down"]


def test_history_pages_walk_it_and_refuse_a_token_of_another_connection(subject: Any):
    record = connection(Status.ACTIVE, "icc-1")
    for n in range(5):
        record = record.with_entry(entry("ACTIVE", f"note {n}", n, "ACTIVE"))
    subject.create(record)
    subject.create(connection(Status.ACTIVE, "icc-2"))

    pages, token = [], None
    for _ in range(5):
        page, token = subject.history_page("icc-1", limit=2, token=token, newest_first=True)
        pages.append([e.reason for e in page])
        if token is None:
            break
    _, token = subject.history_page("icc-1", limit=2)

    assert [r for p in pages for r in p] == [f"note {n}" for n in reversed(range(5))]
    assert all(len(p) <= 2 for p in pages) and pages[0] == ["note 4", "note 3"]
    for bad in (token, "not-a-token"):
        with pytest.raises(InvalidRequest) as caught:
            subject.history_page("icc-2", limit=2, token=bad)
        assert (caught.value.field, caught.value.rule) == ("nextToken", "issued-by-this-api")


# --- many records, through the indexes -------------------------------------------------------
def test_with_status_live_and_records_go_in_lifecycle_order_then_oldest_first(subject: Any):
    for n, status in [(3, Status.ACTIVE), (1, Status.ACTIVE), (2, Status.RECEIVED), (0, Status.FAILED)]:
        subject.create(a_record(status, n))
    subject.create(a_record(Status.PROVISIONING, 4))

    assert ids(subject.with_status(Status.ACTIVE, Status.RECEIVED)) == ["icc-2", "icc-1", "icc-3"]
    assert ids(subject.live()) == ["icc-4", "icc-1", "icc-3"]  # neither RECEIVED nor terminal
    assert ids(subject.records()) == ["icc-2", "icc-4", "icc-1", "icc-3", "icc-0"]


def test_list_pages_walk_every_status_and_filter_by_type_and_region(subject: Any):
    for n in range(5):
        subject.create(a_record(Status.ACTIVE if n % 2 else Status.VALIDATED, n, type="multicloud"))
    subject.create(a_record(Status.ACTIVE, 5, type="last-mile"))
    subject.create(a_record(Status.ACTIVE, 6, type="multicloud", awsRegion="eu-west-1"))

    def walk(**query: Any) -> list[str]:
        found, token = [], None
        for _ in range(10):
            page, token = subject.list_page(limit=2, token=token, **query)
            assert len(page) <= 2
            found += ids(page)
            if token is None:
                return found
        raise AssertionError("more pages than records")

    assert walk(status=None, type=None, region=None) == [
        "icc-0",
        "icc-2",
        "icc-4",
        "icc-1",
        "icc-3",
        "icc-5",
        "icc-6",
    ]
    assert walk(status="ACTIVE", type="multicloud", region=None) == ["icc-1", "icc-3", "icc-6"]
    assert walk(status=None, type=None, region="eu-west-1") == ["icc-6"]
    _, token = subject.list_page(status="VALIDATED", type=None, region=None, limit=1, token=None)
    with pytest.raises(InvalidRequest) as caught:
        subject.list_page(status="ACTIVE", type=None, region=None, limit=1, token=token)
    assert (caught.value.field, caught.value.rule) == ("nextToken", "issued-by-this-api")
    with pytest.raises(InvalidRequest) as caught:
        subject.list_page(status="ASLEEP", type=None, region=None, limit=1, token=None)
    assert (caught.value.field, caught.value.rule) == ("status", "one-of-the-statuses")


def test_watched_holds_the_records_with_an_aws_connection_until_they_are_finished(subject: Any):
    aws = {"awsConnectionId": "dxcon-1", "awsRegion": REGION}
    subject.create(a_record(Status.ACTIVE, 1, **aws))
    subject.create(a_record(Status.PROVISIONING, 2))  # no AWS connection yet
    subject.create(a_record(Status.DECOMMISSIONED, 3, **aws, awsState="deleted"))
    subject.create(a_record(Status.FAILED, 4, **aws, awsState="deleted", waitToken="t"))  # still waited on
    gone = subject.create(a_record(Status.DECOMMISSIONING, 5, **aws))

    assert ids(subject.watched()) == ["icc-1", "icc-4", "icc-5"]
    subject.save(gone.model_copy(update={"status": Status.DECOMMISSIONED, "awsState": "deleted"}))
    assert ids(subject.watched()) == ["icc-1", "icc-4"]


def test_lookups_by_aws_connection_id_and_shared_id(subject: Any):
    subject.create(a_record(Status.ACTIVE, 1, awsConnectionId="dxcon-1", sharedId="s-1"))
    subject.create(a_record(Status.ACTIVE, 2, awsConnectionId="dxcon-2", sharedId="s-1"))
    subject.create(a_record(Status.ACTIVE, 3, awsConnectionId="dxcon-3"))

    assert ids(subject.by_aws_connection_ids(["dxcon-3", "dxcon-1", "dxcon-9", "dxcon-1"])) == [
        "icc-1",
        "icc-3",
    ]
    assert ids(subject.by_shared_id("s-1")) == ["icc-1", "icc-2"]
    assert subject.by_shared_id("s-9") == [] and subject.by_aws_connection_ids([]) == []


# --- bounds ----------------------------------------------------------------------------------
def test_the_lists_and_the_reason_are_bounded_when_written(subject: Any):
    created = subject.create(connection(Status.ACTIVE, "icc-1"))
    warnings = [f"warning {n}" for n in range(LIST_BOUNDS["warnings"] + 5)]
    long = "x" * (REASON_BOUND + 10)

    subject.save(created.with_entry(entry("ACTIVE", long, 1, "ACTIVE"), warnings=warnings, statusReason=long))

    stored = subject.get("icc-1")
    assert stored.warnings == warnings[5:] and stored.dropped == {"warnings": 5}
    assert stored.statusReason == long[:REASON_BOUND] and stored.latest.reason == long[:REASON_BOUND]
    assert [e.reason for e in subject.history("icc-1")] == [long]  # the history item keeps it whole


# --- markers ---------------------------------------------------------------------------------
def test_a_claim_holds_until_it_expires(subject: Any):
    assert subject.claim_once("REMIND", "icc-1", ttl_seconds=60, now=1000.0)
    assert not subject.claim_once("REMIND", "icc-1", ttl_seconds=60, now=1030.0)
    assert subject.is_claimed("REMIND", "icc-1", now=1060.0)
    assert not subject.is_claimed("REMIND", "icc-1", now=1061.0)
    assert subject.claim_once("REMIND", "icc-1", ttl_seconds=60, now=1061.0)
