"""Submit a request through the API (REST or ServiceNow webhook): check it now, so a caller
hears about a bad request at once with nothing written, then start the provision workflow
under an execution name built from the requestId."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icp import config, store
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
    execution_arn = stepfunctions.start_execution(
        config.settings().state_machine_arn("provision"),
        execution_name_for(request.requestId, "provision"),
        {"source": source, "detail-type": REQUESTED, "detail": raw, "requestedBy": requested_by or []},
    )
    return Submitted(request.connection_id, request.requestId, execution_arn, "RECEIVED")
