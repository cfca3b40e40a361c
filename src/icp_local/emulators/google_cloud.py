"""An in-process Google Cloud for the local cloud: Network Connectivity transports and
Compute Engine VPC networks with peering.

``PartnerServer`` puts it on the wire (TransportManager over gRPC, Compute Engine over
REST); tests read it directly (``routes``, ``resources``, ``transport``, ``get_status``)
and steer it with plain-Python methods (``set_network_mtu``,
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
  accepted, see ``GOOGLE_PROVIDERS``); a key already used by a transport is
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
  only networks a test made (``set_network_mtu``) exist and any other is
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

- Through the API, only the INPUT key flow: a create without ``provided_activation_key`` is
  refused. A transport created from Google's side (``generated_activation_key``, the OUTPUT key
  flow) is made by ``propose_transport`` (icp_local.emulators.google_proposals), the test surface
  behind ``cloud.partner("google-cloud").propose(...)``. Not modelled either: hubs, ``psc_routing_enabled``,
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
import itertools
import threading
from collections.abc import Callable, Iterable
from typing import Any

from icp_local.clock import SimClock
from icp_local.emulators.google_cloud_model import (
    ID_PATTERN,
    LINK_UP,
    NETWORK_PATH,
    NOT_WITH_KEY,
    PARENT,
    TRANSPORT_NAME,
    UPDATABLE,
    GoogleApiError,
    LongRunning,
    NetworkRecord,
    TransportRecord,
    cidrs,
    for_google,
    network_path,
    transport_bandwidth,
)
from icp_local.emulators.google_compute import ComputeNetworks
from icp_local.emulators.google_controls import TestControls
from icp_local.emulators.google_proposals import ProposingTransports
from icp_local.emulators.google_views import TransportViews
from icp_local.emulators.partners import Interconnect, PartnerSimulator, fingerprint


class GoogleCloudEmulator(ProposingTransports, TestControls, ComputeNetworks, TransportViews):
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
        self._transports: dict[str, TransportRecord] = {}
        self._operations: dict[str, LongRunning] = {}
        self._requests: dict[str, str] = {}  # request_id -> operation name
        self._networks: dict[str, NetworkRecord] = {}
        self._compute_ops: dict[str, dict[str, Any]] = {}
        self._compute_polls: dict[str, int] = {}
        self._faults: list[GoogleApiError] = []
        self._seen_states: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"GoogleCloudEmulator(transports={len(self._transports)}, generation={self.generation})"

    # -- Network Connectivity: transports --------------------------------------------
    def create_transport(
        self, parent: str, transport_id: str, transport: dict[str, Any], request_id: str = ""
    ) -> dict[str, Any]:
        with self._lock:
            self._sweep()
            if request_id and request_id in self._requests:
                return self._operation_view(self._operations[self._requests[request_id]])
            match = PARENT.match(parent)
            if not match:
                raise GoogleApiError("INVALID_ARGUMENT", f"parent {parent!r} is not projects/*/locations/*")
            project, region = match.groups()
            if not ID_PATTERN.match(transport_id):
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
            given = [f for f in NOT_WITH_KEY if transport.get(f) not in (None, "", "BANDWIDTH_UNSPECIFIED")]
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
            if not for_google(connection):
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
            advertised = cidrs(transport.get("advertised_routes") or [], "advertised_routes")
            now = self.clock.time()
            record = TransportRecord(
                name=name,
                project=project,
                region=region,
                network=network,
                advertised_routes=advertised,
                bandwidth=transport_bandwidth(connection.get("bandwidth")),
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
            customer = self._network(*NETWORK_PATH.search(network).groups())  # type: ignore[union-attr]
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
                for p in UPDATABLE & set(transport)
                if transport[p] not in (None, "", [], {}, False) and transport[p] != "BANDWIDTH_UNSPECIFIED"
            )
            unknown = set(paths) - UPDATABLE
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
                    value = cidrs(value or [], "advertised_routes")
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
            link_up = state == "ACTIVE" and connection is not None and connection.get("state") in LINK_UP
            status["operational_status"] = (
                "OPERATIONAL_STATUS_ACTIVE" if link_up else "OPERATIONAL_STATUS_DOWN"
            )
            # The most critical wins: DOWN, then DISCONNECTED, then ACTIVE.
            status["overall_status"] = "DOWN" if not link_up else "ACTIVE" if connected else "DISCONNECTED"
            return status

    # -- internals ---------------------------------------------------------------------
    def _changed(self) -> None:
        self.generation += 1

    def _existing(self, name: str) -> TransportRecord:
        transport = self._transports.get(name)
        if transport is None:
            if not TRANSPORT_NAME.match(name):
                raise GoogleApiError("INVALID_ARGUMENT", f"{name!r} is not a transport name")
            raise GoogleApiError("NOT_FOUND", f"transport {name} not found")
        return transport

    @staticmethod
    def _transport_network(project: str, region: str, transport_id: str) -> str:
        # A Google-managed project per customer project and region, one network per transport.
        tenant = hashlib.sha256(f"{project}/{region}".encode()).hexdigest()[:10]
        return f"projects/gcp-tp-{tenant}/global/networks/{transport_id}"

    def _transport_on(self, network: str) -> TransportRecord | None:
        return next(
            (
                t
                for t in self._transports.values()
                if t.peering_network == network and t.deleting_until is None
            ),
            None,
        )

    def _start(
        self, verb: str, target: str, request_id: str, *, empty_response: bool = False
    ) -> dict[str, Any]:
        project, region = TRANSPORT_NAME.match(target).groups()[:2]  # type: ignore[union-attr]
        now = self.clock.time()
        name = f"projects/{project}/locations/{region}/operations/operation-{next(self._ids)}"
        operation = LongRunning(name, verb, target, now, now + self.operation_seconds, empty_response)
        self._operations[name] = operation
        if request_id:
            self._requests[request_id] = name
        return self._operation_view(operation)

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
