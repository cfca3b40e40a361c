"""Decommissioning: asked for through the API, the CLI or an `Interconnect Decommission
Requested` event; run by statemachines/decommission.asl.json:

Start Decommission → [Wait For Approval → Decommission Approved] → Withdraw Routes → Delete
Connection → Wait Until Deleted (task token, completed by the watcher) → Mark Decommissioned.

With RequireDecommissionApproval the connection keeps its status while an approver other than
the requester decides (icp.lifecycle.approval); a rejection leaves it as it was.
"""

from __future__ import annotations

from typing import Any

from icp import clock, config, store
from icp.aws import alarms, stepfunctions
from icp.errors import ConcurrentUpdate, Conflict, GatewayNotManaged
from icp.lifecycle import teardown
from icp.lifecycle.teardown import merge
from icp.lifecycle.transitions import move, note, set_fields
from icp.models import ConnectionRecord, Status, connection_id_for, execution_name_for
from icp.requesters import from_event

REQUESTED = "Interconnect Decommission Requested"

DECOMMISSIONABLE = {Status.ACTIVE, Status.DEGRADED, Status.FAILED}


def find_record(connection_or_request_id: str) -> ConnectionRecord:
    """A record by its connectionId or its requestId (ConnectionNotFound otherwise)."""
    key = connection_or_request_id
    if not key.startswith("icc-"):
        found = store.find(connection_id_for(key))
        if found is not None:
            return found
    return store.get(key)


def approval_required() -> bool:
    return config.settings().require_decommission_approval


def _check_decommissionable(record: ConnectionRecord) -> None:
    if record.status in (Status.DECOMMISSIONING, Status.DECOMMISSIONED):
        raise Conflict(
            f"connection {record.connectionId} is already {record.status.value}",
            field="connectionId",
            rule="not-already-decommissioning",
        )
    if record.status not in DECOMMISSIONABLE:
        raise Conflict(
            f"connection {record.connectionId} is {record.status.value}; only "
            f"{', '.join(sorted(s.value for s in DECOMMISSIONABLE))} connections can be decommissioned",
            field="connectionId",
            rule="decommissionable-status",
        )
    if record.decommissionHeldSince is not None:
        raise Conflict(
            f"connection {record.connectionId} has a decommission waiting for approval",
            field="connectionId",
            rule="not-waiting",
        )


def _hold(record: ConnectionRecord, requested_by: list[str]) -> ConnectionRecord:
    """Claim the approval wait (version-guarded: of two requests at once, one holds it); the
    workflow's Wait For Approval step adds its task token."""
    try:
        return store.save(
            record.model_copy(
                update={
                    "decommissionHeldSince": clock.utcnow(),
                    "decommissionApprovalToken": None,
                    "decommissionRequestedBy": requested_by,
                }
            )
        )
    except ConcurrentUpdate:
        raise Conflict(
            f"connection {record.connectionId} was asked for concurrently",
            field="connectionId",
            rule="not-waiting",
        ) from None


def request_decommission(
    connection_or_request_id: str, requested_by: list[str] | None = None
) -> dict[str, Any]:
    """Move the record to DECOMMISSIONING (Conflict if it is already on its way out, or not in
    a state that can be decommissioned) and start the workflow; with approval required, hold it
    for an approver instead (its status unchanged)."""
    record = find_record(connection_or_request_id)
    _check_decommissionable(record)
    held = approval_required()
    record = (
        _hold(record, requested_by or [])
        if held
        else _start(record.connectionId, "decommission requested", strict=True)
    )
    execution_arn = stepfunctions.start_execution(
        config.settings().state_machine_arn("decommission"),
        execution_name_for(record.requestId, f"decommission-{record.version}"),
        {
            "detail-type": REQUESTED,
            "detail": {"connectionId": record.connectionId},
            "requestedBy": requested_by or [],
        },
    )
    set_fields(record.connectionId, currentExecutionArn=execution_arn)
    answer = {
        "connectionId": record.connectionId,
        "status": record.status.value,
        "executionArn": execution_arn,
    }
    return {**answer, "awaiting": "approval"} if held else answer


def _start(connection_id: str, reason: str, strict: bool) -> ConnectionRecord:
    # Strict inside the version-guarded write: of two requests at once, the second gets Conflict.
    return move(connection_id, Status.DECOMMISSIONING, reason, strict=strict)


def start_decommission(
    connection_id: str, event: dict[str, Any] | None = None, require_approval: bool = False
) -> dict[str, Any]:
    """First step of the workflow; already DECOMMISSIONING (the API moved it) is fine. With
    approval required, the request is held (the API held it already; an event is held here, its
    requester being the event's account and source) and ``approval`` tells the workflow to wait."""
    record = find_record(connection_id)
    if not require_approval:
        _start(record.connectionId, "decommission requested", strict=False)
        return {"connectionId": record.connectionId, "approval": False}
    if "requestedBy" not in (event or {}) and not (
        record.decommissionHeldSince and not record.decommissionApprovalToken
    ):
        _check_decommissionable(record)
        _hold(record, from_event(event or {}))
    return {"connectionId": record.connectionId, "approval": True}


def decommission_approved(connection_id: str) -> dict[str, Any]:
    _start(connection_id, "decommission approved", strict=False)
    return {"connectionId": connection_id}


def decommission_not_approved(connection_id: str, error: dict[str, Any] | None) -> dict[str, Any]:
    """Rejected (the decision already cleared the wait and noted it) or never decided in time:
    the connection stays as it was."""
    record = store.get(connection_id)
    if record.decommissionHeldSince is not None:
        cause = str((error or {}).get("Error") or "no decision")
        note(
            connection_id,
            f"decommission not approved: {cause}",
            decommissionHeldSince=None,
            decommissionApprovalToken=None,
        )
    return {"connectionId": connection_id}


def withdraw_routes(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    set_fields(connection_id, cleanedUp=merge(record.cleanedUp, teardown.withdraw_routes(record)))
    return {"connectionId": connection_id}


def delete_connection(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    set_fields(
        connection_id, cleanedUp=merge(record.cleanedUp, teardown.delete_connection(record, "decommission"))
    )
    return {"connectionId": connection_id}


def mark_decommissioned(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    reason = "connection deleted and everything it used removed"
    try:
        removed = merge(record.cleanedUp, teardown.delete_created_gateway(record))  # CleanupPending: retried
    except GatewayNotManaged as exc:  # made before gateways were tagged: kept, and said so
        removed, reason = record.cleanedUp, f"connection deleted; {exc}"
    removed = merge(removed, alarms.delete_alarms(record))
    move(
        connection_id,
        Status.DECOMMISSIONED,
        reason,
        also=lambda r: {"cleanedUp": removed, "waitFor": None, "waitToken": None, "waitSince": None},
    )
    return {"connectionId": connection_id, "cleanedUp": removed}
