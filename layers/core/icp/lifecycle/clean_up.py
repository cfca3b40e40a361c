"""Clean Up: after a failure past validation, remove what would otherwise cost money or hold
quota, then record FAILED with the reason and what was removed. Idempotent, and retried
by the state machine while something is still on its way out."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from icp import proposal_keys, store
from icp.errors import CleanupPending, GatewayNotManaged
from icp.lifecycle import teardown
from icp.lifecycle.teardown import merge
from icp.lifecycle.transitions import move, set_fields
from icp.models import Status, WaitFor
from icp.observability import logger

_REASONS = {
    "PartnerRejected": "the partner rejected the activation",
    "ConnectionFailed": "AWS reports the connection failed",
    "ConnectionDown": "AWS reports the connection down",
    "ConnectionDeleted": "the connection was deleted at AWS",
    "RoutesNotConverged": "routes did not converge",
    "AttachmentRejected": "the core network's owner rejected the Cloud WAN attachment",
    "AttachmentFailed": "the Cloud WAN attachment failed",
    "AttachmentNotInSegment": "the Cloud WAN attachment joined another segment than the request's",
}
# A timed-out wait says what did not happen in time.
_TIMEOUTS = {
    WaitFor.PARTNER_ACCEPTANCE: "activation window expired before the partner accepted the key",
    WaitFor.AVAILABLE: "AWS did not report the connection available within the activation window",
    WaitFor.RECOVERY: "the link did not recover within the wait",
    WaitFor.DELETED: "AWS did not report the connection deleted in time",
    WaitFor.APPROVAL: "no approver decided within the activation window",
    WaitFor.CORE_NETWORK_ATTACHMENT: "the Cloud WAN attachment was not AVAILABLE within the activation window",
}


def own_error(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """The error a child workflow failed with, as if its step had failed in the parent: a
    startExecution.sync:2 task fails with States.TaskFailed and the child's DescribeExecution
    output as its Cause (docs/conformance.md), a grandchild's inside its child's."""
    while error and error.get("Error") == "States.TaskFailed":
        try:
            described = json.loads(error.get("Cause") or "")
        except ValueError:
            break
        if not isinstance(described, dict) or "ExecutionArn" not in described or "Error" not in described:
            break
        error = {"Error": described["Error"], "Cause": described.get("Cause") or ""}
    return error


def failure_reason(error: dict[str, Any] | None, waiting_for: WaitFor | None = None) -> str:
    """A readable reason for a workflow error; ``waiting_for`` is what the record was waiting
    on when it came (a timeout names it)."""
    error = own_error(error) or {}
    name = str(error.get("Error", "Unknown"))
    cause = _cause(error)
    if name == "States.Timeout":
        summary = _TIMEOUTS.get(waiting_for, "a wait timed out") if waiting_for else "a wait timed out"
    else:
        summary = _REASONS.get(name, name)
    return f"{summary}: {cause}"[:500] if cause else summary


def _cause(error: dict[str, Any] | None) -> str:
    cause = (error or {}).get("Cause") or ""
    with contextlib.suppress(ValueError, AttributeError):  # Lambda errors arrive as JSON with errorMessage
        cause = json.loads(cause).get("errorMessage", cause)
    return str(cause)


def clean_up(connection_id: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
    record = store.get(connection_id)
    if record.status == Status.FAILED:
        return {"connectionId": connection_id, "cleanedUp": record.cleanedUp}
    if proposal_keys.forget(connection_id):  # a proposal's key that was never accepted
        logger.info("deleted the activation key kept for the proposal", extra={"connectionId": connection_id})
    removed = merge(record.cleanedUp, teardown.withdraw_routes(record))
    removed = merge(removed, teardown.delete_connection(record, "cleanup"))
    kept = ""
    try:
        removed = merge(removed, teardown.delete_created_gateway(record))
    except CleanupPending:
        set_fields(connection_id, cleanedUp=removed)  # keep what is done for the retry
        raise
    except GatewayNotManaged as exc:  # made before gateways were tagged: kept, and said so
        kept = f" ({exc})"
    outcome, reason = Status.FAILED, failure_reason(error, record.waitFor) + kept
    if (own_error(error) or {}).get("Error") == "QuotaExceeded" and record.status == Status.GATEWAY_READY:
        # AWS refused the create over a quota the checks could not see yet (a connection made
        # elsewhere moments before, still missing from a lagging list): a rejection, with what
        # was made for it removed.
        outcome, reason = Status.REJECTED, f"awsRegion: interconnect-quota: {_cause(error)}"
    if (own_error(error) or {}).get("Error") == "ProposalMismatch" and record.status == Status.GATEWAY_READY:
        # The key was used or withdrawn between the checks and the acceptance.
        outcome, reason = Status.REJECTED, f"activationKey: open-proposal: {_cause(error)}"
    move(
        connection_id,
        outcome,
        reason,
        also=lambda r: {"cleanedUp": removed, "waitFor": None, "waitToken": None, "waitSince": None},
    )
    return {"connectionId": connection_id, "cleanedUp": removed}
