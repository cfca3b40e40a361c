"""Decommissioning: asked for through the API, the CLI or an `Interconnect Decommission
Requested` event; run by statemachines/decommission.asl.json:

Start Decommission → Withdraw Routes → Delete Connection → Wait Until Deleted (task token,
completed by the watcher) → Mark Decommissioned.
"""

from __future__ import annotations

import os
from typing import Any

from icp import store
from icp.aws import alarms, stepfunctions
from icp.errors import Conflict, GatewayNotManaged
from icp.lifecycle import teardown
from icp.lifecycle.teardown import merge
from icp.lifecycle.transitions import move, set_fields
from icp.models import ConnectionRecord, Status, connection_id_for, execution_name_for

DECOMMISSIONABLE = {Status.ACTIVE, Status.DEGRADED, Status.FAILED}


def find_record(connection_or_request_id: str) -> ConnectionRecord:
    """A record by its connectionId or its requestId (ConnectionNotFound otherwise)."""
    key = connection_or_request_id
    if not key.startswith("icc-"):
        found = store.find(connection_id_for(key))
        if found is not None:
            return found
    return store.get(key)


def request_decommission(connection_or_request_id: str) -> dict[str, Any]:
    """Move the record to DECOMMISSIONING (Conflict if it is already on its way out, or not in
    a state that can be decommissioned) and start the workflow."""
    record = find_record(connection_or_request_id)
    if record.status in (Status.DECOMMISSIONING, Status.DECOMMISSIONED):
        raise Conflict(f"connection {record.connectionId} is already {record.status.value}",
                       field="connectionId", rule="not-already-decommissioning")
    if record.status not in DECOMMISSIONABLE:
        raise Conflict(f"connection {record.connectionId} is {record.status.value}; only "
                       f"{', '.join(sorted(s.value for s in DECOMMISSIONABLE))} connections can be decommissioned",
                       field="connectionId", rule="decommissionable-status")
    record = _start(record.connectionId, "decommission requested", strict=True)
    execution_arn = stepfunctions.start_execution(
        os.environ["DECOMMISSION_STATE_MACHINE_ARN"],
        execution_name_for(record.requestId, f"decommission-{record.version}"),
        {"detail-type": "Interconnect Decommission Requested", "detail": {"connectionId": record.connectionId}},
    )
    set_fields(record.connectionId, currentExecutionArn=execution_arn)
    return {"connectionId": record.connectionId, "status": record.status.value, "executionArn": execution_arn}


def _start(connection_id: str, reason: str, strict: bool) -> ConnectionRecord:
    # Strict inside the version-guarded write: of two requests at once, the second gets Conflict.
    return move(connection_id, Status.DECOMMISSIONING, reason, strict=strict)


def start_decommission(connection_id: str) -> dict[str, Any]:
    """First step of the workflow; already DECOMMISSIONING (the API moved it) is fine."""
    record = find_record(connection_id)
    _start(record.connectionId, "decommission requested", strict=False)
    return {"connectionId": record.connectionId}


def withdraw_routes(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    set_fields(connection_id, cleanedUp=merge(record.cleanedUp, teardown.withdraw_routes(record)))
    return {"connectionId": connection_id}


def delete_connection(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    set_fields(connection_id, cleanedUp=merge(record.cleanedUp, teardown.delete_connection(record, "decommission")))
    return {"connectionId": connection_id}


def mark_decommissioned(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    reason = "connection deleted and everything it used removed"
    try:
        removed = merge(record.cleanedUp, teardown.delete_created_gateway(record))  # CleanupPending: retried
    except GatewayNotManaged as exc:  # made before gateways were tagged: kept, and said so
        removed, reason = record.cleanedUp, f"connection deleted; {exc}"
    removed = merge(removed, alarms.delete_alarms(record))
    move(connection_id, Status.DECOMMISSIONED, reason,
         also=lambda r: {"cleanedUp": removed, "waitFor": None, "waitToken": None, "waitSince": None})
    return {"connectionId": connection_id, "cleanedUp": removed}
