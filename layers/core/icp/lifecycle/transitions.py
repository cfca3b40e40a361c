"""The one way a record's status changes: check, write with the version guard, append
history, publish the status event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icp import clock, events, store
from icp.errors import Conflict, InvalidTransition
from icp.models import TRANSITIONS, ConnectionRecord, HistoryEntry, Status
from icp.observability import emit, logger


def move(
    connection_id: str,
    to: Status,
    reason: str | None = None,
    *,
    also: Callable[[ConnectionRecord], dict[str, Any]] | None = None,
    strict: bool = False,
) -> ConnectionRecord:
    """Move a record to ``to``. Moving to the status it already has is a no-op (a task retried
    after its write landed), so nothing is written or published twice; with ``strict`` it is a
    Conflict instead (an operator asking twice)."""
    published: dict[str, Any] = {}

    def change(record: ConnectionRecord) -> ConnectionRecord | None:
        published.clear()  # a retry after a lost race: only the attempt that wins announces
        if record.status == to:
            if strict:
                raise Conflict(
                    f"{connection_id} is already {to.value}",
                    field="connectionId",
                    rule=f"not-already-{to.value.lower()}",
                )
            return None
        if to not in TRANSITIONS.get(record.status, set()):
            raise InvalidTransition(
                f"{connection_id}: {record.status} -> {to} is not allowed", field="status", rule="transition"
            )
        now = clock.utcnow()
        entry = HistoryEntry.model_validate(
            {"from": record.status.value, "to": to.value, "at": now, "reason": reason}
        )
        updates: dict[str, Any] = {"status": to, "statusReason": reason}
        if also:
            updates.update(also(record))
        published.update({"from": record.status.value})
        return record.with_entry(entry, **updates)

    record = store.update(connection_id, change)
    if published:
        _announce(record, published["from"], reason)
    return record


def announce_created(record: ConnectionRecord) -> None:
    _announce(record, None, record.statusReason or "request received")


# Transitions that end a workflow run: (from, to) -> (workflow, outcome).
_OUTCOMES = {
    ("ROUTES_PROPAGATING", "ACTIVE"): ("provision", "succeeded"),
    ("RESIZING", "ACTIVE"): ("resize", "completed"),
    ("DEGRADED", "ACTIVE"): ("remediate", "recovered"),
    ("DECOMMISSIONING", "DECOMMISSIONED"): ("decommission", "succeeded"),
    ("DECOMMISSIONING", "FAILED"): ("decommission", "failed"),
}


def _announce(record: ConnectionRecord, from_: str | None, reason: str | None) -> None:
    to = record.status.value
    emit("ConnectionsByStatus", status=to)
    workflow, outcome = _OUTCOMES.get((str(from_), to), (None, None))
    if workflow is None and to in ("FAILED", "REJECTED"):
        workflow, outcome = "provision", to.lower()
    if workflow:
        emit("WorkflowOutcome", workflow=workflow, outcome=str(outcome))
    logger.info(
        "status changed",
        extra={
            "connectionId": record.connectionId,
            "from": from_,
            "to": record.status.value,
            "reason": reason,
        },
    )
    events.publish(
        events.STATUS_CHANGED,
        {
            "connectionId": record.connectionId,
            "requestId": record.requestId,
            "from": from_,
            "to": record.status.value,
            "reason": reason,
            "executionArn": record.executionArn,
        },
    )


def set_fields(connection_id: str, **fields: Any) -> ConnectionRecord:
    """Update fields that are not the status (AWS ids, wait token, AWS state)."""

    def change(record: ConnectionRecord) -> ConnectionRecord | None:
        if all(getattr(record, k) == v for k, v in fields.items()):
            return None
        return record.model_copy(update=fields)

    return store.update(connection_id, change)


def note(connection_id: str, reason: str, **fields: Any) -> ConnectionRecord:
    """A history entry that is not a status change (maintenance announced, a failover held back),
    with any other fields to set in the same write."""

    def change(record: ConnectionRecord) -> ConnectionRecord:
        entry = HistoryEntry.model_validate(
            {"from": record.status.value, "to": record.status.value, "at": clock.utcnow(), "reason": reason}
        )
        return record.with_entry(entry, **fields)

    return store.update(connection_id, change)
