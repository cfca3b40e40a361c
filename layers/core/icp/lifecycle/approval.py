"""The approval gates: the provision workflow (template parameter RequireApproval) parks on a
task token before anything is created, the decommission workflow (RequireDecommissionApproval)
before anything is taken down; `icp approve` / `icp reject`, the API, or a ServiceNow change
approval decides. An approver may not approve their own request (icp.requesters)."""

from __future__ import annotations

from typing import Any

from icp import proposal_keys, store
from icp.aws import stepfunctions
from icp.errors import ConcurrentUpdate, Conflict, SelfApproval
from icp.lifecycle.decommission import find_record
from icp.lifecycle.transitions import move, note
from icp.models import Status, WaitFor, connection_id_for
from icp.requesters import is_requester, servicenow_user


def decide_approval(
    connection_or_request_id: str,
    approve: bool,
    reason: str | None,
    approver: str,
    approver_identity: str | None = None,
) -> dict[str, Any]:
    """``approver`` is what the history shows; ``approver_identity`` (default: ``approver``) is
    compared with the requesters. Their own request may be rejected (withdrawn), not approved."""
    record = find_record(connection_or_request_id)
    # Provisioning waits in VALIDATED on waitFor; a held decommission in its own slot.
    held = record.decommissionHeldSince is not None
    token = (
        record.decommissionApprovalToken
        if held
        else (record.waitToken if record.waitFor == WaitFor.APPROVAL else None)
    )
    if not token:
        raise Conflict(
            f"connection {record.connectionId} is not waiting for approval ({record.status.value})",
            field="connectionId",
            rule="awaiting-approval",
        )
    what = "decommission" if held else "request"
    requesters = record.decommissionRequestedBy if held else record.requestedBy
    if approve and is_requester(approver_identity or approver, requesters):
        raise SelfApproval(
            f"an approver may not approve their own request: {approver} asked for this {what} "
            f"of {record.connectionId}",
            field="approver",
            rule="approver-is-not-requester",
        )
    claim = (
        {"decommissionApprovalToken": None, "decommissionHeldSince": None}
        if held
        else {"waitToken": None, "waitFor": None, "waitSince": None}
    )
    try:  # claim the token: of two decisions at once, one counts
        store.save(record.model_copy(update=claim))
    except ConcurrentUpdate:
        raise Conflict(
            f"connection {record.connectionId} was decided concurrently",
            field="connectionId",
            rule="awaiting-approval",
        ) from None
    decision = "approved" if approve else "rejected"
    label = "decommission " if what == "decommission" else ""
    note(record.connectionId, f"{label}{decision} by {approver}" + (f": {reason}" if reason else ""))
    if approve:
        stepfunctions.send_success(token, {"connectionId": record.connectionId, "approvedBy": approver})
    else:
        stepfunctions.send_failure(
            token, "ApprovalRejected", f"rejected by {approver}: {reason or 'no reason given'}"
        )
    return {"connectionId": record.connectionId, "decision": decision}


def reject_request(connection_id: str, error: dict[str, Any] | None) -> dict[str, Any]:
    """After a rejected approval: REJECTED, nothing was created."""
    cause = str((error or {}).get("Cause") or "rejected by an approver")
    move(
        connection_id,
        Status.REJECTED,
        f"approval: rejected: {cause}",
        also=lambda r: {"waitFor": None, "waitToken": None, "waitSince": None},
    )
    proposal_keys.forget(connection_id)  # a proposal's key (README, "Proposals"): nothing will accept it
    return {"connectionId": connection_id}


def servicenow_approval(ticket: dict[str, Any]) -> dict[str, Any] | None:
    """A ServiceNow change approval: the ticket of a request waiting for approval, arriving
    again with ``approval`` approved or rejected, decides it. None when it is not that."""
    approval = str(ticket.get("approval") or "").lower()
    sys_id = str(ticket.get("sys_id") or "").lower()
    if approval not in ("approved", "rejected") or not sys_id:
        return None
    record = store.find(connection_id_for(sys_id))
    if record is None or (record.waitFor != WaitFor.APPROVAL and record.decommissionHeldSince is None):
        return None
    approver = (
        (ticket.get("approved_by") or {}).get("display_value")
        if isinstance(ticket.get("approved_by"), dict)
        else ticket.get("approved_by")
    )
    return decide_approval(
        record.connectionId,
        approval == "approved",
        ticket.get("comments") or None,
        f"ServiceNow {ticket.get('number', sys_id)}" + (f" ({approver})" if approver else ""),
        servicenow_user(ticket.get("approved_by")),
    )
