"""The AWS side of a connection's routes: the DX gateway association that advertises the
AWS CIDRs to the remote side, and the routes toward the remote CIDRs in the route tables.
With ``aws.accountId`` the gateway and the tables are another account's: the association is
made by proposal and the routes through the spoke role (README "Other accounts")."""

from __future__ import annotations

from collections.abc import Callable

from icp.aws import directconnect, ec2_routes
from icp.aws.ec2_routes import RouteTarget
from icp.lifecycle import cloud_wan
from icp.models import Attachment, ConnectionRecord, ConnectionRequest


def _attached_gateway(request: ConnectionRequest) -> str | None:
    # Cloud WAN attaches the DX gateway through its core network policy, not an association.
    return None if request.aws.attachment == Attachment.CLOUD_WAN else request.aws.gatewayId


def route_target(record: ConnectionRecord) -> RouteTarget:
    request = record.parsed_request
    if request.aws.attachment == Attachment.TRANSIT_GATEWAY:
        return RouteTarget(
            transit_gateway_attachment_id=ec2_routes.dx_gateway_attachment(
                request.awsRegion,
                request.aws.gatewayId,
                record.require("directConnectGatewayId"),
                request.aws.accountId,
            )
        )
    return RouteTarget(gateway_id=request.aws.gatewayId)


def propagate_aws_side(record: ConnectionRecord) -> None:
    request = record.parsed_request
    if request.aws.attachment == Attachment.CLOUD_WAN:
        cloud_wan.attach(record)  # the workflow then waits for it (Wait For Core Network Attachment)
        return
    gateway = _attached_gateway(request)
    if gateway is None:
        return
    directconnect.ensure_association(
        record.require("directConnectGatewayId"), gateway, request.aws.cidrs, request.aws.accountId
    )
    target = route_target(record)  # RoutesNotConverged until the association has its attachment
    for table in request.aws.routeTableIds:
        ec2_routes.put_routes(request.awsRegion, table, request.remote.cidrs, target, request.aws.accountId)


def missing_aws_side(record: ConnectionRecord) -> list[str]:
    request = record.parsed_request
    if request.aws.attachment == Attachment.CLOUD_WAN:
        return cloud_wan.missing_segment_routes(record)
    gateway = _attached_gateway(request)
    if gateway is None:
        return []
    dx_gateway = record.require("directConnectGatewayId")
    association = directconnect.association(dx_gateway, gateway)
    if association is None:
        return [f"no association of {dx_gateway} with {gateway}"]
    missing = []
    if association.get("associationState") != "associated":
        missing.append(f"association with {gateway} is {association.get('associationState')}")
    allowed = {p["cidr"] for p in association.get("allowedPrefixesToDirectConnectGateway", [])}
    missing += [f"{c} not advertised through {gateway}" for c in request.aws.cidrs if c not in allowed]
    if missing:
        return missing
    target = route_target(record)
    return _over_tables(record, ec2_routes.missing_routes, lambda _: target, "{cidr} missing in {table}")


def withdraw_aws_side(record: ConnectionRecord) -> list[str]:
    """Remove the routes and the association (Cloud WAN: the attachment) this connection added.
    Returns what was removed."""
    request = record.parsed_request
    if request.aws.attachment == Attachment.CLOUD_WAN:
        return cloud_wan.detach(record)
    gateway = _attached_gateway(request)
    if gateway is None or not record.directConnectGatewayId:
        return []
    removed = []
    try:
        target = route_target(record)
    except Exception:  # no attachment: no routes can point at it
        target = None
    if target is not None:
        removed += _over_tables(record, ec2_routes.delete_routes, lambda _: target, "route {cidr} in {table}")
    if directconnect.delete_association(record.directConnectGatewayId, gateway):
        removed.append(f"association of {record.directConnectGatewayId} with {gateway}")
    if request.aws.accountId is not None:
        removed += directconnect.delete_open_proposals(
            record.directConnectGatewayId, gateway, request.aws.accountId
        )
    return removed


def _backup_target(record: ConnectionRecord, table: str) -> RouteTarget | None:
    """Where a table's routes to the remote CIDRs go while the link is down: the Site-to-Site
    VPN attachment on the transit gateway (transit gateway tables), or the backup gateway named
    in the request (VPC tables)."""
    request = record.parsed_request
    backup = request.aws.backupTarget
    if backup is None:
        return None
    if ec2_routes.is_transit_gateway_table(table):
        attachment = ec2_routes.vpn_attachment(
            request.awsRegion, backup.transitGatewayId or request.aws.gatewayId, request.aws.accountId
        )
        return RouteTarget(transit_gateway_attachment_id=attachment) if attachment else None
    if backup.transitGatewayId:
        return RouteTarget(transit_gateway_id=backup.transitGatewayId)
    return RouteTarget(gateway_id=backup.gatewayId)


def has_backup_path(record: ConnectionRecord) -> bool:
    # Cloud WAN takes no backupTarget: the segment's other attachments are its backup paths.
    if record.parsed_request.aws.backupTarget is None:
        return False
    return all(_backup_target(record, t) is not None for t in record.parsed_request.aws.routeTableIds)


def point_routes(record: ConnectionRecord, *, to_backup: bool) -> list[str]:
    """Point the routes toward the remote CIDRs at the backup path, or back at the connection.
    Returns what changed (empty when they already point there: a repeated step changes nothing)."""
    target_for = (
        (lambda table: _backup_target(record, table)) if to_backup else (lambda _: route_target(record))
    )
    return _over_tables(record, ec2_routes.put_routes, target_for, "{cidr} in {table} → {target}")


def backup_routes_missing(record: ConnectionRecord) -> list[str]:
    """Routes to the remote CIDRs not (yet) active on the backup path, table by table."""
    return _over_tables(
        record,
        ec2_routes.missing_routes,
        lambda table: _backup_target(record, table),
        "{cidr} in {table} not on {target}",
        no_target="no backup path for {table}",
    )


def _over_tables(
    record: ConnectionRecord,
    operation: Callable[[str, str, list[str], RouteTarget, str | None], list[str]],
    target_for: Callable[[str], RouteTarget | None],
    message: str,
    no_target: str = "",
) -> list[str]:
    """Run ``operation`` (an ec2_routes call over the remote CIDRs) in each of the request's route
    tables toward ``target_for(table)``; one ``message`` per CIDR it returns. A table without a
    target is skipped, or reported as ``no_target``."""
    request = record.parsed_request
    found = []
    for table in request.aws.routeTableIds:
        target = target_for(table)
        if target is None:
            found += [no_target.format(table=table)] if no_target else []
            continue
        for cidr in operation(request.awsRegion, table, request.remote.cidrs, target, request.aws.accountId):
            found.append(message.format(cidr=cidr, table=table, target=target.describe()))
    return found
