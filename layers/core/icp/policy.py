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
class Quotas:
    created: int = 10
    outstanding_requested: int = 4
    multicloud_per_provider: int = 2
    last_mile_per_provider: int = 2
    # "account": AWS counts the quotas over every Region of the account (the evidence's reading,
    # docs/conformance.md); "region": over the request's Region only.
    scope: str = "account"

    @classmethod
    def configured(cls) -> Quotas:
        """The deployment's quotas (icp.config: QUOTA_*; unset, AWS's defaults above)."""
        settings = config.settings()
        return cls(
            created=settings.quota_created_connections,
            outstanding_requested=settings.quota_outstanding_requested,
            multicloud_per_provider=settings.quota_multicloud_per_provider,
            last_mile_per_provider=settings.quota_last_mile_per_provider,
            scope=settings.quota_scope,
        )


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


def check_mtu(request: ConnectionRequest, network_mtu: int | None = None) -> None:
    """Last mile runs at 8500. Multicloud: the Google side's MTU (``remote.mtu``, else the
    network's own, ``network_mtu``) must fit the connection, and equal ``aws.mtu`` when given;
    an omitted ``aws.mtu`` follows the Google side."""
    if request.type == ConnectionType.LAST_MILE:
        if request.aws.mtu is not None and request.aws.mtu != LAST_MILE_MTU:
            raise MtuMismatch(
                f"last mile runs at MTU {LAST_MILE_MTU}; aws.mtu is {request.aws.mtu}: "
                f"set aws.mtu to {LAST_MILE_MTU} or leave it out",
                field="aws.mtu",
                rule="last-mile-mtu-8500",
            )
        return
    given = request.remote.mtu  # type: ignore[union-attr]
    remote_mtu = given if given is not None else network_mtu
    source = "remote.mtu" if given is not None else f"the Google network {request.remote.network}"  # type: ignore[union-attr]
    if remote_mtu is None:
        return  # nothing to compare (the network's MTU could not be read)
    if remote_mtu > MULTICLOUD_MAX_MTU:
        raise MtuMismatch(
            f"{source} runs at MTU {remote_mtu}, above the {MULTICLOUD_MAX_MTU} a multicloud connection "
            f"carries: lower the network's MTU to {MULTICLOUD_MAX_MTU} or less",
            field="remote.mtu",
            rule="mtu-within-connection",
        )
    if request.aws.mtu is not None and request.aws.mtu != remote_mtu:
        raise MtuMismatch(
            f"aws.mtu is {request.aws.mtu} but {source} is {remote_mtu}: align both sides (set aws.mtu to "
            f"{remote_mtu}, or leave it out to follow the Google side)",
            field="remote.mtu",
            rule="mtu-aligned",
        )


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
    if request.type == ConnectionType.MULTICLOUD and same_provider >= quotas.multicloud_per_provider:
        raise QuotaExceeded(
            f"{same_provider} multicloud connections to {request.provider} exist {scope}; the quota is "
            f"{quotas.multicloud_per_provider} per {quotas.scope}",
            field="provider",
            rule="quota-multicloud-per-provider",
        )
    if request.type == ConnectionType.LAST_MILE and same_provider >= quotas.last_mile_per_provider:
        raise QuotaExceeded(
            f"{same_provider} last-mile connections with {request.provider} exist {scope}; the quota is "
            f"{quotas.last_mile_per_provider} per {quotas.scope}",
            field="provider",
            rule="quota-last-mile-per-provider",
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
