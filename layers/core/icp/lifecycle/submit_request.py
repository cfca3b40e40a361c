"""Submit a request through the API (REST or ServiceNow webhook): check it now, so a caller
hears about a bad request at once with nothing written, then start the provision workflow
under an execution name built from the requestId.

A request carrying an ``activationKey`` (a proposal, README "Proposals") is also taken in from
EventBridge by the Receive Proposal function (``receive_proposal``): the key goes to Secrets
Manager (icp.proposal_keys) and the workflow's input carries only the secret's name, so the key
never reaches the execution history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icp import config, proposal_keys, store
from icp.aws import stepfunctions
from icp.lifecycle.validate_request import check, parse_request
from icp.models import connection_id_for, execution_name_for

REQUESTED = "Interconnect Connection Requested"


@dataclass(frozen=True)
class Submitted:
    connectionId: str
    requestId: str
    executionArn: str
    status: str


def submit_request(raw: dict[str, Any], source: str, requested_by: list[str] | None = None) -> Submitted:
    """Check ``raw`` and start provisioning. The same requestId again gets the same answer
    and starts nothing new. Raises InvalidRequest (400) or a RequestRejected check (422).
    ``requested_by``: who asked (icp.requesters), recorded by Validate Request."""
    request = parse_request(raw)
    existing = store.find(connection_id_for(request.requestId))
    if existing is not None:
        return Submitted(
            existing.connectionId, existing.requestId, existing.executionArn or "", existing.status.value
        )
    check(request)
    # The workflow receives what an EventBridge rule would give it: the request as `detail`.
    execution_arn = _start(
        {"source": source, "detail-type": REQUESTED, "detail": raw, "requestedBy": requested_by or []},
        execution_name_for(request.requestId, "provision"),
    )
    return Submitted(request.connection_id, request.requestId, execution_arn, "RECEIVED")


def _start(event: dict[str, Any], name: str) -> str:
    """Start the provision workflow on ``event``; its request's activationKey, if any, is kept in
    Secrets Manager and replaced in the input by the secret's name."""
    detail = dict(event.get("detail") or {})
    key = detail.pop("activationKey", None)
    if key is not None:
        event = {**event, "detail": detail}
        request_id = detail.get("requestId")
        if isinstance(request_id, str) and request_id:  # without one, Validate Request rejects it anyway
            event[proposal_keys.INPUT_FIELD] = proposal_keys.stash(connection_id_for(request_id), str(key))
    return stepfunctions.start_execution(config.settings().state_machine_arn("provision"), name, event)


def receive_proposal(event: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge "Interconnect Connection Requested" event whose detail carries an
    activationKey (the rule that starts the workflow directly leaves those out): start the
    workflow as the rule would, with the key kept aside. Checks are Validate Request's, so a
    bad request still gets its REJECTED record."""
    request_id = (event.get("detail") or {}).get("requestId")
    name = execution_name_for(request_id, "provision") if isinstance(request_id, str) and request_id else None
    execution_arn = _start(event, name or str(event.get("id")))
    return {"executionArn": execution_arn}
