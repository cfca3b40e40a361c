"""`icp admin migrate` (icp.store.migrate) on a table written in the earlier layout: one item per
connection, the whole history inside its body (docs/data-model.md, "Migration")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from icp import store
from icp.models import Status
from icp.store.migrate import migrate_table
from moto import mock_aws
from table_support import connections_table

from icp_cli.main import main

REGION = "us-east-1"
T0 = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with mock_aws(), connections_table(monkeypatch, REGION) as name:
        yield name


def given_earlier_layout(table: str, n: int, entries: int) -> str:
    """A record item as the earlier version wrote it: pk/sk, a few attributes, the history in body."""
    connection_id = f"icc-{n:020x}"
    history = [
        {"from": None if i == 0 else "ACTIVE", "to": "RECEIVED" if i == 0 else "DEGRADED",
         "at": (T0 + timedelta(minutes=i)).isoformat(), "reason": f"step {i}"}
        for i in range(entries)
    ]  # fmt: skip
    body = {
        "connectionId": connection_id, "requestId": f"req-{n}", "type": "multicloud",
        "provider": "google-cloud", "awsRegion": REGION, "request": {"requestId": f"req-{n}"},
        "status": "ACTIVE", "awsConnectionId": f"mcc-{n:08x}", "awsState": "available",
        "history": history, "version": 7, "createdAt": T0.isoformat(), "updatedAt": T0.isoformat(),
    }  # fmt: skip
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=table,
        Item={
            "pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "RECORD"},
            "connectionId": {"S": connection_id}, "requestId": {"S": f"req-{n}"},
            "status": {"S": "ACTIVE"}, "awsConnectionId": {"S": f"mcc-{n:08x}"},
            "version": {"N": "7"}, "body": {"S": json.dumps(body)},
        },
    )  # fmt: skip
    return connection_id


def items(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]


def test_migrate_moves_history_into_items_and_running_it_again_changes_nothing(table: str) -> None:
    first, second = given_earlier_layout(table, 1, 30), given_earlier_layout(table, 2, 1)

    counts = migrate_table()
    after_first_run = items(table)
    again = migrate_table()

    assert counts == {"records": 2, "migrated": 2, "alreadyCurrent": 0}
    assert again == {"records": 2, "migrated": 0, "alreadyCurrent": 2}
    assert sorted(map(json.dumps, items(table))) == sorted(map(json.dumps, after_first_run))
    record = store.get(first)
    assert record.historyCount == 30 and record.version == 8 and record.status == Status.ACTIVE
    assert record.latest is not None and record.latest.reason == "step 29"
    assert [e.reason for e in store.history(first)] == [f"step {i}" for i in range(30)]
    assert "history" not in json.loads(store.records_model().get(f"CONN#{first}", "RECORD").body)
    # The indexes see the migrated records: the sweep watches them, the listing lists them.
    assert {r.connectionId for r in store.watched()} == {first, second}
    assert {r.connectionId for r in store.live()} == {first, second}


def test_a_run_stopped_half_way_is_finished_by_the_next(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    connection_id = given_earlier_layout(table, 1, 40)
    import icp.store.migrate as migrate

    real_to_item = migrate.to_item

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the operator's laptop went to sleep")

    monkeypatch.setattr(migrate, "to_item", crash)  # history written, the record not yet
    with pytest.raises(RuntimeError):
        migrate_table()
    assert store.records_model().get(f"CONN#{connection_id}", "RECORD").historyCount is None
    monkeypatch.setattr(migrate, "to_item", real_to_item)

    assert migrate_table() == {"records": 1, "migrated": 1, "alreadyCurrent": 0}
    assert [e.reason for e in store.history(connection_id)] == [f"step {i}" for i in range(40)]


def test_a_record_not_migrated_yet_is_moved_when_it_is_first_read(table: str) -> None:
    connection_id = given_earlier_layout(table, 3, 5)

    record = store.get(connection_id)

    assert record.historyCount == 5
    assert [e.reason for e in store.history(connection_id)] == [f"step {i}" for i in range(5)]
    assert migrate_table() == {"records": 1, "migrated": 0, "alreadyCurrent": 1}


def test_icp_admin_migrate_reports_what_it_did(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    connection_id = given_earlier_layout(table, 4, 3)

    code = main(["admin", "migrate", "--table", table, "--region", REGION])

    out = capsys.readouterr().out
    assert code == 0
    assert (
        f"{connection_id}: migrated" in out
        and "1 records: 1 migrated, 0 already in the current layout" in out
    )
