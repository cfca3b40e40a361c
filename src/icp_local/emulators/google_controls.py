"""The Google Cloud emulator's plain-Python surface (icp_local.emulators.google_cloud): the faults,
MTUs a test sets, and the transports, resources and routes it reads.
"""

from __future__ import annotations

from typing import Any

from icp_local.emulators.google_cloud_model import MTU_RANGE, GoogleApiError
from icp_local.emulators.google_compute import ComputeNetworks


class TestControls(ComputeNetworks):
    """Mixed into ``GoogleCloudEmulator``: what a test controls and reads (networks, routes and
    transports as ``ComputeNetworks`` and ``TransportViews`` keep them)."""

    # -- what a test controls and reads --------------------------------------------
    def fail_next(self, status: str = "UNAVAILABLE", count: int = 1) -> None:
        """Fail the next ``count`` API calls (gRPC or REST) with ``status``."""
        with self._lock:
            self._faults += [GoogleApiError(status, "injected failure")] * count

    def take_fault(self) -> GoogleApiError | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def set_network_mtu(self, project: str, network: str, mtu: int | None) -> None:
        """Give a network (created if need be) an MTU; None leaves ``mtu`` out of its
        ``networks.get`` answer, as for networks made before the field existed."""
        if mtu is not None and not MTU_RANGE[0] <= mtu <= MTU_RANGE[1]:
            raise ValueError(f"a VPC network MTU is {MTU_RANGE[0]} to {MTU_RANGE[1]}, not {mtu}")
        with self._lock:
            net = self._network(project, network, create=True)
            if net.mtu != mtu:
                net.mtu = mtu
                self._changed()

    def transport(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            self._sweep()
            transport = self._transports.get(name)
            return self._transport_view(transport) if transport else None

    def resources(self) -> list[str]:
        """What calls have created and not removed: transports and customer peerings
        (networks exist on their own and are not listed)."""
        with self._lock:
            self._sweep()
            out = [f"transport {name}" for name in sorted(self._transports)]
            for net in sorted(self._networks.values(), key=lambda n: n.path):
                out += [f"peering {net.path}/peerings/{name}" for name in sorted(net.peerings)]
            return out

    def routes(self, project: str, network: str) -> list[dict[str, Any]]:
        """The network's effective routes: its own, then those its peerings import."""
        with self._lock:
            self._sweep()
            net = self._network(project, network)
            routes: list[dict[str, Any]] = [{"destRange": "0.0.0.0/0", "type": "DEFAULT_INTERNET"}]
            routes += [{"destRange": cidr, "type": "SUBNET"} for cidr in net.subnets]
            for peering in net.peerings.values():
                for route in self._peering_routes(net, peering, "INCOMING", None):
                    if route["imported"]:
                        routes.append(
                            {
                                "destRange": route["destRange"],
                                "type": "PEERING",
                                "peering": peering.name,
                                "nextHopRegion": route.get("nextHopRegion"),
                            }
                        )
            return routes
