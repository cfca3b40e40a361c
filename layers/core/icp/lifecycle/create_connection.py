"""Create Connection: the AWS Interconnect connection, with a client token derived from the
requestId so a retried or duplicated step creates one connection."""

from __future__ import annotations

import uuid
from typing import Any

from icp import clock, stack, store
from icp.aws import interconnect
from icp.lifecycle.transitions import set_fields

_TOKEN_NAMESPACE = uuid.UUID("0f7e3a52-8c1d-4d8e-b7a4-1c2e9f3b6d10")


def client_token(request_id: str, attempt: int | str = 0) -> str:
    return str(uuid.uuid5(_TOKEN_NAMESPACE, f"{request_id}#{attempt}"))


def created_fields(connection: dict[str, Any]) -> dict[str, Any]:
    """What a CreateConnection answer tells the record: the state it shows counts as one read."""
    state = connection["state"]
    return {
        "awsConnectionId": connection["id"],
        "awsState": state,
        "awsStateSeen": state,
        "awsStateReads": 1,
        "awsRequestedSeen": state == "requested",
        "awsCreatedAt": clock.utcnow(),
        "sharedId": connection.get("sharedId"),
        "billingTier": connection.get("billingTier"),
    }


def create_connection(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    if record.awsConnectionId:
        return {"connectionId": connection_id, "awsConnectionId": record.awsConnectionId}
    request = record.parsed_request
    connection = interconnect.create_connection(
        request.awsRegion,
        environment_id=record.require("environmentId"),
        bandwidth=str(request.bandwidth),
        gateway_id=record.require("directConnectGatewayId"),
        # A retried run must not get the failed run's (deleted) connection back: its own token.
        client_token=client_token(request.requestId, record.attempts),
        description=f"icp {connection_id}",
        remote_account=request.remote_account,
        tags=stack.tags(**{"icp:connectionId": connection_id, "icp:requestId": request.requestId}),
    )
    # The activation key in the response is deliberately dropped: it is read again at hand-off.
    set_fields(connection_id, **created_fields(connection))
    return {"connectionId": connection_id, "awsConnectionId": connection["id"]}
