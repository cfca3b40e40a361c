"""Cloud WAN through AWS Network Manager: core networks, Direct Connect gateway attachments, and
the routes of a core network segment (README, "Cloud WAN"; docs/conformance.md, "Cloud WAN")."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from icp.aws.clients import call, client, error_code
from icp.errors import AwsServiceError

# Network Manager is a global service answered in its home Region, US West (Oregon).
HOME_REGION = "us-west-2"


def _client() -> Any:
    return client("networkmanager", HOME_REGION)


def _fail(exc: ClientError, what: str) -> AwsServiceError:
    message = exc.response.get("Error", {}).get("Message") or ""
    return AwsServiceError(f"{what} failed with {error_code(exc)}: {message}")


def _gone(exc: ClientError) -> bool:
    return error_code(exc) == "ResourceNotFoundException"


def _read(operation: str, what: str, **params: Any) -> dict[str, Any] | None:
    """One Get call's answer, or None when AWS says the resource does not exist."""
    try:
        return dict(call(getattr(_client(), operation), **params))
    except ClientError as exc:
        if _gone(exc):
            return None
        raise _fail(exc, what) from exc


def core_network(core_network_id: str) -> dict[str, Any] | None:
    """GetCoreNetwork's CoreNetwork (GlobalNetworkId, State, Segments with their EdgeLocations),
    or None when there is no such core network."""
    found = _read("get_core_network", "GetCoreNetwork", CoreNetworkId=core_network_id)
    return dict(found["CoreNetwork"]) if found else None


def create_dx_gateway_attachment(
    core_network_id: str,
    dx_gateway_arn: str,
    edge_locations: list[str],
    tags: dict[str, str],
    client_token: str,
) -> dict[str, Any]:
    """CreateDirectConnectGatewayAttachment: the Attachment. The same client token again answers
    the attachment it created first."""
    try:
        found = call(
            _client().create_direct_connect_gateway_attachment,
            CoreNetworkId=core_network_id,
            DirectConnectGatewayArn=dx_gateway_arn,
            EdgeLocations=edge_locations,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            ClientToken=client_token,
        )
    except ClientError as exc:
        raise _fail(exc, "CreateDirectConnectGatewayAttachment") from exc
    return dict(found["DirectConnectGatewayAttachment"]["Attachment"])


def dx_gateway_attachment(attachment_id: str) -> dict[str, Any] | None:
    """GetDirectConnectGatewayAttachment's Attachment, or None when it is gone."""
    found = _read(
        "get_direct_connect_gateway_attachment",
        "GetDirectConnectGatewayAttachment",
        AttachmentId=attachment_id,
    )
    return dict(found["DirectConnectGatewayAttachment"]["Attachment"]) if found else None


def reject_attachment(attachment_id: str) -> None:
    try:
        call(_client().reject_attachment, AttachmentId=attachment_id)
    except ClientError as exc:
        if not _gone(exc):
            raise _fail(exc, "RejectAttachment") from exc


def delete_attachment(attachment_id: str) -> bool:
    """DeleteAttachment; False when it was gone already."""
    try:
        call(_client().delete_attachment, AttachmentId=attachment_id)
    except ClientError as exc:
        if _gone(exc):
            return False
        raise _fail(exc, "DeleteAttachment") from exc
    return True


def segment_routes(
    global_network_id: str, core_network_id: str, segment: str, edge_location: str, cidrs: list[str]
) -> list[dict[str, Any]]:
    """GetNetworkRoutes of one segment at one edge location, for exactly ``cidrs``."""
    routes: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "GlobalNetworkId": global_network_id,
        "RouteTableIdentifier": {
            "CoreNetworkSegmentEdge": {
                "CoreNetworkId": core_network_id,
                "SegmentName": segment,
                "EdgeLocation": edge_location,
            }
        },
        "ExactCidrMatches": list(cidrs),
    }
    try:
        while True:
            page = call(_client().get_network_routes, **params)
            routes += page.get("NetworkRoutes", [])
            if not page.get("NextToken"):
                return routes
            params["NextToken"] = page["NextToken"]
    except ClientError as exc:
        raise _fail(exc, "GetNetworkRoutes") from exc
