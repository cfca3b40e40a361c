"""`icp request`: read a request file, check it with the control plane's own rules, and say
what provisioning it will create (the plan `--dry-run` stops after)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from icp.billing import billing_view
from icp.errors import RequestRejected
from icp.lifecycle.validate_request import parse_request
from icp.models import Attachment, ConnectionRequest, RemoteLastMile, RemoteMulticloud
from icp.policy import check_cidrs, check_mtu

from icp_cli.client import EXIT_USAGE, CliError


def read_request(path: Path) -> dict[str, Any]:
    """The request model (docs/events.md), from a YAML or JSON file."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE, error="UnreadableFile") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise CliError(
            f"{path} is not valid {kind}: {exc}",
            EXIT_USAGE,
            error="InvalidRequest",
            field="body",
            rule="json" if kind == "JSON" else "yaml",
        ) from None
    if not isinstance(raw, dict):
        raise CliError(
            f"{path} must hold one request (a mapping), not {type(raw).__name__}",
            EXIT_USAGE,
            error="InvalidRequest",
            field="body",
            rule="json-object",
        )
    return raw


def check_request(raw: dict[str, Any], source: str) -> ConnectionRequest:
    """The checks that need nothing but the request: the model (every field) and the pure rules
    of the control plane (CIDR overlap within the request, MTU alignment). Checks against the
    world (environments, quotas, gateways, other connections) are the API's, on submit."""
    try:
        request = parse_request(raw)
        check_cidrs(request, [])
        check_mtu(request)
    except RequestRejected as exc:
        raise CliError(
            f"invalid request {source}: {exc.message}",
            EXIT_USAGE,
            error=type(exc).__name__,
            field=exc.field,
            rule=exc.rule,
        ) from None
    return request


def plan_for(request: ConnectionRequest) -> dict[str, Any]:
    """What provisioning this request creates, as data (rendered as a table or JSON)."""
    aws = request.aws
    remote_cidrs = list(request.remote.cidrs)
    if request.attachPoint.createGateway:
        created = request.attachPoint.createGateway
        gateway = {"action": "create", "name": created.name, "amazonSideAsn": created.amazonSideAsn}
    else:
        gateway = {
            "action": "use-existing",
            "directConnectGatewayId": request.attachPoint.directConnectGatewayId,
        }
    if aws.attachment == Attachment.CLOUD_WAN:
        association: dict[str, Any] | None = None
        route_target = f"the core network {aws.gatewayId} (through its policy)"
    else:
        association = {
            "gatewayId": aws.gatewayId,
            "attachment": aws.attachment.value,
            "allowedPrefixes": list(aws.cidrs),
            # Another account's gateway: that account proposes the association, the stack accepts it
            # (README, "Other accounts").
            "account": aws.accountId,
            "by": "proposal" if aws.accountId else "association",
        }
        route_target = (
            f"the Direct Connect gateway attachment on {aws.gatewayId}"
            if aws.attachment == Attachment.TRANSIT_GATEWAY
            else aws.gatewayId
        )
    routes = [
        {"routeTableId": table, "cidrs": remote_cidrs, "target": route_target, "account": aws.accountId}
        for table in aws.routeTableIds
    ]
    remote: dict[str, Any]
    proposal = "from the proposal"  # what a request with an activationKey leaves to it
    if isinstance(request.remote, RemoteMulticloud):
        connection_id = request.connection_id
        remote = {
            "kind": "google-cloud",
            "project": request.remote.project,
            "region": request.remoteLocation or proposal,
            "transport": "the transport that generated the activation key"
            if request.activationKey is not None
            else f"projects/{request.remote.project}/locations/{request.remoteLocation}/transports/{connection_id}",
            "network": f"projects/{request.remote.project}/global/networks/{request.remote.network}",
            "peering": f"icp-{connection_id}",
            "advertisesToAws": remote_cidrs,
            "learnsFromAws": list(aws.cidrs),
            "mtu": request.remote.mtu if request.remote.mtu is not None else "the network's own",
            "remoteAccount": request.remote_account,
        }
    else:
        assert isinstance(request.remote, RemoteLastMile)
        remote = {
            "kind": "partner-order",
            "partner": request.provider,
            "location": request.remoteLocation or proposal,
            "siteName": request.remote.siteName,
            "remoteAccount": request.remote.remoteAccount,
            "sitePrefixes": remote_cidrs,
            "awsPrefixes": list(aws.cidrs),
        }
    backup = None
    if aws.backupTarget is not None:
        backup = {
            "target": aws.backupTarget.transitGatewayId or aws.backupTarget.gatewayId,
            "routeTableIds": list(aws.routeTableIds),
            "cidrs": remote_cidrs,
        }
    return {
        "requestId": request.requestId,
        "connectionId": request.connection_id,
        "gateway": gateway,
        "connection": {
            "type": request.type.value,
            "provider": request.provider,
            "awsRegion": request.awsRegion,
            # AcceptConnectionProposal for a partner's key (README, "Proposals"), else CreateConnection.
            "origin": "accept-proposal" if request.activationKey is not None else "create",
            "remoteLocation": request.remoteLocation or proposal,
            "bandwidth": request.bandwidth or proposal,
            "maxBandwidth": request.maxBandwidth,
            # No connection exists yet: AWS assigns the tier when it creates (or accepts) one.
            "billing": billing_view(None, request.awsRegion, request.remoteLocation or proposal),
            # Omitted: 8500 for last mile; multicloud follows the Google side.
            "mtu": aws.mtu
            if aws.mtu is not None
            else (8500 if request.type.value == "last-mile" else "as the Google side"),
        },
        "association": association,
        "routes": routes,
        "remote": remote,
        "backup": backup,
    }
