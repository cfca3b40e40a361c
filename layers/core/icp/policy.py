"""The request checks that need the world (README, "How it works"): environments, gateways, other connections, quotas.

Each check raises a ``RequestRejected`` subclass naming the field and the rule. The pure
rules (CIDR overlap, MTU alignment) are plain functions so they can be property-tested.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from icp import config
from icp.errors import (
    BandwidthNotOffered,
    CidrOverlap,
    InvalidRemoteAccount,
    MtuMismatch,
    QuotaExceeded,
    RegionLocality,
    UnsupportedPair,
)
from icp.models import Attachment, ConnectionRecord, ConnectionRequest, ConnectionType
from icp.providers import INTERCONNECT_REGIONS, provider_matches

# The MTU of a last-mile connection (AWS's launch material: jumbo frames at 8500).
LAST_MILE_MTU = 8500
# The MTU of a multicloud connection's AWS side ("set automatically to 8500", the AWS Interconnect
# user guide; docs/conformance.md, "MTU"): the Google network's must not exceed it.
MULTICLOUD_MAX_MTU = 8500


@dataclass(frozen=True)
class Quotas(config.SettingsView):
    created: int = config.setting_field("quota_created_connections")
    outstanding_requested: int = config.setting_field("quota_outstanding_requested")
    multicloud_per_provider: int = config.setting_field("quota_multicloud_per_provider")
    last_mile_per_provider: int = config.setting_field("quota_last_mile_per_provider")
    # "account": AWS counts the quotas over every Region of the account (the evidence's reading,
    # docs/conformance.md); "region": over the request's Region only.
    scope: str = config.setting_field("quota_scope")


@dataclass
class World:
    """What the checks look at, gathered once per validation."""

    environments: list[dict[str, Any]]
    aws_connections: list[dict[str, Any]]  # ListConnections, existing states only, over quota_regions
    records: list[ConnectionRecord]  # connections this control plane runs
    quota_regions: tuple[str, ...] = ()  # where aws_connections were listed
    remote_network_mtu: int | None = None  # the Google network's MTU, read when remote.mtu is omitted
    gateway_region_ok: bool = True
    route_tables_region_ok: dict[str, bool] = field(default_factory=dict)
    home_region: str | None = None  # the stack's Region: its roles write routes there only


def quota_regions(region: str, quotas: Quotas) -> tuple[str, ...]:
    """Where connections count against the quotas: every Interconnect Region of the account, or
    the request's Region alone."""
    if quotas.scope == "region":
        return (region,)
    return tuple(sorted({*INTERCONNECT_REGIONS, region}))


# --- pure rules --------------------------------------------------------------------
def overlapping_pairs(cidrs: Iterable[str]) -> list[tuple[str, str]]:
    networks = sorted(
        {ipaddress.IPv4Network(c) for c in cidrs}, key=lambda n: (int(n.network_address), n.prefixlen)
    )
    pairs = []
    for i, a in enumerate(networks):
        for b in networks[i + 1 :]:
            if int(b.network_address) > int(a.broadcast_address):
                break
            pairs.append((str(a), str(b)))
    # Duplicates collapse in the set above; report them too.
    counts = Counter(str(ipaddress.IPv4Network(c)) for c in cidrs)
    pairs.extend((c, c) for c, n in counts.items() if n > 1)
    return pairs


def check_cidrs(request: ConnectionRequest, records: Iterable[ConnectionRecord]) -> None:
    own = [*request.aws.cidrs, *request.remote.cidrs]
    pairs = overlapping_pairs(own)
    if pairs:
        a, b = pairs[0]
        field_name = "remote.cidrs" if a in request.remote.cidrs or b in request.remote.cidrs else "aws.cidrs"
        raise CidrOverlap(
            f"{a} overlaps {b}: CIDRs must not overlap on either side", field=field_name, rule="no-overlap"
        )
    remote_networks = [ipaddress.IPv4Network(c) for c in request.remote.cidrs]
    for record in records:
        if record.requestId == request.requestId:
            continue
        theirs = record.parsed_request.remote.cidrs
        for mine in remote_networks:
            for other in theirs:
                if mine.overlaps(ipaddress.IPv4Network(other)):
                    raise CidrOverlap(
                        f"{mine} overlaps {other} of connection {record.connectionId}",
                        field="remote.cidrs",
                        rule="no-overlap-with-existing-connections",
                    )


# The MTU rules: each names the field it blames and says how to fix the request.
MTU_RULES = {
    "last-mile-mtu-8500": (
        "aws.mtu",
        "last mile runs at MTU {limit}; aws.mtu is {aws}: set aws.mtu to {limit} or leave it out",
    ),
    "mtu-within-connection": (
        "remote.mtu",
        "{source} runs at MTU {remote}, above the {limit} a multicloud connection carries: "
        "lower the network's MTU to {limit} or less",
    ),
    "mtu-aligned": (
        "remote.mtu",
        "aws.mtu is {aws} but {source} is {remote}: align both sides (set aws.mtu to {remote}, "
        "or leave it out to follow the Google side)",
    ),
}


def _mtu_mismatch(rule: str, **values: Any) -> MtuMismatch:
    field_name, message = MTU_RULES[rule]
    return MtuMismatch(message.format(**values), field=field_name, rule=rule)


def check_mtu(request: ConnectionRequest, network_mtu: int | None = None) -> None:
    """Last mile runs at 8500. Multicloud: the Google side's MTU (``remote.mtu``, else the
    network's own, ``network_mtu``) must fit the connection, and equal ``aws.mtu`` when given;
    an omitted ``aws.mtu`` follows the Google side."""
    aws = request.aws.mtu
    if request.type == ConnectionType.LAST_MILE:
        if aws is not None and aws != LAST_MILE_MTU:
            raise _mtu_mismatch("last-mile-mtu-8500", limit=LAST_MILE_MTU, aws=aws)
        return
    given = request.remote.mtu  # type: ignore[union-attr]
    remote = given if given is not None else network_mtu
    source = "remote.mtu" if given is not None else f"the Google network {request.remote.network}"  # type: ignore[union-attr]
    if remote is None:
        return  # nothing to compare (the network's MTU could not be read)
    if remote > MULTICLOUD_MAX_MTU:
        raise _mtu_mismatch("mtu-within-connection", source=source, remote=remote, limit=MULTICLOUD_MAX_MTU)
    if aws is not None and aws != remote:
        raise _mtu_mismatch("mtu-aligned", aws=aws, source=source, remote=remote)


# --- rules against the world -----------------------------------------------------------
def find_environment(request: ConnectionRequest, environments: list[dict[str, Any]]) -> dict[str, Any]:
    wanted = (request.remoteLocation or "").lower()
    for environment in environments:
        if (
            provider_matches(environment, request.provider)
            and str(environment.get("location", "")).lower() == wanted
        ):
            if environment.get("state") == "unavailable":
                break
            return environment
    raise UnsupportedPair(
        f"no available {request.provider} environment for {request.awsRegion} <-> {request.remoteLocation}",
        field="remoteLocation",
        rule="supported-pair",
    )


def check_bandwidth(request: ConnectionRequest, environment: dict[str, Any]) -> None:
    offered = environment.get("bandwidths", {}).get("available", [])
    if request.bandwidth not in offered:
        raise BandwidthNotOffered(
            f"{request.bandwidth} is not offered here; available: {', '.join(offered)}",
            field="bandwidth",
            rule="offered-bandwidth",
        )


def check_locality(request: ConnectionRequest, world: World) -> None:
    if request.aws.attachment == Attachment.CLOUD_WAN:
        return  # Cloud WAN reaches the connection from any Region
    if not world.gateway_region_ok:
        raise RegionLocality(
            f"{request.aws.gatewayId} was not found in {request.awsRegion}: with a {request.aws.attachment} "
            "the connection must be in the gateway's own Region",
            field="aws.gatewayId",
            rule="region-locality",
        )
    for table, ok in world.route_tables_region_ok.items():
        if not ok:
            raise RegionLocality(
                f"route table {table} is not in {request.awsRegion}",
                field="aws.routeTableIds",
                rule="region-locality",
            )


def check_stack_region(request: ConnectionRequest, world: World) -> None:
    """Route tables must be in the stack's own Region: its roles may write routes there only
    (template.yaml; docs/iam.md, "Tag conditions")."""
    if request.aws.routeTableIds and world.home_region and request.awsRegion != world.home_region:
        raise RegionLocality(
            f"route tables in {request.awsRegion} cannot be written by this control plane, which runs in "
            f"{world.home_region}: deploy a stack in {request.awsRegion} for them",
            field="aws.routeTableIds",
            rule="stack-region",
        )


def check_quotas(request: ConnectionRequest, world: World, quotas: Quotas) -> None:
    # Count from AWS (the account's truth) plus our own records not yet created there.
    existing = world.aws_connections
    scope = (
        f"in {request.awsRegion}"
        if quotas.scope == "region"
        else f"in the account (all Regions: {', '.join(world.quota_regions)})"
        if world.quota_regions
        else "in the account"
    )
    if len(existing) >= quotas.created:
        raise QuotaExceeded(
            f"{len(existing)} connections exist {scope}; the quota is {quotas.created} per {quotas.scope}",
            field="awsRegion",
            rule="quota-created-connections",
        )
    requested = sum(1 for c in existing if c.get("state") == "requested")
    if requested >= quotas.outstanding_requested:
        raise QuotaExceeded(
            f"{requested} connections {scope} are still waiting for activation; the quota is "
            f"{quotas.outstanding_requested} per {quotas.scope}",
            field="awsRegion",
            rule="quota-outstanding-requested",
        )
    same_provider = sum(1 for c in existing if provider_matches(c, request.provider))
    limit, kind, rule = {
        ConnectionType.MULTICLOUD: (
            quotas.multicloud_per_provider,
            "multicloud connections to",
            "multicloud",
        ),
        ConnectionType.LAST_MILE: (quotas.last_mile_per_provider, "last-mile connections with", "last-mile"),
    }[request.type]
    if same_provider >= limit:
        raise QuotaExceeded(
            f"{same_provider} {kind} {request.provider} exist {scope}; the quota is {limit} per {quotas.scope}",
            field="provider",
            rule=f"quota-{rule}-per-provider",
        )


def check_remote_account(request: ConnectionRequest, environment: dict[str, Any]) -> None:
    """CreateConnection's remoteAccount takes the form the environment asks for."""
    if environment.get("remoteIdentifierType") == "email" and "@" not in request.remote_account:
        field_name = "remote.remoteAccount"
        raise InvalidRemoteAccount(
            f"environment {environment.get('environmentId')} identifies the remote side by an e-mail address; "
            f"give one in {field_name}",
            field=field_name,
            rule="remote-identifier-type",
        )


def check_request(request: ConnectionRequest, world: World, quotas: Quotas) -> dict[str, Any]:
    """Run every check in the order a requester would fix them. Returns the environment."""
    check_cidrs(request, world.records)
    check_mtu(request, world.remote_network_mtu)
    environment = find_environment(request, world.environments)
    check_bandwidth(request, environment)
    check_remote_account(request, environment)
    check_locality(request, world)
    check_stack_region(request, world)
    check_quotas(request, world, quotas)
    return environment
