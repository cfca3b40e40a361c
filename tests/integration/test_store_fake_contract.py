"""tests/fakes.py's FakeStore keeps icp.store's contract: the same assertions run against both,
the real one on moto's DynamoDB. When icp.store changes, this says whether the fake still
stands in for it in the lifecycle tests (tests/unit/test_*_with_fakes.py, test_status_transitions.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fakes import FakeClock, FakeStore, connection
from icp import store
from icp.errors import ConcurrentUpdate, ConnectionNotFound, DuplicateRequest
from icp.models import HistoryEntry, Status
from moto import mock_aws

REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_for_this_module() -> Iterator[None]:
    with mock_aws():
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
    name = f"icp-contract-{uuid.uuid4().hex[:8]}"
    keys = [("pk", "HASH"), ("sk", "RANGE")]
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
        KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
    )
    monkeypatch.setenv("TABLE_NAME", name)
    monkeypatch.setenv("AWS_REGION", REGION)
    store.records_model.cache_clear()
    store.markers_model.cache_clear()
    yield store
    store.records_model.cache_clear()
    store.markers_model.cache_clear()


def test_create_get_find_and_a_second_create(subject: Any):
    history = HistoryEntry.model_validate(
        {"from": "RECEIVED", "to": "VALIDATED", "at": "2026-06-01T00:00:00Z"}
    )
    created = subject.create(connection(Status.VALIDATED, "icc-1", history=[history]))

    assert created.version == 1 and subject.get("icc-1") == created
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


def test_scan_reads_every_record(subject: Any):
    for n in range(3):
        subject.create(connection(Status.ACTIVE, f"icc-{n}"))
    assert sorted(r.connectionId for r in subject.scan()) == ["icc-0", "icc-1", "icc-2"]


def test_a_claim_holds_until_it_expires(subject: Any):
    assert subject.claim_once("REMIND", "icc-1", ttl_seconds=60, now=1000.0)
    assert not subject.claim_once("REMIND", "icc-1", ttl_seconds=60, now=1030.0)
    assert subject.is_claimed("REMIND", "icc-1", now=1060.0)
    assert not subject.is_claimed("REMIND", "icc-1", now=1061.0)
    assert subject.claim_once("REMIND", "icc-1", ttl_seconds=60, now=1061.0)
