"""Signals in, at most one remediation execution per connection out.

Rules on the bus (Link State Changed), on the default bus (CloudWatch Alarm State Change for
this stack's connection alarms, ``icp.aws.alarms``; AWS Health for Direct Connect maintenance) and the
scheduled route check all land here. Each signal is turned into a decision by
``icp.remediation``; an action starts the remediate state machine only after taking the
connection's lease with a conditional write, so a duplicated event, or two events at once,
start one execution."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icp import clock, config, store
from icp.aws import alarms, interconnect, stepfunctions
from icp.errors import ConcurrentUpdate
from icp.lifecycle.transitions import note
from icp.models import ConnectionRecord, execution_name_for
from icp.observability import logger
from icp.remediation import Action, Settings, Signal, decide, recent_downs

LEASE_SECONDS = 7 * 86400


def signals_from_event(event: dict[str, Any]) -> list[Signal]:
    """The signals an EventBridge event carries (none for events that need no action)."""
    detail = event.get("detail") or {}
    detail_type = event.get("detail-type")
    at = clock.utcnow()
    if detail_type == "Interconnect Link State Changed":
        kind = {"down": "link-down", "failed": "link-failed"}.get(str(detail.get("to")))
        return [Signal(kind, detail["connectionId"], at, detail)] if kind else []
    if detail_type == "CloudWatch Alarm State Change":
        parsed = alarms.parse_alarm_name(str(detail.get("alarmName", "")))
        if parsed and detail.get("state", {}).get("value") == "ALARM":
            connection_id, kind = parsed
            return [Signal(kind, connection_id, at, detail)]
        return []
    if detail_type == "AWS Health Event":
        entities = [e.get("entityValue") for e in detail.get("affectedEntities", [])]
        records = store.by_aws_connection_ids(str(e) for e in entities if e)
        return [Signal("maintenance", r.connectionId, at, detail) for r in records]
    return []


def start_remediation(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [handle_signal(signal) for signal in signals_from_event(event)]


def handle_signal(signal: Signal, settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or Settings.configured()
    record = store.find(signal.connection_id)
    if record is None:
        return {"connectionId": signal.connection_id, "started": None, "reason": "no such connection"}
    if signal.kind == "maintenance":
        return _record_maintenance(record, signal)
    if signal.kind == "link-down":
        window = max(settings.flap_window_seconds, 1)
        downs = sorted({*recent_downs(record.linkDowns, signal.at, window), signal.at})
        record = store.update(record.connectionId, lambda r: r.model_copy(update={"linkDowns": downs}))
    offered: list[str] = []
    if signal.kind == "utilization" and record.awsRegion:
        environments = {e["environmentId"]: e for e in interconnect.list_environments(record.awsRegion)}
        offered = environments.get(record.environmentId or "", {}).get("bandwidths", {}).get("available", [])
    decision = decide(signal, record, settings, offered)
    if decision.action is None:
        logger.info(
            "no remediation",
            extra={"connectionId": record.connectionId, "signal": signal.kind, "reason": decision.reason},
        )
        return {"connectionId": record.connectionId, "started": None, "reason": decision.reason}
    holder = _take_lease(record.connectionId, decision.action)
    if holder is None:
        return {
            "connectionId": record.connectionId,
            "started": None,
            "reason": "a remediation is already running",
        }
    lease_name, record = holder
    execution_arn = stepfunctions.start_execution(
        config.settings().state_machine_arn("remediate"),
        lease_name,
        {
            "connectionId": record.connectionId,
            "action": decision.action.value,
            "reason": decision.reason,
            "bandwidth": decision.bandwidth,
            "lease": lease_name,
            "graceSeconds": settings.grace_seconds,
            "flapWindowSeconds": settings.flap_window_seconds,
        },
    )
    store.update(record.connectionId, lambda r: r.model_copy(update={"currentExecutionArn": execution_arn}))
    logger.info(
        "remediation started",
        extra={
            "connectionId": record.connectionId,
            "action": decision.action.value,
            "executionArn": execution_arn,
        },
    )
    return {"connectionId": record.connectionId, "started": execution_arn, "action": decision.action.value}


def _take_lease(connection_id: str, action: Action) -> tuple[str, ConnectionRecord] | None:
    """The lease, taken with a version-guarded write, or None if another execution holds it."""
    now = clock.utcnow()
    for _ in range(5):
        record = store.get(connection_id)
        if record.lease and record.leaseExpiresAt and record.leaseExpiresAt > now:
            return None
        name = execution_name_for(record.requestId, f"remediate-{action.value}-{record.version}")
        try:
            updated = store.save(
                record.model_copy(
                    update={"lease": name, "leaseExpiresAt": now + timedelta(seconds=LEASE_SECONDS)}
                )
            )
        except ConcurrentUpdate:
            continue  # someone wrote first: look again (it may be another lease)
        return name, updated
    return None


def _record_maintenance(record: ConnectionRecord, signal: Signal) -> dict[str, Any]:
    detail = signal.detail
    window = {
        "start": str(detail.get("startTime")),
        "end": str(detail.get("endTime")),
        "event": str(detail.get("eventArn", detail.get("eventTypeCode", ""))),
    }
    if window in record.maintenance:
        return {
            "connectionId": record.connectionId,
            "started": None,
            "reason": "maintenance already recorded",
        }
    kept = [w for w in record.maintenance if datetime.fromisoformat(w["end"]) > signal.at]
    note(
        record.connectionId,
        f"AWS announced maintenance {window['start']} to {window['end']}: failover is suppressed during it",
        maintenance=[*kept, window],
    )
    return {"connectionId": record.connectionId, "started": None, "reason": "maintenance recorded"}
