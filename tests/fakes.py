"""In-memory stand-ins for the store, the event bus, Step Functions and the clock, so lifecycle
logic (icp.lifecycle) can be tested without moto where that reads more clearly.

Each fake mirrors only the public functions the lifecycle calls, with the same contract as the
real module (README, "How it works"): the store's version guard raises ConcurrentUpdate, the
publisher checks each detail against its model in icp.event_schemas, a start_execution whose
name was used before starts nothing. ``install(monkeypatch)`` swaps a fake in for one test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icp import clock, events, store
from icp.aws import stepfunctions
from icp.bounds import bounded
from icp.errors import ConcurrentUpdate, ConnectionNotFound, DuplicateRequest, InvalidRequest
from icp.event_schemas import DETAIL_TYPES
from icp.models import LIVE, ConnectionRecord, HistoryEntry, Status
from icp.store import items

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
        **{"request": {}, "createdAt": T0, "updatedAt": T0, **fields},
    )


class FakeStore:
    """icp.store in memory (docs/data-model.md). Records and history entries are kept as JSON (as
    the table keeps them), so a caller never holds a stored object itself. The bounds
    (icp.bounds), the watched predicate (icp.store.items.watched) and the page tokens are the real
    store's own; the orders are those of its indexes."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.entries: dict[str, dict[int, str]] = {}  # connectionId -> seq -> HistoryEntry JSON
        self.markers: dict[tuple[str, str], int] = {}
        self.writes = 0
        self._races: list[Change] = []

    # --- test helpers -----------------------------------------------------------------------
    def put(self, record: ConnectionRecord) -> ConnectionRecord:
        """Seed a record as it stands (version 1 unless it has one), with the history entries it
        appended (``with_entry``), bypassing every guard. Entries beyond those the record counts
        (``historyCount``) go: seeding a fresh record again starts its history again."""
        if not record.version:
            record = record.model_copy(update={"version": 1})
        kept = self.entries.get(record.connectionId, {})
        counted = record.historyCount - len(record.appended)
        self.entries[record.connectionId] = {seq: e for seq, e in kept.items() if seq <= counted}
        self._keep(record)
        return record.model_copy(update={"appended": []})

    def race(self, change: Change) -> None:
        """Another writer's change, landing just before the next ``save`` checks its version."""
        self._races.append(change)

    # --- one record -------------------------------------------------------------------------
    def create(self, record: ConnectionRecord) -> ConnectionRecord:
        if record.connectionId in self.items:
            raise DuplicateRequest(
                f"a record already exists for requestId {record.requestId!r}",
                field="requestId",
                rule="unique",
            )
        record = bounded(record.model_copy(update={"version": 1}))
        self._keep(record)
        self.writes += 1
        return record.model_copy(update={"appended": []})

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
        if self.get(record.connectionId).version != record.version:
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

    def _write(self, record: ConnectionRecord) -> ConnectionRecord:
        updated = bounded(
            record.model_copy(update={"version": record.version + 1, "updatedAt": clock.utcnow()})
        )
        self._keep(updated)  # as the store: bounded when written, and returned as written
        self.writes += 1
        return updated.model_copy(update={"appended": []})

    def _keep(self, record: ConnectionRecord) -> None:
        """The record and its appended entries, numbered from historyCount, or neither (the
        transaction's condition: no entry at that number yet)."""
        kept = self.entries.setdefault(record.connectionId, {})
        first = record.historyCount - len(record.appended) + 1
        numbered = dict(enumerate(record.appended, start=first))
        if kept.keys() & numbered.keys():
            raise ConcurrentUpdate(f"connection {record.connectionId} changed concurrently")
        kept.update({seq: entry.model_dump_json(by_alias=True) for seq, entry in numbered.items()})
        self.items[record.connectionId] = record.model_dump_json(by_alias=True)

    # --- history ----------------------------------------------------------------------------
    def history_page(
        self, connection_id: str, *, limit: int, token: str | None = None, newest_first: bool = False
    ) -> tuple[list[HistoryEntry], str | None]:
        start = store._decode(token, {"pk", "sk"}) if token else None
        if start is not None and start["pk"]["S"] != items.key(connection_id):
            raise store._bad_token("it was issued for another connection")
        kept = self.entries.get(connection_id, {})
        seqs = sorted(kept, reverse=newest_first)
        if start is not None:
            after = int(start["sk"]["S"].removeprefix(items.HISTORY_PREFIX))
            seqs = [s for s in seqs if (s < after if newest_first else s > after)]
        page = seqs[:limit]
        entries = [HistoryEntry.model_validate(json.loads(kept[s])) for s in page]
        if len(seqs) <= limit:
            return entries, None
        last = {"pk": {"S": items.key(connection_id)}, "sk": {"S": items.history_sk(page[-1])}}
        return entries, store._encode(last)

    def history(
        self, connection_id: str, *, newest_first: bool = False, page: int = 500
    ) -> Iterator[HistoryEntry]:
        token: str | None = None
        while True:
            entries, token = self.history_page(
                connection_id, limit=page, token=token, newest_first=newest_first
            )
            yield from entries
            if token is None:
                return

    def public_view(self, record: ConnectionRecord) -> dict[str, Any]:
        return record.public_view(list(self.history(record.connectionId)))

    # --- many records, in the orders of the indexes -----------------------------------------
    def list_page(
        self, *, status: str | None, type: str | None, region: str | None, limit: int, token: str | None
    ) -> tuple[list[ConnectionRecord], str | None]:
        if status is not None and status not in list(Status):
            raise InvalidRequest(f"unknown status {status!r}", field="status", rule="one-of-the-statuses")
        if limit < 1:
            raise InvalidRequest("limit must be at least 1", field="limit", rule="positive")
        statuses = [Status(status)] if status else list(Status)
        after: tuple[Status, str] | None = None
        if token:
            position = store._decode_position(token)
            if position["s"] not in statuses:
                raise store._bad_token("it was issued for another status")
            after = (Status(position["s"]), position["k"]["statusSort"]["S"] if position["k"] else "")
        chosen = [
            r
            for r in self.with_status(*statuses)
            if (type is None or (r.type and r.type.value) == type)
            and (region is None or r.awsRegion == region)
        ]
        if after is not None:
            order = list(Status)
            chosen = [
                r
                for r in chosen
                if (order.index(r.status), _status_sort(r)) > (order.index(after[0]), after[1])
            ]
        page = chosen[:limit]
        if len(chosen) <= limit:
            return page, None
        last = page[-1]
        k = {
            "pk": items.key(last.connectionId),
            "sk": items.RECORD_SK,
            "status": last.status.value,
            "statusSort": _status_sort(last),
        }
        return page, store._encode({"s": last.status.value, "k": {n: {"S": v} for n, v in k.items()}})

    def records(self) -> Iterator[ConnectionRecord]:
        return self.with_status(*Status)

    def with_status(self, *statuses: Status) -> Iterator[ConnectionRecord]:
        found = [self.get(i) for i in self.items]
        for status in [s for s in Status if s in statuses]:  # in the lifecycle's order
            yield from sorted((r for r in found if r.status == status), key=_status_sort)

    def live(self) -> Iterator[ConnectionRecord]:
        return self.with_status(*LIVE)

    def watched(self) -> Iterator[ConnectionRecord]:
        for connection_id in sorted(self.items):  # the index's sort key
            record = self.get(connection_id)
            if items.watched(record):
                yield record

    def by_aws_connection_ids(self, aws_connection_ids: Iterable[str]) -> list[ConnectionRecord]:
        wanted = set(aws_connection_ids)
        return [r for r in map(self.get, sorted(self.items)) if r.awsConnectionId in wanted]

    def by_shared_id(self, shared_id: str) -> list[ConnectionRecord]:
        return [r for r in map(self.get, sorted(self.items)) if r.sharedId == shared_id]

    # --- markers ----------------------------------------------------------------------------
    def claim_once(self, kind: str, key: str, ttl_seconds: int, now: float | None = None) -> bool:
        now = clock.time() if now is None else now
        if self.is_claimed(kind, key, now):
            return False
        self.markers[(kind, key)] = int(now + ttl_seconds)
        return True

    def is_claimed(self, kind: str, key: str, now: float | None = None) -> bool:
        expires = self.markers.get((kind, key))
        return expires is not None and expires >= int(clock.time() if now is None else now)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeStore:
        for name in PUBLIC:
            monkeypatch.setattr(store, name, getattr(self, name))
        return self


# icp.store's public functions that FakeStore stands in for.
PUBLIC = (
    "create",
    "get",
    "find",
    "save",
    "update",
    "history_page",
    "history",
    "public_view",
    "list_page",
    "records",
    "with_status",
    "live",
    "watched",
    "by_aws_connection_ids",
    "by_shared_id",
    "claim_once",
    "is_claimed",
)


def _status_sort(record: ConnectionRecord) -> str:
    """The byStatus index's sort key (icp.store.items.to_item): oldest first, then by id."""
    return f"{record.createdAt.isoformat()}#{record.connectionId}"


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
