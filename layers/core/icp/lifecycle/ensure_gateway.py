"""Ensure Gateway: use the Direct Connect gateway the request names, or create the one it asks for.

A gateway is passed on only once it is ``available``: a new one is ``pending`` first, and the
step raises GatewayNotReady meanwhile, which the state machine retries with backoff (no
sleeping in Lambda)."""

from __future__ import annotations

from typing import Any

from icp import store
from icp.aws import directconnect
from icp.errors import GatewayNotReady, InvalidRequest, UnknownGateway
from icp.lifecycle.transitions import move, set_fields
from icp.models import Status


def ensure_gateway(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    request = record.parsed_request
    if record.directConnectGatewayId:
        gateway, created = directconnect.get_gateway(record.directConnectGatewayId), record.gatewayCreated
    elif request.attachPoint.directConnectGatewayId:
        gateway, created = directconnect.get_gateway(request.attachPoint.directConnectGatewayId), False
    elif (wanted := request.attachPoint.createGateway) is not None:
        # A retry after a create whose answer was lost finds the gateway by name instead of making a second.
        gateway = directconnect.find_gateway_by_name(wanted.name) or directconnect.create_gateway(
            wanted.name, wanted.amazonSideAsn
        )
        created = True
        set_fields(
            connection_id, directConnectGatewayId=gateway["directConnectGatewayId"], gatewayCreated=True
        )
    else:  # the request model asks for exactly one of the two; a stored request is read by it too
        raise InvalidRequest(
            "attachPoint: give exactly one of directConnectGatewayId or createGateway",
            field="attachPoint",
            rule="value_error",
        )
    gateway_id = gateway["directConnectGatewayId"]
    _require_available(
        gateway, "attachPoint.createGateway" if created else "attachPoint.directConnectGatewayId"
    )
    move(
        connection_id,
        Status.GATEWAY_READY,
        f"Direct Connect gateway {gateway_id}" + (" created" if created else " exists"),
        also=lambda r: {"directConnectGatewayId": gateway_id, "gatewayCreated": created},
    )
    return {"connectionId": connection_id}


def _require_available(gateway: dict[str, Any], field: str) -> None:
    gateway_id, state = gateway["directConnectGatewayId"], gateway.get("directConnectGatewayState")
    if state == "pending":
        raise GatewayNotReady(
            f"Direct Connect gateway {gateway_id} is pending; waiting for it to be available",
            field=field,
            rule="gateway-available",
        )
    if state != "available":
        raise UnknownGateway(
            f"Direct Connect gateway {gateway_id} is {state}, not available",
            field=field,
            rule="gateway-available",
        )
