"""The link-state watcher: one sweep lists every connection once (paginated), diffs the
AWS states against the records, publishes Link State Changed, and completes the task tokens
of executions waiting on those connections. Its cost is per sweep, not per connection-minute."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from icp import clock, events, store
from icp.aws import interconnect
from icp.lifecycle import cloud_wan, waits
from icp.models import ConnectionRecord, Status
from icp.observability import emit, logger
from icp.remediation import Signal

RESTORE_RETRY = timedelta(minutes=15)


def sweep(scheduled_at: str | None = None) -> dict[str, Any]:
    """``scheduled_at``: the schedule event's time, to measure how late the sweep ran."""
    started = time.perf_counter()
    # The sparse watched index holds only these records (icp.store.items.watched says which):
    # the sweep's reads grow with them, not with the table.
    records = list(store.watched())
    by_region: dict[str, list[ConnectionRecord]] = defaultdict(list)
    for record in records:
        by_region[str(record.awsRegion)].append(record)
    changes = completed = restores = failures = 0
    for region, region_records in by_region.items():
        listed = {c["id"]: c for c in interconnect.iter_connections(region)}
        for record in region_records:
            try:
                changed, done, restored = _look_at(record, listed.get(str(record.awsConnectionId)))
            except Exception as exc:  # one connection's trouble must not stop the sweep
                failures += 1
                logger.exception(
                    "sweep could not look at a connection",
                    extra={"connectionId": record.connectionId, "error": type(exc).__name__},
                )
                continue
            changes += changed
            completed += done
            restores += restored
    # Cloud WAN: executions parked on a Direct Connect gateway attachment (icp.lifecycle.cloud_wan).
    completed += cloud_wan.complete_waits(records)
    result = {
        "watched": len(records),
        "changes": changes,
        "tokensCompleted": completed,
        "restoresStarted": restores,
        "failures": failures,
        "durationMs": round((time.perf_counter() - started) * 1000, 1),
    }
    logger.info("sweep done", extra=result)
    emit("SweepDuration", result["durationMs"], MetricUnit.Milliseconds)
    if scheduled_at:
        lag = (clock.utcnow() - datetime.fromisoformat(scheduled_at.replace("Z", "+00:00"))).total_seconds()
        emit("SweepLag", max(lag, 0.0), MetricUnit.Seconds)
    return result


def _look_at(record: ConnectionRecord, listed: dict[str, Any] | None) -> tuple[int, int, int]:
    """One read of one connection: (state changes confirmed, tokens completed, restores started)."""
    # Absent from the list (which may lag): ask for it before concluding anything.
    state = str(listed["state"]) if listed is not None else waits.read_state(record)
    previous = record.awsState
    # The tier AWS bills it at now (a resize may move it), as the list shows it.
    tier = listed.get("billingTier") if listed is not None else None
    record, confirmed = waits.observe(record, state, billing_tier=tier if isinstance(tier, int) else None)
    if confirmed is not None:
        events.publish(
            events.LINK_STATE_CHANGED,
            {
                "connectionId": record.connectionId,
                "awsConnectionId": record.awsConnectionId,
                "from": previous,
                "to": confirmed,
                "observedAt": clock.utcnow().isoformat(),
            },
        )
    done = 1 if record.waitToken and waits.resolve(record) else 0
    restored = 1 if _restore_if_stranded(record) else 0
    return (1 if confirmed else 0), done, restored


def _restore_if_stranded(record: ConnectionRecord) -> bool:
    """A DEGRADED connection whose link is available again, with no remediation running (say its
    wait for recovery ran out before the link came back), is brought back: routes restored,
    ACTIVE, incident resolved. Tried again at most every RESTORE_RETRY if it does not succeed."""
    now = clock.utcnow()
    if record.status != Status.DEGRADED or record.awsState != "available" or record.awsStateReads < 2:
        return False
    if record.waitToken or (record.lease and record.leaseExpiresAt and record.leaseExpiresAt > now):
        return False
    if record.restoreTriedAt and (now - record.restoreTriedAt) < RESTORE_RETRY:
        return False
    from icp.lifecycle.start_remediation import handle_signal

    store.update(record.connectionId, lambda r: r.model_copy(update={"restoreTriedAt": now}))

    result = handle_signal(Signal("link-up", record.connectionId, now, {"awsState": record.awsState}))
    return bool(result.get("started"))
