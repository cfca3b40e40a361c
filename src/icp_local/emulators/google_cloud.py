"""An in-process Google Cloud for the local cloud: Network Connectivity transports and
Compute Engine VPC networks with peering.

``PartnerServer`` puts it on the wire (TransportManager over gRPC, Compute Engine over
REST); tests read it directly (``routes``, ``resources``, ``transport``, ``get_status``)
and steer it with plain-Python methods (``set_network_mtu``, ``add_subnet``,
``fail_next``). Sources for each behaviour, and what is an assumption, are listed in
docs/conformance.md ("Google Cloud: transports, GetStatus, networks and peering").

What it reproduces:

- CreateTransport for a connection AWS started (the profile's INPUT key flow): the
  transport carries ``provided_activation_key`` and *no* ``bandwidth``,
  ``remote_profile`` or ``remote_account_id``. A create with a key and any of those is
  INVALID_ARGUMENT naming the fields (gcloud's ``transports create`` makes
  ``--activation-key`` and ``--bandwidth/--remote-account-id/--remote-profile`` mutually
  exclusive; the v1beta ``Transport.bandwidth`` "must be set when no activation key is
  being provided"). The bandwidth is then the AWS connection's (``find_by_activation_key``),
  read again on every read, so an AWS resize shows on the transport; ``remote_profile``
  is ``aws-<the connection's Region>``. A key AWS does not know is INVALID_ARGUMENT; a
  key of a connection to another provider too (the provider is ``cloudServiceProvider``
  ``gcp``, the API's value, or ``google-cloud``, the local cloud's old one: both are
  accepted, see ``_GOOGLE_PROVIDERS``); a key already used by a transport is
  FAILED_PRECONDITION. Messages never carry the key.
- A transport is ``CREATING`` for ``operation_seconds``, then follows the AWS connection
  its key belongs to: ``requested`` → ``PENDING_KEY``, ``pending`` → ``PENDING_CONFIG``,
  ``available``/``updating``/``down`` → ``ACTIVE``, ``failed``/``deleted`` or an unknown
  key → ``DEPROVISIONED``. The key goes to the ``google-cloud`` partner simulator when the
  transport is created; its policy decides whether AWS sees it accepted.
- GetStatus (``get_status``), derived when asked: before activation (``CREATING``,
  ``PENDING_KEY``) ``overall_status`` is ``PENDING_KEY`` and the rest ``*_UNSPECIFIED``;
  ``PENDING_CONFIG`` is ``CONFIGURING``. Once ``ACTIVE``, ``operational_status`` is
  ``OPERATIONAL_STATUS_ACTIVE`` while the AWS link is ``available``/``updating`` and
  ``OPERATIONAL_STATUS_DOWN`` while it is ``down``; ``connectivity_status`` is
  ``CONNECTED`` while a customer network peers with the transport's network, else
  ``DISCONNECTED``; ``overall_status`` is the most critical of them (DOWN before
  DISCONNECTED before ACTIVE, as the field's doc describes). ``DEPROVISIONED`` and
  ``DELETING`` transports are DOWN.
- UpdateTransport with an ``update_mask`` of ``advertised_routes``, ``description``,
  ``labels``, ``admin_enabled``; ``bandwidth`` is refused (INVALID_ARGUMENT) on a
  transport created from an activation key (every transport here): its bandwidth follows
  the AWS connection. Without a mask, the fields set in the request are updated.
- Each transport has its own ``peering_network`` in a Google-managed project, peered
  back automatically. While the AWS link is ``available`` (or ``updating``), that network
  has dynamic routes for the prefixes AWS advertises and exports them; a customer
  peering with ``import_custom_routes`` imports them. What AWS advertises is
  ``aws_prefixes(connection)``; by default the allowed prefixes of the ``associated``
  associations of the connection's Direct Connect gateway, read from the interconnect
  emulator's ``directconnect``.
- Networks: ``networks.get`` answers ``mtu`` (1460 unless set with ``set_network_mtu``;
  ``set_network_mtu(p, n, None)`` leaves the field out, as on networks created before it
  existed, which Google documents as 1460). By default any network a call names exists
  (created on demand, with a default internet route); with ``networks_on_demand = False``
  only networks a test made (``set_network_mtu``, ``add_subnet``) exist and any other is
  NOT_FOUND, as Compute answers for a missing network. Creating a transport in a network
  adds subnet routes for its ``advertised_routes`` there too: the Google-side CIDRs a
  request names are the customer's existing subnets.
- A customer peering is ``ACTIVE`` while its peer is a live transport network (or a
  network that peers back), ``INACTIVE`` otherwise; its ``peerMtu`` is the transport's
  ``mtu_limit`` or the peer network's MTU.
- Transport create, update and delete are long-running operations that finish
  ``operation_seconds`` of simulated time after they start. Compute operations finish
  after ``compute_operation_polls`` reads (0: they come back ``DONE``).

Where it is not faithful (fidelity gaps):

- Only the INPUT key flow: a create without ``provided_activation_key`` is refused
  (Google-initiated transports with ``bandwidth``/``remote_profile`` and a
  ``generated_activation_key`` are not modelled), and so are hubs, ``psc_routing_enabled``,
  ``auto_accept``, ``stack_type`` other than IPV4_ONLY, and the remote transport
  profiles API (ListRemoteTransportProfiles, ParseFromActivationKey).
- Refusing ``bandwidth`` in UpdateTransport is a reading, not a documented rule: Google's
  "Manage connections" page for AWS lists ``description`` and ``advertisedRoutes`` as what
  can be updated, while GA gcloud's ``transports update`` has a ``--bandwidth`` flag
  (presumably for Google-initiated transports). What ``GetStatus`` answers while
  ``PENDING_CONFIG``, for a ``DEPROVISIONED`` or ``DELETING`` transport, and
  ``connectivity_status`` before activation, are assumptions; ``mac_sec_status`` is always
  ``MAC_SEC_STATUS_UNSPECIFIED`` (MACsec is not modelled) and ``skip_cache`` changes
  nothing (every answer is fresh).
- The transport states follow the AWS states as the "requested-first" variant orders them;
  under ``state_order=pending-first`` a new transport may show ``PENDING_CONFIG`` before
  ``PENDING_KEY``.
- Error messages are the emulator's own, not Google's texts; the real error details
  (``google.rpc.ErrorInfo``, ``BadRequest.field_violations``) are not sent.
- Compute: only the network methods the product calls; no subnetworks API (subnets are
  plain CIDRs), no firewall, no routes API, and the MTU is not checked against peers.

State derived from the AWS side is read when asked for; ``generation`` moves on every
change, including a derived state that was seen to change.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from icp_local.clock import SimClock
from icp_local.emulators.partners import Interconnect, PartnerSimulator, fingerprint

COMPUTE_BASE = "https://www.googleapis.com/compute/v1/"
_ID = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_PARENT = re.compile(r"^projects/([^/]+)/locations/([^/]+)$")
_TRANSPORT_NAME = re.compile(r"^projects/([^/]+)/locations/([^/]+)/transports/([^/]+)$")
_NETWORK = re.compile(r"projects/([^/]+)/global/networks/([^/]+)$")
_AWS_TO_TRANSPORT_STATE = {
    "requested": "PENDING_KEY",
    "pending": "PENDING_CONFIG",
    "available": "ACTIVE",
    "updating": "ACTIVE",
    "down": "ACTIVE",
}
_LINK_UP = {"available", "updating"}
_UPDATABLE = {"advertised_routes", "description", "labels", "admin_enabled", "bandwidth"}
# Fields a create with an activation key must not carry (the key brings them from AWS).
_NOT_WITH_KEY = ("bandwidth", "remote_profile", "remote_account_id")
# The AWS Interconnect provider value for Google Cloud: the API's ("gcp") and the local cloud's
# old one ("google-cloud"), both accepted while the interconnect emulator moves to the first.
_GOOGLE_PROVIDERS = {"gcp", "google-cloud"}
_BANDWIDTHS = {
    "BPS_50M", "BPS_100M", "BPS_200M", "BPS_300M", "BPS_400M", "BPS_500M", "BPS_1G", "BPS_2G", "BPS_5G",
    "BPS_10G", "BPS_20G", "BPS_50G", "BPS_100G",
}  # fmt: skip
_AWS_BANDWIDTH = re.compile(r"^(\d+)([MG])bps$")
DEFAULT_NETWORK_MTU = 1460  # what Google documents for a network whose mtu is unset
_MTU_RANGE = (1300, 8896)
_HTTP_STATUS = {
    "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "ABORTED": 409, "RESOURCE_EXHAUSTED": 429, "INTERNAL": 500,
    "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504,
}  # fmt: skip


class GoogleApiError(Exception):
    """An error as Google returns it; ``status`` is the canonical gRPC code name."""

    def __init__(self, status: str, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS.get(self.status, 500)


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def network_path(url: str) -> str:
    """``projects/p/global/networks/n`` from a full or partial network URL."""
    match = _NETWORK.search(url)
    if not match:
        raise GoogleApiError("INVALID_ARGUMENT", f"not a network: {url!r}")
    return f"projects/{match.group(1)}/global/networks/{match.group(2)}"


def _transport_bandwidth(aws_bandwidth: Any) -> str:
    """The ``Transport.Bandwidth`` value of an AWS bandwidth (``"1Gbps"`` → ``BPS_1G``)."""
    match = _AWS_BANDWIDTH.match(str(aws_bandwidth or ""))
    if not match:
        return "BANDWIDTH_UNSPECIFIED"
    mbps = int(match.group(1)) * (1000 if match.group(2) == "G" else 1)
    name = f"BPS_{mbps // 1000}G" if mbps >= 1000 and mbps % 1000 == 0 else f"BPS_{mbps}M"
    return name if name in _BANDWIDTHS else "BANDWIDTH_UNSPECIFIED"


def _for_google(connection: dict[str, Any]) -> bool:
    """Whether an AWS connection is to Google Cloud (a connection that names no provider,
    as test doubles may, counts as one)."""
    provider = connection.get("provider")
    if not isinstance(provider, dict) or not provider:
        return True
    return str(provider.get("cloudServiceProvider", "")).lower() in _GOOGLE_PROVIDERS


def _cidrs(values: Iterable[Any], what: str) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(str(value), strict=True)))
        except ValueError:
            raise GoogleApiError("INVALID_ARGUMENT", f"{what}: {value!r} is not an IP prefix") from None
    return out


@dataclass
class _Transport:
    name: str
    project: str
    region: str
    network: str
    advertised_routes: list[str]
    bandwidth: str
    description: str
    labels: dict[str, str]
    remote_profile: str
    admin_enabled: bool
    peering_network: str
    created_at: float
    updated_at: float
    ready_at: float
    key_fingerprint: str
    deleting_until: float | None = None
    key: str = field(default="", repr=False)  # to ask AWS about the connection; never shown


@dataclass
class _LongRunning:
    name: str
    verb: str
    target: str
    started_at: float
    done_at: float
    empty_response: bool = False
    response: dict[str, Any] | None = None
    done: bool = False


@dataclass
class _Peering:
    name: str
    peer: str  # projects/p/global/networks/n
    import_custom_routes: bool
    export_custom_routes: bool
    created_at: float


@dataclass
class _Network:
    project: str
    name: str
    id: int
    created_at: float
    mtu: int | None = DEFAULT_NETWORK_MTU  # None: the field is absent (Google then uses 1460)
    subnets: list[str] = field(default_factory=list)
    peerings: dict[str, _Peering] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"projects/{self.project}/global/networks/{self.name}"


class GoogleCloudEmulator:
    def __init__(
        self,
        clock: SimClock,
        interconnect: Interconnect,
        *,
        partner: PartnerSimulator | None = None,
        aws_prefixes: Callable[[dict[str, Any]], Iterable[str]] | None = None,
    ):
        self.clock = clock
        self.interconnect = interconnect
        self.partner = partner or PartnerSimulator("google-cloud", clock, interconnect)
        self._aws_prefixes = aws_prefixes or self._gateway_allowed_prefixes
        self.operation_seconds = 10.0
        self.compute_operation_polls = 0
        self.mtu_limit = 8500
        # True: any network a call names exists. False: only networks a test made exist.
        self.networks_on_demand = True
        self.generation = 0
        self._lock = threading.RLock()
        self._ids = itertools.count(1_000_000_001)
        self._transports: dict[str, _Transport] = {}
        self._operations: dict[str, _LongRunning] = {}
        self._requests: dict[str, str] = {}  # request_id -> operation name
        self._networks: dict[str, _Network] = {}
        self._compute_ops: dict[str, dict[str, Any]] = {}
        self._compute_polls: dict[str, int] = {}
        self._faults: list[GoogleApiError] = []
        self._seen_states: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"GoogleCloudEmulator(transports={len(self._transports)}, generation={self.generation})"

    # -- what a test controls and reads --------------------------------------------
    def fail_next(self, status: str = "UNAVAILABLE", count: int = 1) -> None:
        """Fail the next ``count`` API calls (gRPC or REST) with ``status``."""
        with self._lock:
            self._faults += [GoogleApiError(status, "injected failure")] * count

    def take_fault(self) -> GoogleApiError | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def add_subnet(self, project: str, network: str, cidr: str) -> None:
        with self._lock:
            net = self._network(project, network, create=True)
            for prefix in _cidrs([cidr], "subnet"):
                if prefix not in net.subnets:
                    net.subnets.append(prefix)
                    self._changed()

    def set_network_mtu(self, project: str, network: str, mtu: int | None) -> None:
        """Give a network (created if need be) an MTU; None leaves ``mtu`` out of its
        ``networks.get`` answer, as for networks made before the field existed."""
        if mtu is not None and not _MTU_RANGE[0] <= mtu <= _MTU_RANGE[1]:
            raise ValueError(f"a VPC network MTU is {_MTU_RANGE[0]} to {_MTU_RANGE[1]}, not {mtu}")
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

    # -- Network Connectivity: transports --------------------------------------------
    def create_transport(
        self, parent: str, transport_id: str, transport: dict[str, Any], request_id: str = ""
    ) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            if request_id and request_id in self._requests:
                return self._operation_view(self._operations[self._requests[request_id]])
            match = _PARENT.match(parent)
            if not match:
                raise GoogleApiError("INVALID_ARGUMENT", f"parent {parent!r} is not projects/*/locations/*")
            project, region = match.groups()
            if not _ID.match(transport_id):
                raise GoogleApiError("INVALID_ARGUMENT", f"transport_id {transport_id!r} is not a valid id")
            name = f"{parent}/transports/{transport_id}"
            if name in self._transports:
                raise GoogleApiError("ALREADY_EXISTS", f"transport {name} already exists")
            key = transport.get("provided_activation_key") or ""
            if not key:
                raise GoogleApiError(
                    "INVALID_ARGUMENT",
                    "provided_activation_key is required (the emulator plays the AWS profile's INPUT"
                    " key flow only)",
                )
            given = [f for f in _NOT_WITH_KEY if transport.get(f) not in (None, "", "BANDWIDTH_UNSPECIFIED")]
            if given:
                raise GoogleApiError(
                    "INVALID_ARGUMENT",
                    f"{', '.join(given)} must not be set with provided_activation_key: the activation"
                    " key determines them",
                )
            # Never echo the key: messages end up in logs and exceptions.
            connection = self.interconnect.find_by_activation_key(key)
            if connection is None:
                raise GoogleApiError("INVALID_ARGUMENT", "the activation key is not valid")
            if not _for_google(connection):
                raise GoogleApiError(
                    "INVALID_ARGUMENT", "the activation key is not for a Google Cloud connection"
                )
            if any(t.key_fingerprint == fingerprint(key) for t in self._transports.values()):
                raise GoogleApiError(
                    "FAILED_PRECONDITION", "the activation key is already used by a transport"
                )
            if not transport.get("network"):
                raise GoogleApiError("INVALID_ARGUMENT", "network is required")
            network = network_path(transport["network"])
            advertised = _cidrs(transport.get("advertised_routes") or [], "advertised_routes")
            now = self.clock.time()
            record = _Transport(
                name=name,
                project=project,
                region=region,
                network=network,
                advertised_routes=advertised,
                bandwidth=_transport_bandwidth(connection.get("bandwidth")),
                description=transport.get("description") or "",
                labels=dict(transport.get("labels") or {}),
                remote_profile=f"aws-{connection['region']}" if connection.get("region") else "",
                admin_enabled=True,
                peering_network=self._transport_network(project, region, transport_id),
                created_at=now,
                updated_at=now,
                ready_at=now + self.operation_seconds,
                key_fingerprint=fingerprint(key),
                key=key,
            )
            self._transports[name] = record
            # The customer's network holds the subnets it asks to advertise.
            customer = self._network(*_NETWORK.search(network).groups())  # type: ignore[union-attr]
            customer.subnets += [cidr for cidr in advertised if cidr not in customer.subnets]
            operation = self._start("create", name, request_id)
            self._changed()
        self.partner.receive(key, name)
        return operation

    def get_transport(self, name: str) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            return self._transport_view(self._existing(name))

    def list_transports(self, parent: str) -> list[dict[str, Any]]:
        with self._lock:
            self._sweep()
            prefix = parent + "/transports/"
            return [
                self._transport_view(t) for n, t in sorted(self._transports.items()) if n.startswith(prefix)
            ]

    def update_transport(
        self, transport: dict[str, Any], paths: list[str], request_id: str = ""
    ) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            if request_id and request_id in self._requests:
                return self._operation_view(self._operations[self._requests[request_id]])
            record = self._existing(transport.get("name", ""))
            # Without a mask, the fields the request sets (proto3: those not at their default).
            paths = paths or sorted(
                p
                for p in _UPDATABLE & set(transport)
                if transport[p] not in (None, "", [], {}, False) and transport[p] != "BANDWIDTH_UNSPECIFIED"
            )
            unknown = set(paths) - _UPDATABLE
            if unknown:
                raise GoogleApiError("INVALID_ARGUMENT", f"cannot update {', '.join(sorted(unknown))}")
            if "bandwidth" in paths and record.key:
                raise GoogleApiError(
                    "INVALID_ARGUMENT",
                    "cannot update bandwidth of a transport created with an activation key: it follows"
                    " the remote provider's connection",
                )
            for path in paths:
                value = transport.get(path)
                if path == "advertised_routes":
                    value = _cidrs(value or [], "advertised_routes")
                setattr(record, path, value)
            record.updated_at = self.clock.time()
            operation = self._start("update", record.name, request_id)
            self._changed()
            return operation

    def delete_transport(self, name: str, request_id: str = "") -> dict[str, Any]:
        with self._lock:
            self._sweep()
            if request_id and request_id in self._requests:
                return self._operation_view(self._operations[self._requests[request_id]])
            record = self._existing(name)
            if record.deleting_until is None:
                record.deleting_until = self.clock.time() + self.operation_seconds
            operation = self._start("delete", name, request_id, empty_response=True)
            self._changed()
            return operation

    def get_operation(self, name: str) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            operation = self._operations.get(name)
            if operation is None:
                raise GoogleApiError("NOT_FOUND", f"operation {name} not found")
            return self._operation_view(operation)

    def get_status(self, name: str) -> dict[str, str]:
        """GetStatus: the transport's status, derived from its state, the AWS link and the
        customer's peering (see the module docstring). Values are the enum value names."""
        with self._lock:
            self._sweep()
            transport = self._existing(name)
            state = self._state(transport)
            status = {
                "overall_status": "OVERALL_STATUS_UNSPECIFIED",
                "operational_status": "OPERATIONAL_STATUS_UNSPECIFIED",
                "connectivity_status": "CONNECTIVITY_STATUS_UNSPECIFIED",
                "mac_sec_status": "MAC_SEC_STATUS_UNSPECIFIED",
            }
            if state in ("CREATING", "PENDING_KEY"):
                return status | {"overall_status": "PENDING_KEY"}
            connected = any(
                p.peer == transport.peering_network and self._peering_active(net, p)
                for net in self._networks.values()
                for p in net.peerings.values()
            )
            status["connectivity_status"] = (
                "CONNECTIVITY_STATUS_CONNECTED" if connected else "CONNECTIVITY_STATUS_DISCONNECTED"
            )
            if state == "PENDING_CONFIG":
                return status | {"overall_status": "CONFIGURING"}
            connection = self._aws_connection(transport)
            link_up = state == "ACTIVE" and connection is not None and connection.get("state") in _LINK_UP
            status["operational_status"] = (
                "OPERATIONAL_STATUS_ACTIVE" if link_up else "OPERATIONAL_STATUS_DOWN"
            )
            # The most critical wins: DOWN, then DISCONNECTED, then ACTIVE.
            status["overall_status"] = "DOWN" if not link_up else "ACTIVE" if connected else "DISCONNECTED"
            return status

    # -- Compute Engine: networks and peering ------------------------------------------
    def get_network(self, project: str, network: str) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            net = self._network(project, network)
            view: dict[str, Any] = {
                "kind": "compute#network",
                "id": str(net.id),
                "name": net.name,
                "selfLink": COMPUTE_BASE + net.path,
                "creationTimestamp": _timestamp(net.created_at),
                "autoCreateSubnetworks": False,
                "routingConfig": {"routingMode": "REGIONAL"},
                "peerings": [self._peering_view(net, p) for p in net.peerings.values()],
            }
            if net.mtu is not None:
                view["mtu"] = net.mtu
            return view

    def add_peering(self, project: str, network: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            net = self._network(project, network)
            spec = body.get("networkPeering") or {}
            name = spec.get("name") or body.get("name") or ""
            peer = spec.get("network") or body.get("peerNetwork") or ""
            if not _ID.match(name):
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
            net.peerings[name] = _Peering(
                name,
                peer,
                bool(spec.get("importCustomRoutes", False)),
                bool(spec.get("exportCustomRoutes", False)),
                self.clock.time(),
            )
            self._changed()
            return self._compute_operation(project, "addPeering", net)

    def update_peering(self, project: str, network: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            net = self._network(project, network)
            spec = body.get("networkPeering") or {}
            peering = net.peerings.get(spec.get("name", ""))
            if peering is None:
                raise GoogleApiError("NOT_FOUND", f"no peering {spec.get('name')!r} in {net.path}")
            if "importCustomRoutes" in spec:
                peering.import_custom_routes = bool(spec["importCustomRoutes"])
            if "exportCustomRoutes" in spec:
                peering.export_custom_routes = bool(spec["exportCustomRoutes"])
            self._changed()
            return self._compute_operation(project, "updatePeering", net)

    def remove_peering(self, project: str, network: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            net = self._network(project, network)
            name = body.get("name", "")
            if name not in net.peerings:
                raise GoogleApiError("NOT_FOUND", f"no peering {name!r} in {net.path}")
            del net.peerings[name]
            self._changed()
            return self._compute_operation(project, "removePeering", net)

    def list_peering_routes(
        self, project: str, network: str, *, peering_name: str, direction: str, region: str | None
    ) -> list[dict[str, Any]]:
        with self._lock:
            self._sweep()
            net = self._network(project, network)
            if direction not in ("INCOMING", "OUTGOING"):
                raise GoogleApiError("INVALID_ARGUMENT", "direction must be INCOMING or OUTGOING")
            peering = net.peerings.get(peering_name)
            if peering is None:
                raise GoogleApiError("NOT_FOUND", f"no peering {peering_name!r} in {net.path}")
            return self._peering_routes(net, peering, direction, region)

    def get_compute_operation(self, project: str, operation: str) -> dict[str, Any]:
        with self._lock:
            op = self._compute_ops.get(f"{project}/{operation}")
            if op is None:
                raise GoogleApiError("NOT_FOUND", f"operation {operation} not found")
            if op["status"] != "DONE":
                self._compute_polls[op["name"]] -= 1
                if self._compute_polls[op["name"]] <= 0:
                    op.update(status="DONE", progress=100, endTime=_timestamp(self.clock.time()))
            return dict(op)

    # -- internals ---------------------------------------------------------------------
    def _gateway_allowed_prefixes(self, connection: dict[str, Any]) -> list[str]:
        """What AWS advertises over a connection: the allowed prefixes of the associations
        of the Direct Connect gateway it attaches to (through the interconnect emulator's
        Direct Connect emulator, when it has one)."""
        directconnect = getattr(self.interconnect, "directconnect", None)
        attach = connection.get("attachPoint") or {}
        gateway = attach.get("directConnectGateway") or str(attach.get("arn", "")).rpartition("/")[2]
        if directconnect is None or not gateway:
            return []
        return [
            prefix["cidr"]
            for association in directconnect.associations()
            if association.get("directConnectGatewayId") == gateway
            and association.get("associationState") == "associated"
            for prefix in association.get("allowedPrefixesToDirectConnectGateway", [])
        ]

    def _changed(self) -> None:
        self.generation += 1

    def _network(self, project: str, name: str, *, create: bool | None = None) -> _Network:
        path = f"projects/{project}/global/networks/{name}"
        net = self._networks.get(path)
        if net is None:
            if not _ID.match(name):
                raise GoogleApiError("INVALID_ARGUMENT", f"network name {name!r} is not valid")
            if not (self.networks_on_demand if create is None else create):
                raise GoogleApiError("NOT_FOUND", f"The resource '{path}' was not found")
            net = _Network(project, name, next(self._ids), self.clock.time())
            self._networks[path] = net
        return net

    def _existing(self, name: str) -> _Transport:
        transport = self._transports.get(name)
        if transport is None:
            if not _TRANSPORT_NAME.match(name):
                raise GoogleApiError("INVALID_ARGUMENT", f"{name!r} is not a transport name")
            raise GoogleApiError("NOT_FOUND", f"transport {name} not found")
        return transport

    @staticmethod
    def _transport_network(project: str, region: str, transport_id: str) -> str:
        # A Google-managed project per customer project and region, one network per transport.
        tenant = hashlib.sha256(f"{project}/{region}".encode()).hexdigest()[:10]
        return f"projects/gcp-tp-{tenant}/global/networks/{transport_id}"

    def _transport_on(self, network: str) -> _Transport | None:
        return next(
            (
                t
                for t in self._transports.values()
                if t.peering_network == network and t.deleting_until is None
            ),
            None,
        )

    def _aws_connection(self, transport: _Transport) -> dict[str, Any] | None:
        return self.interconnect.find_by_activation_key(transport.key)

    def _state(self, transport: _Transport) -> str:
        if transport.deleting_until is not None:
            return "DELETING"
        if self.clock.time() < transport.ready_at:
            return "CREATING"
        connection = self._aws_connection(transport)
        aws_state = connection.get("state") if connection else None
        return _AWS_TO_TRANSPORT_STATE.get(str(aws_state), "DEPROVISIONED")

    def _learned_prefixes(self, transport: _Transport) -> list[str]:
        """What the transport's network has learned from AWS (while the link is up)."""
        if self._state(transport) != "ACTIVE":
            return []
        connection = self._aws_connection(transport)
        if not connection or connection.get("state") not in _LINK_UP:
            return []
        return _cidrs(self._aws_prefixes(connection), "AWS prefixes")

    def _peering_active(self, net: _Network, peering: _Peering) -> bool:
        if self._transport_on(peering.peer) is not None:
            return True  # Google configures the transport network's side itself
        other = self._networks.get(peering.peer)
        return other is not None and any(p.peer == net.path for p in other.peerings.values())

    def _peering_view(self, net: _Network, peering: _Peering) -> dict[str, Any]:
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
        self, net: _Network, peering: _Peering, direction: str, region: str | None
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

    def _transport_view(self, transport: _Transport) -> dict[str, Any]:
        state = self._state(transport)
        connection = self._aws_connection(transport)
        if connection is not None:  # the bandwidth follows the AWS connection (a resize, say)
            bandwidth = _transport_bandwidth(connection.get("bandwidth"))
            if bandwidth != transport.bandwidth:
                transport.bandwidth = bandwidth
                self._changed()
        return {
            "name": transport.name,
            "create_time": transport.created_at,
            "update_time": transport.updated_at,
            "labels": dict(transport.labels),
            "description": transport.description,
            "remote_profile": transport.remote_profile,
            "bandwidth": transport.bandwidth,
            "stack_type": "IPV4_ONLY",
            "state": state,
            "mtu_limit": self.mtu_limit,
            "admin_enabled": transport.admin_enabled,
            "network": transport.network,
            "advertised_routes": list(transport.advertised_routes),
            "peering_network": transport.peering_network,
        }

    def _start(
        self, verb: str, target: str, request_id: str, *, empty_response: bool = False
    ) -> dict[str, Any]:
        project, region = _TRANSPORT_NAME.match(target).groups()[:2]  # type: ignore[union-attr]
        now = self.clock.time()
        name = f"projects/{project}/locations/{region}/operations/operation-{next(self._ids)}"
        operation = _LongRunning(name, verb, target, now, now + self.operation_seconds, empty_response)
        self._operations[name] = operation
        if request_id:
            self._requests[request_id] = name
        return self._operation_view(operation)

    def _operation_view(self, operation: _LongRunning) -> dict[str, Any]:
        if not operation.done and self.clock.time() >= operation.done_at:
            operation.done = True
            transport = self._transports.get(operation.target)
            if not operation.empty_response and transport is not None:
                operation.response = self._transport_view(transport)
            self._changed()
        return {
            "name": operation.name,
            "verb": operation.verb,
            "target": operation.target,
            "create_time": operation.started_at,
            "end_time": operation.done_at if operation.done else None,
            "done": operation.done,
            "empty_response": operation.empty_response,
            "response": operation.response,
        }

    def _compute_operation(self, project: str, kind: str, net: _Network) -> dict[str, Any]:
        number = next(self._ids)
        now = _timestamp(self.clock.time())
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

    def _sweep(self) -> None:
        """Finish deletions that fell due and notice derived states that moved."""
        now = self.clock.time()
        for name, transport in list(self._transports.items()):
            if transport.deleting_until is not None and transport.deleting_until <= now:
                del self._transports[name]
                self._seen_states.pop(name, None)
                self._changed()
        for name, transport in self._transports.items():
            state = self._state(transport)
            if self._seen_states.get(name) != state:
                self._seen_states[name] = state
                self._changed()
