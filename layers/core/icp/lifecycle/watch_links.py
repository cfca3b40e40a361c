"""The link-state watcher: one sweep lists every connection once (paginated), diffs the
AWS states against the records, publishes Link State Changed, and completes the task tokens
of executions waiting on those connections. Its cost is per sweep, not per connection-minute."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from icp import clock, events, store
from icp.aws import interconnect
from icp.errors import ConcurrentUpdate
from icp.lifecycle import waits
from icp.models import ConnectionRecord, Status
from icp.observability import emit, logger


def _watched(record: ConnectionRecord) -> bool:
    if not record.awsConnectionId or not record.awsRegion:
        return False
    # A connection gone at AWS and finished here needs no more looking at.
    return not (record.status in (Status.DECOMMISSIONED, Status.FAILED, Status.REJECTED)
                and record.awsState == "deleted" and not record.waitToken)


def sweep(scheduled_at: str | None = None) -> dict[str, Any]:
    """``scheduled_at``: the schedule event's time, to measure how late the sweep ran."""
    started = time.perf_counter()
    records = [r for r in store.scan() if _watched(r)]
    by_region: dict[str, list[ConnectionRecord]] = defaultdict(list)
    for record in records:
        by_region[str(record.awsRegion)].append(record)
    changes = completed = failed = 0
    for region, region_records in by_region.items():
        states = {c["id"]: c["state"] for c in interconnect.iter_connections(region)}
        for record in region_records:
            state = states.get(str(record.awsConnectionId), "deleted")
            try:
                if state != record.awsState:
                    changes += 1
                    record = _record_change(record, state)
                if record.waitToken and waits.resolve(record, state):
                    completed += 1
            except Exception:  # one connection's failure (an AccessDenied, say) must not end the sweep
                failed += 1
                logger.exception("sweep: a connection failed", extra={"connectionId": record.connectionId})
    result = {"watched": len(records), "changes": changes, "tokensCompleted": completed, "failed": failed,
              "durationMs": round((time.perf_counter() - started) * 1000, 1)}
    logger.info("sweep done", extra=result)
    emit("SweepDuration", result["durationMs"], MetricUnit.Milliseconds)
    if scheduled_at:
        lag = (clock.utcnow() - datetime.fromisoformat(scheduled_at.replace("Z", "+00:00"))).total_seconds()
        emit("SweepLag", max(lag, 0.0), MetricUnit.Seconds)
    return result


def _record_change(record: ConnectionRecord, state: str) -> ConnectionRecord:
    previous = record.awsState
    try:
        updated = store.save(record.model_copy(update={"awsState": state}))
    except ConcurrentUpdate:
        updated = store.get(record.connectionId)
        if updated.awsState == state:
            return updated  # someone else recorded (and published) it
        updated = store.save(updated.model_copy(update={"awsState": state}))
    events.publish(events.LINK_STATE_CHANGED, {
        "connectionId": record.connectionId,
        "awsConnectionId": record.awsConnectionId,
        "from": previous,
        "to": state,
        "observedAt": clock.utcnow().isoformat(),
    })
    return updated
