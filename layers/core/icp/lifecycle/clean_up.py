"""Clean Up: after a failure past validation, remove what would otherwise cost money or hold
quota, then record FAILED with the reason and what was removed. Idempotent, and retried
by the state machine while something is still on its way out."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from icp import store
from icp.aws import directconnect, interconnect
from icp.errors import CleanupPending
from icp.lifecycle.create_connection import client_token
from icp.lifecycle.routing import withdraw_aws_side
from icp.lifecycle.transitions import move, set_fields
from icp.models import Status
from icp.partners.registry import remote_side_for

_REASONS = {
    "States.Timeout": "activation window expired before the partner accepted the key",
    "PartnerRejected": "the partner rejected the activation",
    "ConnectionFailed": "AWS reports the connection failed",
    "RoutesNotConverged": "routes did not converge",
}


def failure_reason(error: dict[str, Any] | None) -> str:
    error = error or {}
    name = str(error.get("Error", "Unknown"))
    cause = error.get("Cause") or ""
    with contextlib.suppress(ValueError, AttributeError):  # Lambda errors arrive as JSON with errorMessage
        cause = json.loads(cause).get("errorMessage", cause)
    summary = _REASONS.get(name, name)
    return f"{summary}: {cause}"[:500] if cause else summary


def clean_up(connection_id: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
    record = store.get(connection_id)
    if record.status == Status.FAILED:
        return {"connectionId": connection_id, "cleanedUp": record.cleanedUp}
    removed = list(record.cleanedUp)

    def note(items: list[str]) -> None:
        for item in items:
            if item not in removed:
                removed.append(item)

    if record.remoteRefs and record.provider:
        note(remote_side_for(record.provider).withdraw(record))
    note(withdraw_aws_side(record))
    if record.awsConnectionId and record.awsRegion:
        state = interconnect.delete_connection(record.awsRegion, record.awsConnectionId,
                                               client_token(record.requestId, attempt=1000))
        if state is not None:
            note([f"connection {record.awsConnectionId}"])
    if record.gatewayCreated and record.directConnectGatewayId:
        try:
            if directconnect.delete_gateway(record.directConnectGatewayId):
                note([f"Direct Connect gateway {record.directConnectGatewayId}"])
        except CleanupPending:
            set_fields(connection_id, cleanedUp=removed)  # keep what is done for the retry
            raise
    reason = failure_reason(error)
    move(connection_id, Status.FAILED, reason,
         also=lambda r: {"cleanedUp": removed, "waitFor": None, "waitToken": None, "waitSince": None})
    return {"connectionId": connection_id, "cleanedUp": removed}
