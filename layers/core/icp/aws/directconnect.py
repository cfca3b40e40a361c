"""Direct Connect gateways and their associations (with allowed prefixes)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from icp.aws.clients import call, client, error_code, pages
from icp.errors import AwsServiceError, CleanupPending, UnknownGateway

# Direct Connect gateways are global; the API is reached through any Region.
_REGION = "us-east-1"


def _client() -> Any:
    return client("directconnect", _REGION)


def _fail(exc: ClientError, what: str) -> AwsServiceError:
    return AwsServiceError(f"{what} failed with {error_code(exc)}: {exc.response.get('Error', {}).get('Message', '')}")


def get_gateway(gateway_id: str) -> dict[str, Any]:
    try:
        found = call(_client().describe_direct_connect_gateways, directConnectGatewayId=gateway_id)
    except ClientError as exc:
        if error_code(exc) == "DirectConnectClientException":
            raise UnknownGateway(
                f"Direct Connect gateway {gateway_id} does not exist",
                field="attachPoint.directConnectGatewayId", rule="exists",
            ) from exc
        raise _fail(exc, "DescribeDirectConnectGateways") from exc
    gateways = [g for g in found.get("directConnectGateways", []) if g.get("directConnectGatewayState") != "deleted"]
    if not gateways:
        raise UnknownGateway(
            f"Direct Connect gateway {gateway_id} does not exist",
            field="attachPoint.directConnectGatewayId", rule="exists",
        )
    return gateways[0]


def find_gateway_by_name(name: str) -> dict[str, Any] | None:
    try:
        for page in pages(_client().describe_direct_connect_gateways):
            for gateway in page.get("directConnectGateways", []):
                if gateway.get("directConnectGatewayName") == name and gateway.get(
                        "directConnectGatewayState") in ("pending", "available"):
                    return gateway
    except ClientError as exc:
        raise _fail(exc, "DescribeDirectConnectGateways") from exc
    return None


def create_gateway(name: str, amazon_side_asn: int) -> dict[str, Any]:
    try:
        return call(
            _client().create_direct_connect_gateway, directConnectGatewayName=name, amazonSideAsn=amazon_side_asn
        )["directConnectGateway"]
    except ClientError as exc:
        raise _fail(exc, "CreateDirectConnectGateway") from exc


def delete_gateway(gateway_id: str) -> bool:
    """Delete a gateway. False when it is already gone; CleanupPending while an association
    is still on its way out (AWS refuses to delete a gateway that has associations)."""
    try:
        call(_client().delete_direct_connect_gateway, directConnectGatewayId=gateway_id)
    except ClientError as exc:
        message = str(exc.response.get("Error", {}).get("Message", "")).lower()
        if "does not exist" in message or "not found" in message:
            return False
        if "association" in message:
            raise CleanupPending(f"gateway {gateway_id} still has associations") from exc
        raise _fail(exc, "DeleteDirectConnectGateway") from exc
    return True


def association(gateway_id: str, associated_gateway_id: str) -> dict[str, Any] | None:
    try:
        found = call(
            _client().describe_direct_connect_gateway_associations,
            directConnectGatewayId=gateway_id,
            associatedGatewayId=associated_gateway_id,
        )
    except ClientError as exc:
        raise _fail(exc, "DescribeDirectConnectGatewayAssociations") from exc
    live = [a for a in found.get("directConnectGatewayAssociations", [])
            if a.get("associationState") not in ("disassociated",)]
    return live[0] if live else None


def ensure_association(gateway_id: str, associated_gateway_id: str, prefixes: list[str]) -> dict[str, Any]:
    """Associate the DX gateway with a transit or virtual private gateway, advertising
    ``prefixes`` to the remote side. Adds missing prefixes to an existing association."""
    existing = association(gateway_id, associated_gateway_id)
    try:
        if existing is None:
            return call(
                _client().create_direct_connect_gateway_association,
                directConnectGatewayId=gateway_id,
                gatewayId=associated_gateway_id,
                addAllowedPrefixesToDirectConnectGateway=[{"cidr": p} for p in prefixes],
            )["directConnectGatewayAssociation"]
        have = {p["cidr"] for p in existing.get("allowedPrefixesToDirectConnectGateway", [])}
        missing = [p for p in prefixes if p not in have]
        if not missing:
            return existing
        return call(
            _client().update_direct_connect_gateway_association,
            associationId=existing["associationId"],
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": p} for p in missing],
        )["directConnectGatewayAssociation"]
    except ClientError as exc:
        raise _fail(exc, "Associate Direct Connect gateway") from exc


def delete_association(gateway_id: str, associated_gateway_id: str) -> bool:
    existing = association(gateway_id, associated_gateway_id)
    if existing is None:
        return False
    try:
        call(_client().delete_direct_connect_gateway_association, associationId=existing["associationId"])
    except ClientError as exc:
        raise _fail(exc, "DeleteDirectConnectGatewayAssociation") from exc
    return True
