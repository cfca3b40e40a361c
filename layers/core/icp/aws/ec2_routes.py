"""Routes toward the remote CIDRs in VPC route tables and transit gateway route tables.

A route table id starting ``tgw-rtb-`` is a transit gateway route table: its routes
point at the transit gateway's attachment for the Direct Connect gateway. Any other
(``rtb-``) is a VPC route table: its routes point at the virtual private gateway.
Static routes are used on both, so failover can later re-point them (static routes
win over propagated ones for equal prefixes).

``account``: the account that owns the gateway and the tables (the request's ``aws.accountId``),
reached through the spoke role (``clients.client_in``); None for the stack's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from icp.aws.clients import call, client_in, error_code
from icp.errors import AwsServiceError, RoutesNotConverged


@dataclass(frozen=True)
class RouteTarget:
    """Where routes point: in a transit gateway route table, an attachment; in a VPC route
    table, a virtual private gateway (vgw-) or a transit gateway (tgw-)."""

    transit_gateway_attachment_id: str | None = None
    gateway_id: str | None = None
    transit_gateway_id: str | None = None

    def describe(self) -> str:
        return str(self.transit_gateway_attachment_id or self.gateway_id or self.transit_gateway_id)


def _ec2(region: str, account: str | None = None) -> Any:
    return client_in("ec2", region, account)


def _fail(exc: ClientError, what: str) -> AwsServiceError:
    return AwsServiceError(
        f"{what} failed with {error_code(exc)}: {exc.response.get('Error', {}).get('Message', '')}"
    )


def is_transit_gateway_table(route_table_id: str) -> bool:
    return route_table_id.startswith("tgw-rtb-")


def _available_attachments(
    region: str, transit_gateway_id: str, account: str | None = None, **filters: str
) -> list[dict[str, Any]]:
    """The transit gateway's available attachments matching ``filters`` (filter name, with
    underscores for dashes -> the one value it must have)."""
    wanted = {
        "transit-gateway-id": transit_gateway_id,
        **{k.replace("_", "-"): v for k, v in filters.items()},
    }
    try:
        found = call(
            _ec2(region, account).describe_transit_gateway_attachments,
            Filters=[{"Name": name, "Values": [value]} for name, value in wanted.items()],
        )
    except ClientError as exc:
        raise _fail(exc, "DescribeTransitGatewayAttachments") from exc
    return [a for a in found.get("TransitGatewayAttachments", []) if a.get("State") == "available"]


def vpn_attachment(region: str, transit_gateway_id: str, account: str | None = None) -> str | None:
    """A Site-to-Site VPN attachment on the transit gateway: the backup path for its route tables."""
    available = _available_attachments(region, transit_gateway_id, account, resource_type="vpn")
    return str(available[0]["TransitGatewayAttachmentId"]) if available else None


def dx_gateway_attachment(
    region: str, transit_gateway_id: str, dx_gateway_id: str, account: str | None = None
) -> str:
    """The transit gateway attachment that AWS creates when a DX gateway is associated."""
    attachments = _available_attachments(
        region, transit_gateway_id, account, resource_type="direct-connect-gateway", resource_id=dx_gateway_id
    )
    if not attachments:
        raise RoutesNotConverged(
            f"transit gateway {transit_gateway_id} has no available attachment for DX gateway {dx_gateway_id} yet"
        )
    return str(attachments[0]["TransitGatewayAttachmentId"])


def _tgw_routes(region: str, route_table_id: str, account: str | None) -> dict[str, dict[str, Any]]:
    try:
        found = call(
            _ec2(region, account).search_transit_gateway_routes,
            TransitGatewayRouteTableId=route_table_id,
            Filters=[{"Name": "type", "Values": ["static", "propagated"]}],
        )
    except ClientError as exc:
        raise _fail(exc, "SearchTransitGatewayRoutes") from exc
    return {r["DestinationCidrBlock"]: r for r in found.get("Routes", [])}


def _vpc_routes(region: str, route_table_id: str, account: str | None) -> dict[str, dict[str, Any]]:
    try:
        found = call(_ec2(region, account).describe_route_tables, RouteTableIds=[route_table_id])
    except ClientError as exc:
        raise _fail(exc, "DescribeRouteTables") from exc
    tables = found.get("RouteTables", [])
    return {
        r["DestinationCidrBlock"]: r
        for t in tables
        for r in t.get("Routes", [])
        if "DestinationCidrBlock" in r
    }


def _points_at(route: dict[str, Any], target: RouteTarget) -> bool:
    if route.get("State") not in ("active", None):
        return False
    if target.transit_gateway_attachment_id:
        attachments = route.get("TransitGatewayAttachments", [])
        return any(
            a.get("TransitGatewayAttachmentId") == target.transit_gateway_attachment_id for a in attachments
        )
    if target.transit_gateway_id:
        return route.get("TransitGatewayId") == target.transit_gateway_id
    return route.get("GatewayId") == target.gateway_id


@dataclass(frozen=True)
class _TableApi:
    """The calls that read and write one kind of route table, with its own parameter names."""

    read: Any
    create: Any
    replace: Any
    delete: Any
    table_param: str

    def target_params(self, target: RouteTarget) -> dict[str, Any]:
        if self.table_param == "TransitGatewayRouteTableId":
            return {"TransitGatewayAttachmentId": target.transit_gateway_attachment_id}
        if target.transit_gateway_id:
            return {"TransitGatewayId": target.transit_gateway_id}
        return {"GatewayId": target.gateway_id}


def _api(region: str, route_table_id: str, account: str | None) -> _TableApi:
    ec2 = _ec2(region, account)
    if is_transit_gateway_table(route_table_id):
        return _TableApi(
            lambda r, t: _tgw_routes(r, t, account),
            ec2.create_transit_gateway_route,
            ec2.replace_transit_gateway_route,
            ec2.delete_transit_gateway_route,
            "TransitGatewayRouteTableId",
        )
    return _TableApi(
        lambda r, t: _vpc_routes(r, t, account),
        ec2.create_route,
        ec2.replace_route,
        ec2.delete_route,
        "RouteTableId",
    )


def put_routes(
    region: str, route_table_id: str, cidrs: list[str], target: RouteTarget, account: str | None = None
) -> list[str]:
    """Point each CIDR at the target (create or replace). Returns the CIDRs changed."""
    api = _api(region, route_table_id, account)
    existing = api.read(region, route_table_id)
    changed = []
    for cidr in cidrs:
        if cidr in existing and _points_at(existing[cidr], target):
            continue
        operation = api.replace if cidr in existing else api.create
        try:
            call(
                operation,
                **{api.table_param: route_table_id},
                DestinationCidrBlock=cidr,
                **api.target_params(target),
            )
        except ClientError as exc:
            raise _fail(exc, f"Put route {cidr} in {route_table_id}") from exc
        changed.append(cidr)
    return changed


def missing_routes(
    region: str, route_table_id: str, cidrs: list[str], target: RouteTarget, account: str | None = None
) -> list[str]:
    """CIDRs with no active route to the target in this table (absent, blackholed or elsewhere)."""
    existing = _api(region, route_table_id, account).read(region, route_table_id)
    return [c for c in cidrs if c not in existing or not _points_at(existing[c], target)]


def delete_routes(
    region: str, route_table_id: str, cidrs: list[str], target: RouteTarget, account: str | None = None
) -> list[str]:
    """Remove the routes to ``cidrs`` that point at ``target`` (and only those)."""
    api = _api(region, route_table_id, account)
    existing = api.read(region, route_table_id)
    removed = []
    for cidr in cidrs:
        route = existing.get(cidr)
        if route is None or not (_points_at(route, target) or route.get("State") == "blackhole"):
            continue
        try:
            call(api.delete, **{api.table_param: route_table_id}, DestinationCidrBlock=cidr)
        except ClientError as exc:
            raise _fail(exc, f"Delete route {cidr} in {route_table_id}") from exc
        removed.append(cidr)
    return removed


def route_table_region_ok(region: str, route_table_id: str, account: str | None = None) -> bool:
    """True when the route table exists in ``region`` (region locality of the attachment)."""
    ec2 = _ec2(region, account)
    try:
        if is_transit_gateway_table(route_table_id):
            found = call(
                ec2.describe_transit_gateway_route_tables, TransitGatewayRouteTableIds=[route_table_id]
            )
            return bool(found.get("TransitGatewayRouteTables"))
        found = call(ec2.describe_route_tables, RouteTableIds=[route_table_id])
        return bool(found.get("RouteTables"))
    except ClientError as exc:
        if error_code(exc).startswith("InvalidRouteTable") or "NotFound" in error_code(exc):
            return False
        raise _fail(exc, "Describe route table") from exc


def gateway_in_region(region: str, gateway_id: str, account: str | None = None) -> bool:
    """True when the transit or virtual private gateway exists in ``region``."""
    ec2 = _ec2(region, account)
    try:
        if gateway_id.startswith("tgw-"):
            found = call(ec2.describe_transit_gateways, TransitGatewayIds=[gateway_id])
            return any(g.get("State") != "deleted" for g in found.get("TransitGateways", []))
        if gateway_id.startswith("vgw-"):
            found = call(ec2.describe_vpn_gateways, VpnGatewayIds=[gateway_id])
            return any(g.get("State") != "deleted" for g in found.get("VpnGateways", []))
    except ClientError as exc:
        if "NotFound" in error_code(exc) or "Invalid" in error_code(exc):
            return False
        raise _fail(exc, "Describe gateway") from exc
    return True  # Cloud WAN core networks are global
