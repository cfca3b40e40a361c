"""Ensure Gateway: use the Direct Connect gateway the request names, or create the one it asks for."""

from __future__ import annotations

from typing import Any

from icp import store
from icp.aws import directconnect
from icp.lifecycle.transitions import move, set_fields
from icp.models import Status


def ensure_gateway(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    request = record.parsed_request
    if record.directConnectGatewayId:
        gateway_id, created = record.directConnectGatewayId, record.gatewayCreated
    elif request.attachPoint.directConnectGatewayId:
        gateway_id, created = directconnect.get_gateway(request.attachPoint.directConnectGatewayId)[
            "directConnectGatewayId"], False
    else:
        wanted = request.attachPoint.createGateway
        assert wanted is not None
        # A retry after a create whose answer was lost finds the gateway by name instead of making a second.
        gateway = directconnect.find_gateway_by_name(wanted.name) or directconnect.create_gateway(
            wanted.name, wanted.amazonSideAsn)
        gateway_id, created = gateway["directConnectGatewayId"], True
        set_fields(connection_id, directConnectGatewayId=gateway_id, gatewayCreated=True)
    move(connection_id, Status.GATEWAY_READY, f"Direct Connect gateway {gateway_id}"
         + (" created" if created else " exists"),
         also=lambda r: {"directConnectGatewayId": gateway_id, "gatewayCreated": created})
    return {"connectionId": connection_id}
