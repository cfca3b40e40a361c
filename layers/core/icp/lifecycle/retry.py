"""`icp retry` / `POST /v1/connections/{id}/retry`: provision a FAILED connection again, as a
new execution of the provision workflow (named from the requestId)."""

from __future__ import annotations

from typing import Any

from icp import config
from icp.aws import stepfunctions
from icp.errors import Conflict
from icp.lifecycle.decommission import find_record
from icp.lifecycle.transitions import set_fields
from icp.models import Status, execution_name_for


def request_retry(connection_or_request_id: str) -> dict[str, Any]:
    record = find_record(connection_or_request_id)
    if record.status != Status.FAILED:
        raise Conflict(
            f"connection {record.connectionId} is {record.status.value}; only FAILED connections are retried",
            field="connectionId",
            rule="failed",
        )
    execution_arn = stepfunctions.start_execution(
        config.settings().state_machine_arn("provision"),
        execution_name_for(record.requestId, f"provision-retry-{record.version}"),
        {"detail-type": "Interconnect Connection Requested", "detail": record.request, "retry": True},
    )
    set_fields(record.connectionId, currentExecutionArn=execution_arn)
    return {"connectionId": record.connectionId, "status": record.status.value, "executionArn": execution_arn}
