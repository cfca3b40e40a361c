"""The checks of design §3 that need the world: environments, gateways, other connections, quotas.

Each check raises a ``RequestRejected`` subclass naming the field and the rule. The pure
rules (CIDR overlap, MTU alignment) are plain functions so they can be property-tested.
"""

from __future__ import annotations

import ipaddress
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from icp.errors import (
    BandwidthNotOffered,
    CidrOverlap,
    MtuMismatch,
    QuotaExceeded,
    RegionLocality,
    UnsupportedPair,
)
from icp.models import Attachment, ConnectionRecord, ConnectionRequest, ConnectionType

LAST_MILE_MTU = 8500


@dataclass(frozen=True)
class Quotas:
    created: int = 10
    outstanding_requested: int = 4
    multicloud_per_provider: int = 2
    last_mile_per_provider: int = 2

    @classmethod
    def from_env(cls) -> Quotas:
        def value(name: str, default: int) -> int:
            return int(os.environ.get(name, default))

        return cls(
            created=value("QUOTA_CREATED_CONNECTIONS", cls.created),
            outstanding_requested=value("QUOTA_OUTSTANDING_REQUESTED", cls.outstanding_requested),
            multicloud_per_provider=value("QUOTA_MULTICLOUD_PER_PROVIDER", cls.multicloud_per_provider),
            last_mile_per_provider=value("QUOTA_LAST_MILE_PER_PROVIDER", cls.last_mile_per_provider),
        )


@dataclass
class World:
    """What the checks look at, gathered once per validation."""

    environments: list[dict[str, Any]]
    aws_connections: list[dict[str, Any]]  # ListConnections, existing states only
    records: list[ConnectionRecord]  # connections this control plane runs
    gateway_region_ok: bool = True
    route_tables_region_ok: dict[str, bool] = field(default_factory=dict)


# --- pure rules --------------------------------------------------------------------
def overlapping_pairs(cidrs: Iterable[str]) -> list[tuple[str, str]]:
    networks = sorted({ipaddress.IPv4Network(c) for c in cidrs}, key=lambda n: (int(n.network_address), n.prefixlen))
    pairs = []
    for i, a in enumerate(networks):
        for b in networks[i + 1:]:
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
        raise CidrOverlap(f"{a} overlaps {b}: CIDRs must not overlap on either side", field=field_name,
                          rule="no-overlap")
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
                        field="remote.cidrs", rule="no-overlap-with-existing-connections",
                    )


def check_mtu(request: ConnectionRequest) -> None:
    if request.type == ConnectionType.LAST_MILE:
        if request.aws.mtu != LAST_MILE_MTU:
            raise MtuMismatch(f"last mile runs at MTU {LAST_MILE_MTU}; aws.mtu is {request.aws.mtu}",
                              field="aws.mtu", rule="last-mile-mtu-8500")
        return
    remote_mtu = request.remote.mtu  # type: ignore[union-attr]
    if request.aws.mtu != remote_mtu:
        raise MtuMismatch(
            f"aws.mtu {request.aws.mtu} differs from remote.mtu {remote_mtu}: align both sides "
            "(Google VPCs default to 1460)",
            field="remote.mtu", rule="mtu-aligned",
        )


# --- rules against the world -----------------------------------------------------------
def provider_of(resource: dict[str, Any]) -> str:
    """The provider name of an environment or a connection (both carry the same union)."""
    provider = resource.get("provider", {})
    return str(provider.get("cloudServiceProvider") or provider.get("lastMileProvider") or "")


def find_environment(request: ConnectionRequest, environments: list[dict[str, Any]]) -> dict[str, Any]:
    for environment in environments:
        if provider_of(environment) == request.provider and environment.get("location") == request.remoteLocation:
            if environment.get("state") == "unavailable":
                break
            return environment
    raise UnsupportedPair(
        f"no available {request.provider} environment for {request.awsRegion} <-> {request.remoteLocation}",
        field="remoteLocation", rule="supported-pair",
    )


def check_bandwidth(request: ConnectionRequest, environment: dict[str, Any]) -> None:
    offered = environment.get("bandwidths", {}).get("available", [])
    if request.bandwidth not in offered:
        raise BandwidthNotOffered(
            f"{request.bandwidth} is not offered here; available: {', '.join(offered)}",
            field="bandwidth", rule="offered-bandwidth",
        )


def check_locality(request: ConnectionRequest, world: World) -> None:
    if request.aws.attachment == Attachment.CLOUD_WAN:
        return  # Cloud WAN reaches the connection from any Region
    if not world.gateway_region_ok:
        raise RegionLocality(
            f"{request.aws.gatewayId} was not found in {request.awsRegion}: with a {request.aws.attachment} "
            "the connection must be in the gateway's own Region",
            field="aws.gatewayId", rule="region-locality",
        )
    for table, ok in world.route_tables_region_ok.items():
        if not ok:
            raise RegionLocality(f"route table {table} is not in {request.awsRegion}",
                                 field="aws.routeTableIds", rule="region-locality")


def check_quotas(request: ConnectionRequest, world: World, quotas: Quotas) -> None:
    # Count from AWS (the account's truth) plus our own records not yet created there.
    existing = world.aws_connections
    if len(existing) >= quotas.created:
        raise QuotaExceeded(f"the account has {len(existing)} connections; the quota is {quotas.created}",
                            field="awsRegion", rule="quota-created-connections")
    requested = sum(1 for c in existing if c.get("state") == "requested")
    if requested >= quotas.outstanding_requested:
        raise QuotaExceeded(
            f"{requested} connections are still waiting for activation; the quota is {quotas.outstanding_requested}",
            field="awsRegion", rule="quota-outstanding-requested",
        )
    same_provider = sum(1 for c in existing if provider_of(c) == request.provider)
    if request.type == ConnectionType.MULTICLOUD and same_provider >= quotas.multicloud_per_provider:
        raise QuotaExceeded(
            f"{same_provider} multicloud connections to {request.provider}; the quota is "
            f"{quotas.multicloud_per_provider}", field="provider", rule="quota-multicloud-per-provider")
    if request.type == ConnectionType.LAST_MILE and same_provider >= quotas.last_mile_per_provider:
        raise QuotaExceeded(
            f"{same_provider} last-mile connections with {request.provider}; the quota is "
            f"{quotas.last_mile_per_provider}", field="provider", rule="quota-last-mile-per-provider")


def check_request(request: ConnectionRequest, world: World, quotas: Quotas) -> dict[str, Any]:
    """Run every check in the order a requester would fix them. Returns the environment."""
    check_cidrs(request, world.records)
    check_mtu(request)
    environment = find_environment(request, world.environments)
    check_bandwidth(request, environment)
    check_locality(request, world)
    check_quotas(request, world, quotas)
    return environment
