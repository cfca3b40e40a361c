"""The Google Cloud emulator's Compute Engine side (icp_local.emulators.google_cloud): VPC networks,
their peerings with a transport's network, the routes a peering exchanges, and Compute's
operations. docs/conformance.md ("Google Cloud: transports, GetStatus, networks and peering").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from icp_local.emulators.google_cloud_model import (
    COMPUTE_BASE,
    DEFAULT_NETWORK_MTU,
    ID_PATTERN,
    GoogleApiError,
    NetworkRecord,
    PeeringRecord,
    network_path,
    timestamp,
)
from icp_local.emulators.google_views import TransportViews


class ComputeNetworks(TransportViews):
    """Mixed into ``GoogleCloudEmulator``: the networks and peerings it keeps (and the prefixes
    a transport has learned, which its peerings export: ``TransportViews``)."""

    # -- Compute Engine: networks and peering ------------------------------------------
    def get_network(self, project: str, network: str) -> dict[str, Any]:
        with self._at(project, network) as net:
            view: dict[str, Any] = {
                "kind": "compute#network",
                "id": str(net.id),
                "name": net.name,
                "selfLink": COMPUTE_BASE + net.path,
                "creationTimestamp": timestamp(net.created_at),
                "autoCreateSubnetworks": False,
                "routingConfig": {"routingMode": "REGIONAL"},
                "peerings": [self._peering_view(net, p) for p in net.peerings.values()],
            }
            if net.mtu is not None:
                view["mtu"] = net.mtu
            return view

    def add_peering(self, project: str, network: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._at(project, network) as net:
            spec = body.get("networkPeering") or {}
            name = spec.get("name") or body.get("name") or ""
            peer = spec.get("network") or body.get("peerNetwork") or ""
            if not ID_PATTERN.match(name):
                raise GoogleApiError("INVALID_ARGUMENT", f"peering name {name!r} is not valid")
            if not peer:
                raise GoogleApiError("INVALID_ARGUMENT", "the peer network is required")
            peer = network_path(peer)
            if spec and spec.get("exchangeSubnetRoutes") is False:
                raise GoogleApiError("INVALID_ARGUMENT", "exchangeSubnetRoutes must be true")
            if name in net.peerings:
                raise GoogleApiError("ALREADY_EXISTS", f"peering {name} already exists in {net.path}")
            if any(p.peer == peer for p in net.peerings.values()):
                raise GoogleApiError("INVALID_ARGUMENT", f"{net.path} is already peered with {peer}")
            net.peerings[name] = PeeringRecord(
                name,
                peer,
                bool(spec.get("importCustomRoutes", False)),
                bool(spec.get("exportCustomRoutes", False)),
                self.clock.time(),
            )
            return self._changed_operation(project, "addPeering", net)

    def update_peering(self, project: str, network: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._at(project, network) as net:
            spec = body.get("networkPeering") or {}
            peering = self._peering(net, spec.get("name", ""))
            if "importCustomRoutes" in spec:
                peering.import_custom_routes = bool(spec["importCustomRoutes"])
            if "exportCustomRoutes" in spec:
                peering.export_custom_routes = bool(spec["exportCustomRoutes"])
            return self._changed_operation(project, "updatePeering", net)

    def remove_peering(self, project: str, network: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._at(project, network) as net:
            gone = self._peering(net, body.get("name", ""))
            del net.peerings[gone.name]
            return self._changed_operation(project, "removePeering", net)

    def list_peering_routes(
        self, project: str, network: str, *, peering_name: str, direction: str, region: str | None
    ) -> list[dict[str, Any]]:
        with self._at(project, network) as net:
            if direction not in ("INCOMING", "OUTGOING"):
                raise GoogleApiError("INVALID_ARGUMENT", "direction must be INCOMING or OUTGOING")
            peering = self._peering(net, peering_name)
            return self._peering_routes(net, peering, direction, region)

    def get_compute_operation(self, project: str, operation: str) -> dict[str, Any]:
        with self._lock:
            op = self._compute_ops.get(f"{project}/{operation}")
            if op is None:
                raise GoogleApiError("NOT_FOUND", f"operation {operation} not found")
            if op["status"] != "DONE":
                self._compute_polls[op["name"]] -= 1
                if self._compute_polls[op["name"]] <= 0:
                    op.update(status="DONE", progress=100, endTime=timestamp(self.clock.time()))
            return dict(op)

    @contextmanager
    def _at(self, project: str, network: str) -> Iterator[NetworkRecord]:
        """The network, under the emulator's lock, after what the clock has made due."""
        with self._lock:
            self._sweep()
            yield self._network(project, network)

    def _peering(self, net: NetworkRecord, name: str) -> PeeringRecord:
        peering = net.peerings.get(name)
        if peering is None:
            raise GoogleApiError("NOT_FOUND", f"no peering {name!r} in {net.path}")
        return peering

    def _changed_operation(self, project: str, kind: str, net: NetworkRecord) -> dict[str, Any]:
        """A change made: tell the loop, and answer with Compute's (finished) operation."""
        self._changed()
        return self._compute_operation(project, kind, net)

    def _network(self, project: str, name: str, *, create: bool | None = None) -> NetworkRecord:
        path = f"projects/{project}/global/networks/{name}"
        net = self._networks.get(path)
        if net is None:
            if not ID_PATTERN.match(name):
                raise GoogleApiError("INVALID_ARGUMENT", f"network name {name!r} is not valid")
            if not (self.networks_on_demand if create is None else create):
                raise GoogleApiError("NOT_FOUND", f"The resource '{path}' was not found")
            net = NetworkRecord(project, name, next(self._ids), self.clock.time())
            self._networks[path] = net
        return net

    def _peering_active(self, net: NetworkRecord, peering: PeeringRecord) -> bool:
        if self._transport_on(peering.peer) is not None:
            return True  # Google configures the transport network's side itself
        other = self._networks.get(peering.peer)
        return other is not None and any(p.peer == net.path for p in other.peerings.values())

    def _peering_view(self, net: NetworkRecord, peering: PeeringRecord) -> dict[str, Any]:
        active = self._peering_active(net, peering)
        return {
            "name": peering.name,
            "network": COMPUTE_BASE + peering.peer,
            "state": "ACTIVE" if active else "INACTIVE",
            "stateDetails": "[2026] Connected."
            if active
            else "[2026] Waiting for the peer network to connect.",
            "autoCreateRoutes": True,
            "exchangeSubnetRoutes": True,
            "importCustomRoutes": peering.import_custom_routes,
            "exportCustomRoutes": peering.export_custom_routes,
            "importSubnetRoutesWithPublicIp": False,
            "exportSubnetRoutesWithPublicIp": True,
            "stackType": "IPV4_ONLY",
            "peerMtu": self.mtu_limit if self._transport_on(peering.peer) else self._peer_mtu(peering.peer),
        }

    def _peer_mtu(self, peer: str) -> int:
        other = self._networks.get(peer)
        return (other.mtu if other is not None else None) or DEFAULT_NETWORK_MTU

    def _peering_routes(
        self, net: NetworkRecord, peering: PeeringRecord, direction: str, region: str | None
    ) -> list[dict[str, Any]]:
        if not self._peering_active(net, peering):
            return []
        transport = self._transport_on(peering.peer)
        routes: list[dict[str, Any]] = []
        if direction == "INCOMING":
            if transport is not None:
                if region is None or region == transport.region:
                    routes += [
                        {
                            "destRange": cidr,
                            "type": "DYNAMIC_PEERING_ROUTE",
                            "nextHopRegion": transport.region,
                            "priority": 100,
                            "imported": peering.import_custom_routes,
                        }
                        for cidr in self._learned_prefixes(transport)
                    ]
            else:
                other = self._networks[peering.peer]
                routes += [
                    {"destRange": cidr, "type": "SUBNET_PEERING_ROUTE", "priority": 0, "imported": True}
                    for cidr in other.subnets
                ]
        else:
            # Subnet routes are always exchanged; the transport's side imports them.
            routes += [
                {"destRange": cidr, "type": "SUBNET_PEERING_ROUTE", "priority": 0, "imported": True}
                for cidr in net.subnets
            ]
        return routes

    def _compute_operation(self, project: str, kind: str, net: NetworkRecord) -> dict[str, Any]:
        number = next(self._ids)
        now = timestamp(self.clock.time())
        name = f"operation-{int(self.clock.time() * 1000)}-{number:x}"
        done = self.compute_operation_polls <= 0
        op = {
            "kind": "compute#operation",
            "id": str(number),
            "name": name,
            "operationType": kind,
            "targetLink": COMPUTE_BASE + net.path,
            "targetId": str(net.id),
            "status": "DONE" if done else "RUNNING",
            "progress": 100 if done else 0,
            "user": "emulator@local",
            "insertTime": now,
            "startTime": now,
            "selfLink": f"{COMPUTE_BASE}projects/{project}/global/operations/{name}",
        }
        if done:
            op["endTime"] = now
        self._compute_ops[f"{project}/{name}"] = op
        self._compute_polls[name] = self.compute_operation_polls
        return dict(op)
