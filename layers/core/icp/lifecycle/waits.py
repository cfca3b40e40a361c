"""Waiting on AWS without polling: an execution parks on a task token kept on the record,
and whoever sees the AWS state first (the watcher's sweep, or the step that registered the
wait) completes it. Claiming the token is a version-guarded write, so it completes once."""

from __future__ import annotations

from typing import Any

from icp import store
from icp.aws import stepfunctions
from icp.errors import ConcurrentUpdate
from icp.models import ConnectionRecord, WaitFor
from icp.observability import logger

# For each wait: the AWS states that end it well, and those that end it badly.
_OUTCOMES: dict[WaitFor, tuple[set[str], set[str]]] = {
    WaitFor.PARTNER_ACCEPTANCE: ({"pending", "available", "updating"}, {"failed", "deleting", "deleted"}),
    WaitFor.AVAILABLE: ({"available"}, {"failed", "deleting", "deleted"}),
    WaitFor.DELETED: ({"deleted"}, {"failed"}),
}


def outcome(wait_for: WaitFor, aws_state: str | None) -> str | None:
    if wait_for not in _OUTCOMES:
        return None  # not decided by AWS (an approval)
    good, bad = _OUTCOMES[wait_for]
    if aws_state in good:
        return "success"
    if aws_state in bad:
        return "failure"
    return None


def resolve(record: ConnectionRecord, aws_state: str | None) -> bool:
    """Complete the record's waiting task token if ``aws_state`` ends the wait. True if it did."""
    if not record.waitToken or not record.waitFor:
        return False
    result = outcome(record.waitFor, aws_state)
    if result is None:
        return False
    token, wait_for = record.waitToken, record.waitFor
    try:
        # Claim the token first: of two sweepers, only the one whose write lands sends it.
        store.save(record.model_copy(update={"waitToken": None, "awsState": aws_state}))
    except ConcurrentUpdate:
        return False
    payload: dict[str, Any] = {"connectionId": record.connectionId, "awsState": aws_state}
    logger.info("wait ended", extra={"connectionId": record.connectionId, "waitFor": wait_for.value,
                                     "awsState": aws_state, "outcome": result})
    if result == "success":
        return stepfunctions.send_success(token, payload)
    error = "PartnerRejected" if wait_for == WaitFor.PARTNER_ACCEPTANCE else "ConnectionFailed"
    return stepfunctions.send_failure(
        token, error, f"AWS reports connection {record.awsConnectionId} as {aws_state} while waiting for {wait_for}")
