"""Waiting on AWS without polling: an execution parks on a task token kept on the record,
and whoever sees the AWS state first (the watcher's sweep, or the step that registered the
wait) completes it. Claiming the token is a version-guarded write, so it completes once.

AWS's answers are read with the care the evidence asks for (docs/conformance.md, "Reading
connection states"):
- a state is acted on only once two consecutive reads agree (terraform-provider-aws's create
  waiter asks for two consecutive target reads);
- ``pending`` may come before ``requested`` or after it, so the partner's acceptance is
  ``available`` (or ``updating``), or ``pending`` once ``requested`` has been seen;
- ``down`` and ``failed`` while provisioning end the wait with a named failure (botocore's own
  ``ConnectionAvailable`` waiter fails on ``down``);
- a connection that a read misses right after it was created is not yet visible, not gone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icp import clock, store
from icp.aws import interconnect, stepfunctions
from icp.errors import ConcurrentUpdate
from icp.models import ConnectionRecord, WaitFor
from icp.observability import logger

CONFIRMING_READS = 2
# For this long after CreateConnection, a read that misses the connection means "not visible
# yet" (eventual consistency), not "deleted".
VISIBILITY_GRACE = timedelta(minutes=10)

_BAD = {
    "failed": "ConnectionFailed",
    "down": "ConnectionDown",
    "deleting": "ConnectionDeleted",
    "deleted": "ConnectionDeleted",
}


def outcome(record: ConnectionRecord, aws_state: str | None) -> tuple[str, str] | None:
    """``("success", "")`` or ``("failure", error name)`` if ``aws_state`` ends the record's wait."""
    wait_for = record.waitFor
    if wait_for is None or wait_for == WaitFor.APPROVAL or aws_state is None:
        return None  # an approval is decided by a person, not AWS
    if wait_for == WaitFor.PARTNER_ACCEPTANCE:
        accepted = aws_state in ("available", "updating") or (
            aws_state == "pending" and record.awsRequestedSeen
        )
        if accepted:
            return "success", ""
        if aws_state == "failed":
            return "failure", "PartnerRejected"  # AWS gives no reason; a refused key is the usual one
        return ("failure", _BAD[aws_state]) if aws_state in _BAD else None
    if wait_for == WaitFor.AVAILABLE:
        if aws_state == "available":
            return "success", ""
        return ("failure", _BAD[aws_state]) if aws_state in _BAD else None
    if wait_for == WaitFor.RECOVERY:  # the link is down already: only its return, or its end, count
        if aws_state == "available":
            return "success", ""
        return ("failure", _BAD[aws_state]) if aws_state in ("failed", "deleting", "deleted") else None
    if wait_for == WaitFor.DELETED:
        if aws_state == "deleted":
            return "success", ""
        return ("failure", "ConnectionFailed") if aws_state == "failed" else None
    return None


def read_state(record: ConnectionRecord) -> str | None:
    """One GetConnection read of the record's connection: its state, ``deleted`` when AWS says it
    does not exist, or None when that cannot be told yet (created moments ago and not visible)."""
    connection = interconnect.find_connection(record.require("awsRegion"), record.require("awsConnectionId"))
    if connection is not None:
        return str(connection["state"])
    if just_created(record):
        return None
    return "deleted"


def just_created(record: ConnectionRecord, now: datetime | None = None) -> bool:
    created = record.awsCreatedAt
    return created is not None and (now or clock.utcnow()) - created < VISIBILITY_GRACE


def observe(
    record: ConnectionRecord, aws_state: str | None, billing_tier: int | None = None
) -> tuple[ConnectionRecord, str | None]:
    """Count one read of ``aws_state`` (None: nothing could be read). Returns the record as saved
    and the state it confirmed, if this read confirmed a change of ``awsState``. ``billing_tier``:
    the connection's ``billingTier`` as the same read showed it, kept when given."""
    if aws_state is None:
        return record, None
    reads = min(record.awsStateReads + 1, CONFIRMING_READS) if aws_state == record.awsStateSeen else 1
    update: dict[str, Any] = {"awsStateSeen": aws_state, "awsStateReads": reads}
    if billing_tier is not None:
        update["billingTier"] = billing_tier
    if aws_state == "requested":
        update["awsRequestedSeen"] = True
    confirmed = reads >= CONFIRMING_READS and aws_state != record.awsState
    if confirmed:
        update["awsState"] = aws_state
    if all(getattr(record, k) == v for k, v in update.items()):
        return record, None  # nothing new: no write
    try:
        return store.save(record.model_copy(update=update)), aws_state if confirmed else None
    except ConcurrentUpdate:
        # Someone else wrote meanwhile (another sweep, or a step): count the read on their version.
        fresh = store.get(record.connectionId)
        return observe(fresh, aws_state, billing_tier) if fresh.version != record.version else (fresh, None)


def resolve(record: ConnectionRecord) -> bool:
    """Complete the record's waiting task token if its confirmed AWS state ends the wait."""
    if not record.waitToken or not record.waitFor or record.awsStateReads < CONFIRMING_READS:
        return False
    aws_state = record.awsState
    result = outcome(record, aws_state)
    if result is None:
        return False
    token, wait_for = record.waitToken, record.waitFor
    try:
        # Claim the token first: of two sweepers, only the one whose write lands sends it.
        store.save(record.model_copy(update={"waitToken": None}))
    except ConcurrentUpdate:
        return False
    kind, error = result
    payload: dict[str, Any] = {"connectionId": record.connectionId, "awsState": aws_state}
    logger.info(
        "wait ended",
        extra={
            "connectionId": record.connectionId,
            "waitFor": wait_for.value,
            "awsState": aws_state,
            "outcome": kind,
        },
    )
    if kind == "success":
        return stepfunctions.send_success(token, payload)
    return stepfunctions.send_failure(
        token,
        error,
        f"AWS reports connection {record.awsConnectionId} as {aws_state} while waiting for {wait_for}",
    )


def accepted_by_partner(record: ConnectionRecord) -> bool:
    """The partner says it accepted and AWS's latest read shows the connection alive: end the
    wait for acceptance (Wait Until Available then waits for AWS)."""
    if record.waitFor != WaitFor.PARTNER_ACCEPTANCE or not record.waitToken:
        return False
    if record.awsStateSeen not in ("requested", "pending", "available", "updating"):
        return False
    token = record.waitToken
    try:
        store.save(record.model_copy(update={"waitToken": None}))
    except ConcurrentUpdate:
        return False
    logger.info(
        "wait ended",
        extra={
            "connectionId": record.connectionId,
            "waitFor": WaitFor.PARTNER_ACCEPTANCE.value,
            "awsState": record.awsStateSeen,
            "outcome": "success",
            "by": "partner",
        },
    )
    return stepfunctions.send_success(
        token, {"connectionId": record.connectionId, "awsState": record.awsStateSeen}
    )
