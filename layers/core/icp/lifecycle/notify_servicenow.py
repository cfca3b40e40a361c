"""Notify ServiceNow: every status change goes back to the ticket the request came from.

Runs on ``Interconnect Connection Status Changed`` (an EventBridge rule invokes it
asynchronously), so the lifecycle never waits on ServiceNow: a failure here is retried by
Lambda and then lands in the dead-letter queue, and the connection carries on.

The ticket is ``request.requester.servicenow`` (``{"table", "sysId"}``) of the record. The
work note is plain text: the status change, its reason, the connection ids and the
execution ARN, scrubbed of anything that looks like a key or secret.

Ticket states
-------------
``sc_req_item`` (requested item):

    RECEIVED, VALIDATED, GATEWAY_READY, PROVISIONING, ROUTES_PROPAGATING  "2"  Work in Progress
    AWAITING_ACTIVATION                                                   "-5" Pending
    ACTIVE                                                                "3"  Closed Complete
    REJECTED, FAILED                                                      "4"  Closed Incomplete

``change_request`` (the standard change model's numeric states):

    VALIDATED, GATEWAY_READY, AWAITING_ACTIVATION, PROVISIONING,
    ROUTES_PROPAGATING                                                    "-1" Implement
    ACTIVE, FAILED                                                        "0"  Review
    REJECTED                                                              "4"  Canceled

    RECEIVED sends a note only: the change's own approval workflow owns it until the checks
    pass. The control plane never sets Closed ("3"): closing a change needs a close code and
    close notes, which are the change manager's after the review. A connection that FAILED
    was attempted and rolled back, so it goes to Review (to be closed "unsuccessful"); one
    REJECTED was never started, so it is Canceled.

Every other status (DEGRADED, RESIZING, DECOMMISSIONING, DECOMMISSIONED), and every other
table (``incident``), gets a work note and no state: the ticket that asked for the
connection is closed by then, and must not be reopened by a later change.

Events arrive out of order (asynchronous invokes, retries, redrives from the dead-letter
queue), so the state a note carries is checked against the record's history
(``state_to_send``): a transition later than this one that sets a state wins, and once the
ticket has been closed (ACTIVE, REJECTED or FAILED reached before this transition) later
changes, such as ACTIVE -> ROUTES_PROPAGATING, add notes only.
"""

from __future__ import annotations

import re
from typing import Any

from icp import servicenow, store
from icp.models import HistoryEntry
from icp.observability import logger

NOTE_KIND = "SNOW-NOTE"
NOTE_TTL_SECONDS = 86400
_REASON_MAX = 500
_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")

_IN_PROGRESS, _PENDING, _CLOSED_COMPLETE, _CLOSED_INCOMPLETE = "2", "-5", "3", "4"
_IMPLEMENT, _REVIEW, _CANCELED = "-1", "0", "4"
STATES: dict[str, dict[str, str]] = {
    "sc_req_item": {
        "RECEIVED": _IN_PROGRESS,
        "VALIDATED": _IN_PROGRESS,
        "GATEWAY_READY": _IN_PROGRESS,
        "AWAITING_ACTIVATION": _PENDING,
        "PROVISIONING": _IN_PROGRESS,
        "ROUTES_PROPAGATING": _IN_PROGRESS,
        "ACTIVE": _CLOSED_COMPLETE,
        "REJECTED": _CLOSED_INCOMPLETE,
        "FAILED": _CLOSED_INCOMPLETE,
    },
    "change_request": {
        "VALIDATED": _IMPLEMENT,
        "GATEWAY_READY": _IMPLEMENT,
        "AWAITING_ACTIVATION": _IMPLEMENT,
        "PROVISIONING": _IMPLEMENT,
        "ROUTES_PROPAGATING": _IMPLEMENT,
        "ACTIVE": _REVIEW,
        "FAILED": _REVIEW,
        "REJECTED": _CANCELED,
    },
}


# Statuses that close the ticket (sc_req_item) or hand it to its owner (change_request).
_CLOSING = {"ACTIVE", "REJECTED", "FAILED"}


def state_for(table: str, status: str) -> str | None:
    """The ticket state a status moves ``table`` to; None to leave the state alone."""
    return STATES.get(table, {}).get(status)


def state_to_send(table: str, history: list[HistoryEntry], index: int | None, to: str) -> str | None:
    """The state for the transition ``history[index]`` (to ``to``), or None when the ticket
    must keep its state: it was closed before this transition, or a later transition that
    sets a state has happened (its own event carries that state, whichever arrives first)."""
    if index is not None:
        if any(entry.to in _CLOSING for entry in history[:index]):
            return None
        if any(state_for(table, entry.to) for entry in history[index + 1 :]):
            return None
    return state_for(table, to)


def work_note(detail: dict[str, Any], aws_connection_id: str | None = None) -> str:
    """The plain-text work note for a status-changed event, scrubbed."""
    from_, to = detail.get("from"), detail.get("to")
    lines = [
        f"AWS Interconnect status: {from_} -> {to}"
        if from_
        else f"AWS Interconnect status: {to} (new request)"
    ]
    reason = str(detail.get("reason") or "").strip()
    if reason:
        if len(reason) > _REASON_MAX:
            reason = reason[: _REASON_MAX - 3] + "..."
        lines.append(f"Reason: {reason}")
    connection = f"Connection: {detail.get('connectionId')}"
    if aws_connection_id:
        connection += f" (AWS connection {aws_connection_id})"
    lines.append(connection)
    if detail.get("executionArn"):
        lines.append(f"Execution: {detail['executionArn']}")
    return servicenow.scrub("\n".join(lines))


def ticket_of(request: dict[str, Any]) -> tuple[str, str] | None:
    """``(table, sysId)`` from a record's raw request, or None when it names no usable ticket.
    Raw, not the parsed model: a REJECTED record's request may not parse."""
    requester = request.get("requester") if isinstance(request, dict) else None
    ref = requester.get("servicenow") if isinstance(requester, dict) else None
    if not isinstance(ref, dict):
        return None
    table, sys_id = ref.get("table") or "sc_req_item", ref.get("sysId")
    if not isinstance(table, str) or not isinstance(sys_id, str):
        return None
    if not _TABLE.fullmatch(table) or not _SYS_ID.fullmatch(sys_id):
        return None
    return table, sys_id


def notify_servicenow(detail: dict[str, Any]) -> dict[str, Any]:
    """Add a work note (and a state, where one fits) to the request's ticket. Returns what was
    sent without the note, ``{"table", "sysId", "state"}``, or ``{"skipped": reason}``."""
    connection_id = detail["connectionId"]
    record = store.find(connection_id)
    if record is None:
        return _skip(connection_id, f"no record for connection {connection_id}")
    ticket = ticket_of(record.request)
    if ticket is None:
        return _skip(connection_id, "the request names no ServiceNow ticket")
    if not servicenow.configured():
        return _skip(connection_id, f"ServiceNow is not configured ({servicenow.SECRET_ENV} is empty)")
    table, sys_id = ticket
    from_, to = detail.get("from"), detail.get("to")

    # Idempotency, without ever blocking a retry: read the marker, send, and only then claim.
    # - A duplicate of an event already noted finds the marker and sends nothing.
    # - If the PATCH fails, no marker was written, so the retry of the same event (Lambda's
    #   async retries, or a redrive from the dead-letter queue) sends the note. Claiming first
    #   would make that retry find its own claim and drop the note for good.
    # - Two deliveries of one event running at the same moment can both pass the read and both
    #   send (at least once, not exactly once); the loser of the claim logs it.
    # The key is the one transition, not just its from/to: a link that flaps ACTIVE -> DEGRADED
    # twice in a day makes two notes, so the key carries the history entry's time.
    history, index = _recent_history(connection_id, from_, to)
    key = f"{connection_id}:{from_}:{to}"
    if index is not None:
        key += f"@{history[index].at.isoformat()}"
    if store.is_claimed(NOTE_KIND, key):
        return _skip(connection_id, "this status change is already on the ticket")
    state = state_to_send(table, history, index, str(to))
    servicenow.update_ticket(table, sys_id, work_notes=work_note(detail, record.awsConnectionId), state=state)
    try:
        if not store.claim_once(NOTE_KIND, key, ttl_seconds=NOTE_TTL_SECONDS):
            logger.warning(
                "another delivery of this status change also updated the ticket",
                extra={"connectionId": connection_id, "table": table, "sysId": sys_id},
            )
    except Exception as exc:
        # The note is on the ticket: failing now would only make Lambda send it again.
        logger.warning(
            "could not record the ServiceNow note as sent",
            extra={"connectionId": connection_id, "error": type(exc).__name__},
        )
    logger.info(
        "ServiceNow ticket updated",
        extra={
            "connectionId": connection_id,
            "table": table,
            "sysId": sys_id,
            "state": state,
            "from": from_,
            "to": to,
        },
    )
    return {"table": table, "sysId": sys_id, "state": state}


def _skip(connection_id: str, reason: str) -> dict[str, Any]:
    logger.info("no ServiceNow update", extra={"connectionId": connection_id, "skipped": reason})
    return {"skipped": reason}


def _recent_history(
    connection_id: str, from_: str | None, to: str | None
) -> tuple[list[HistoryEntry], int | None]:
    """The end of the history that ``state_to_send`` needs, oldest first, and where the event's
    transition (its latest occurrence) is in it. Read newest first, a page at a time, down to
    the transition and on to the closing entry before it (or the start): the answer is the same
    as over the whole history, which a long-lived connection makes long."""
    seen: list[HistoryEntry] = []
    found: int | None = None
    for entry in store.history(connection_id, newest_first=True, page=25):
        seen.append(entry)
        if found is None:
            if entry.from_ == from_ and entry.to == to:
                found = len(seen) - 1
        elif entry.to in _CLOSING:
            break
    if found is None:
        return [], None
    return seen[::-1], len(seen) - 1 - found
