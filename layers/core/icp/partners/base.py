"""What the lifecycle needs from the remote side of a connection."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Protocol

from icp.models import ConnectionRecord


class RemoteSide(Protocol):
    def hand_off(self, record: ConnectionRecord, activation_key: str) -> dict[str, str]:
        """Give the activation key to the remote side. Idempotent: a second call for the
        same record does not create a second transport or order. Returns references to
        keep on the record (``remoteRefs``), never the key itself."""

    def propagate_routes(self, record: ConnectionRecord) -> None:
        """Make the remote side learn the AWS CIDRs and advertise its own. Idempotent."""

    def missing_routes(self, record: ConnectionRecord) -> list[str]:
        """What is not yet in place on the remote side, as readable strings (empty when done)."""

    def withdraw(self, record: ConnectionRecord) -> list[str]:
        """Remove what hand_off/propagate_routes created; returns what was removed."""

    def link_status(self, record: ConnectionRecord) -> str | None:
        """The link as the remote side reports it, normalised: ``"up"``, ``"down"``, or None
        when it does not say (not activated yet, nothing there, or a side with no such
        report). Read only; never changes anything."""


def uncovered(wanted: Iterable[str], have: Iterable[str]) -> list[str]:
    """The CIDRs of ``wanted`` that no prefix of ``have`` contains."""
    networks = []
    for prefix in have:
        try:
            networks.append(ipaddress.ip_network(prefix, strict=False))
        except ValueError:
            continue
    out = []
    for cidr in wanted:
        net = ipaddress.ip_network(cidr)
        if not any(net.version == n.version and net.subnet_of(n) for n in networks):  # type: ignore[arg-type]
            out.append(cidr)
    return out
