"""In-memory stand-ins for the store, the event bus, Step Functions and the clock, so lifecycle
logic (icp.lifecycle) can be tested without moto where that reads more clearly.

Each fake mirrors only the public functions the lifecycle calls, with the same contract as the
real module (README, "How it works"): the store's version guard raises ConcurrentUpdate, the
publisher checks each detail against its model in icp.event_schemas, a start_execution whose
name was used before starts nothing. ``install(monkeypatch)`` swaps a fake in for one test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icp import clock, events, store
from icp.aws import stepfunctions
from icp.errors import ConcurrentUpdate, ConnectionNotFound, DuplicateRequest
from icp.event_schemas import DETAIL_TYPES
from icp.models import ConnectionRecord, Status

Change = Callable[[ConnectionRecord], ConnectionRecord]
T0 = datetime(2026, 6, 1, tzinfo=UTC)


def connection(
    status: Status, connection_id: str = "icc-0a1b2c3d4e5f60718293", **fields: Any
) -> ConnectionRecord:
    """A record as the lifecycle would find it (version 0: FakeStore.put makes it 1)."""
    return ConnectionRecord(
        connectionId=connection_id,
        requestId=f"REQ-{connection_id}",
        status=status,
        createdAt=T0,
        updatedAt=T0,
        **{"request": {}, **fields},
    )


class FakeStore:
    """icp.store in memory. Records are kept as JSON (as the table keeps its ``body``), so a
    caller never holds the stored object itself."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.markers: dict[tuple[str, str], int] = {}
        self.writes = 0
        self._races: list[Change] = []

    # --- test helpers -----------------------------------------------------------------------
    def put(self, record: ConnectionRecord) -> ConnectionRecord:
        """Seed a record as it stands (version 1 unless it has one), bypassing every guard."""
        if not record.version:
            record = record.model_copy(update={"version": 1})
        self.items[record.connectionId] = record.model_dump_json(by_alias=True)
        return record

    def race(self, change: Change) -> None:
        """Another writer's change, landing just before the next ``save`` checks its version."""
        self._races.append(change)

    # --- icp.store's public functions -----------------------------------------------------
    def create(self, record: ConnectionRecord) -> ConnectionRecord:
        if record.connectionId in self.items:
            raise DuplicateRequest(
                f"a record already exists for requestId {record.requestId!r}",
                field="requestId",
                rule="unique",
            )
        record = record.model_copy(update={"version": 1})
        self.items[record.connectionId] = record.model_dump_json(by_alias=True)
        self.writes += 1
        return record

    def get(self, connection_id: str) -> ConnectionRecord:
        if connection_id not in self.items:
            raise ConnectionNotFound(f"no connection {connection_id!r}", field="connectionId", rule="exists")
        return ConnectionRecord.model_validate(json.loads(self.items[connection_id]))

    def find(self, connection_id: str) -> ConnectionRecord | None:
        return self.get(connection_id) if connection_id in self.items else None

    def save(self, record: ConnectionRecord) -> ConnectionRecord:
        if self._races:
            other = self._races.pop(0)
            self._write(other(self.get(record.connectionId)))
        stored = self.get(record.connectionId)
        if stored.version != record.version:
            raise ConcurrentUpdate(f"connection {record.connectionId} changed concurrently")
        return self._write(record)

    def update(
        self,
        connection_id: str,
        change: Callable[[ConnectionRecord], ConnectionRecord | None],
        attempts: int = 5,
    ) -> ConnectionRecord:
        for attempt in range(attempts):
            current = self.get(connection_id)
            changed = change(current)
            if changed is None:
                return current
            try:
                return self.save(changed)
            except ConcurrentUpdate:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def scan(self) -> Iterator[ConnectionRecord]:
        for connection_id in list(self.items):
            yield self.get(connection_id)

    def claim_once(self, kind: str, key: str, ttl_seconds: int, now: float | None = None) -> bool:
        now = clock.time() if now is None else now
        if self.is_claimed(kind, key, now):
            return False
        self.markers[(kind, key)] = int(now + ttl_seconds)
        return True

    def is_claimed(self, kind: str, key: str, now: float | None = None) -> bool:
        expires = self.markers.get((kind, key))
        return expires is not None and expires >= int(clock.time() if now is None else now)

    def _write(self, record: ConnectionRecord) -> ConnectionRecord:
        updated = record.model_copy(update={"version": record.version + 1, "updatedAt": clock.utcnow()})
        self.items[record.connectionId] = updated.model_dump_json(by_alias=True)
        self.writes += 1
        return updated

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeStore:
        for name in ("create", "get", "find", "save", "update", "scan", "claim_once", "is_claimed"):
            monkeypatch.setattr(store, name, getattr(self, name))
        return self


class FakeEvents:
    """icp.events.publish in memory: what was sent, in order, after the same schema check."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        model = DETAIL_TYPES.get(detail_type)
        if model is None:
            raise ValueError(f"no model for detail-type {detail_type!r}")
        model.model_validate(detail)
        self.sent.append((detail_type, json.loads(json.dumps(detail, default=str))))

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        return [detail for sent, detail in self.sent if sent == detail_type]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeEvents:
        monkeypatch.setattr(events, "publish", self.publish)
        return self


class FakeWorkflows:
    """icp.aws.stepfunctions in memory: executions started by name, task tokens completed once."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str, dict[str, Any]]] = []
        self.completed: dict[str, tuple[str, Any]] = {}  # token -> ("success", output) or ("failure", error)

    def start_execution(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        if all(started_name != name for _, started_name, _ in self.started):
            self.started.append((state_machine_arn, name, payload))
        return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def send_success(self, token: str, output: dict[str, Any]) -> bool:
        return self._complete(token, ("success", output))

    def send_failure(self, token: str, error: str, cause: str) -> bool:
        return self._complete(token, ("failure", error))

    def _complete(self, token: str, outcome: tuple[str, Any]) -> bool:
        if token in self.completed:
            return False  # the real call's TaskDoesNotExist: nothing waits on it any more
        self.completed[token] = outcome
        return True

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeWorkflows:
        for name in ("start_execution", "send_success", "send_failure"):
            monkeypatch.setattr(stepfunctions, name, getattr(self, name))
        return self


class FakeClock:
    """icp.clock at a time the test sets and moves; sleeping moves it too."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
        monkeypatch.setattr(clock, "_now", lambda: self.now.timestamp())
        monkeypatch.setattr(clock, "_sleep", self.advance)
        return self
