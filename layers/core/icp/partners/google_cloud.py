"""The Google Cloud side of a multicloud connection: a Transport and a VPC peering.

- ``hand_off`` creates a Network Connectivity *Transport* in the customer's project and
  region (the request's ``remoteLocation``) with the AWS activation key, naming the
  customer's VPC network and advertising the Google-side CIDRs to AWS. It sends the key
  *without* ``bandwidth``, ``remote_profile`` or ``remote_account_id``: the key carries
  them (gcloud's ``transports create`` takes ``--activation-key`` or ``--bandwidth
  --remote-profile --remote-account-id``, never both; v1beta ``Transport.bandwidth`` "must
  be set when no activation key is being provided"). The transport id and the create
  ``request_id`` derive from the connectionId, so a retry finds (or replays) the first
  attempt instead of creating a second transport.
- ``propagate_routes`` peers the customer's network with the transport's
  ``peering_network`` (custom routes imported and exported, so the prefixes AWS
  advertises reach the VPC) and adds any missing Google-side CIDR to the transport's
  ``advertised_routes``.
- ``missing_routes`` reads all of that back; ``withdraw`` removes the peering, then the
  transport.
- ``link_status`` reads the transport's ``GetStatus``: ``"up"``, ``"down"`` or None.
- ``network_mtu`` reads a VPC network's MTU (compute ``networks.get``), to default
  ``remote.mtu``.
- Resizing needs nothing here: the bandwidth of a transport created from an activation key
  follows the AWS connection (see ``icp.lifecycle.resize.update_bandwidth``).

``Transport.advertised_routes`` is what Google advertises *to the remote provider*
(AWS), so it carries the request's ``remote.cidrs``; the AWS CIDRs arrive the other
way, learned from AWS by the transport's network and imported through the peering, and
``missing_routes`` checks them there (``listPeeringRoutes``, direction INCOMING).

Configuration, read when first needed (``google_clients()``):

- ``GOOGLE_WIF_CONFIG``: the workload identity federation ("external_account")
  credential configuration JSON, e.g. from ``gcloud iam workload-identity-pools
  create-cred-config ... --aws``. Its credentials come from the Lambda role; no key file.
- ``GOOGLE_API_ENDPOINT`` and ``GOOGLE_GRPC_ENDPOINT`` (local cloud only, loopback only):
  the Compute Engine REST endpoint (``http://127.0.0.1:PORT``) and the Network
  Connectivity endpoint (``127.0.0.1:PORT``). The installed
  ``google-cloud-network-connectivity`` ships only gRPC transports for
  ``TransportManagerClient``, hence a second endpoint. Both use anonymous credentials.

The activation key never appears in a log line or an exception message raised here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from icp.errors import PartnerRejected, RemoteSideError, RoutesNotConverged, UnknownNetwork
from icp.models import ConnectionRecord
from icp.partners.base import uncovered
from icp.partners.google_calls import CALL_TIMEOUT, absent, google_call, not_found, wait_operation
from icp.partners.google_clients import GoogleClients, google_clients
from icp.partners.google_naming import Target, enum_name, network_path
from icp.partners.google_peering import VpcPeering

logger = logging.getLogger(__name__)


# A network whose ``mtu`` is unset runs at 1460 (Compute Engine's documented default).
DEFAULT_NETWORK_MTU = 1460
# GetStatus's overall_status (the most critical status) as a link state. DISCONNECTED (the
# VPC peering was taken down) counts as down: AWS traffic no longer reaches the network.
_LINK_STATUS = {"ACTIVE": "up", "DOWN": "down", "DISCONNECTED": "down"}
# Its operational_status, read only when overall_status says nothing (unspecified).
_OPERATIONAL_STATUS = {"OPERATIONAL_STATUS_ACTIVE": "up", "OPERATIONAL_STATUS_DOWN": "down"}


# --- the adapter ----------------------------------------------------------------------
class GoogleCloudSide(VpcPeering):
    """RemoteSide for multicloud connections (provider ``google-cloud``)."""

    def __init__(self, clients: Callable[[], GoogleClients] = google_clients):
        self._clients = clients

    def __repr__(self) -> str:
        return "GoogleCloudSide()"

    # -- RemoteSide ----------------------------------------------------------------
    def hand_off(self, record: ConnectionRecord, activation_key: str) -> dict[str, str]:
        target = Target.of(record)
        transport = self._get_transport(target)
        if transport is None:
            transport = self._create_transport(record, target, activation_key)
        else:
            logger.info("transport %s already exists; reusing it", target.transport_name)
        return {"googleTransport": transport.name, "googleNetwork": target.network}

    def propagate_routes(self, record: ConnectionRecord) -> None:
        target = Target.of(record)
        transport = self._get_transport(target)
        if transport is None:
            raise RemoteSideError(f"transport {target.transport_name} does not exist: hand off first")
        if uncovered(target.google_cidrs, transport.advertised_routes):
            transport = self._advertise(target, transport)
        if not transport.peering_network:
            raise RoutesNotConverged(f"transport {target.transport_name} has no peering network yet")
        self._ensure_peering(target, transport.peering_network)

    def missing_routes(self, record: ConnectionRecord) -> list[str]:
        target = Target.of(record)
        transport = self._get_transport(target)
        if transport is None:
            return [f"transport {target.transport_name} does not exist"]
        state = transport.state.name
        if state == "DEPROVISIONED":
            raise PartnerRejected(f"transport {target.transport_name} was deprovisioned on the AWS side")
        missing = []
        if state != "ACTIVE":
            missing.append(f"transport {target.transport_name} is {state}, not ACTIVE")
        missing += [
            f"transport {target.transport_name} does not advertise {cidr} to AWS"
            for cidr in uncovered(target.google_cidrs, transport.advertised_routes)
        ]
        peering = self._find_peering(target, transport.peering_network) if transport.peering_network else None
        if peering is None:
            missing.append(f"no VPC peering between {target.network} and the transport's network")
            return missing
        if peering.state != "ACTIVE":
            missing.append(f"peering {peering.name} of {target.network} is {peering.state or 'not active'}")
        if not peering.import_custom_routes:
            missing.append(f"peering {peering.name} does not import custom routes")
        if not peering.export_custom_routes:
            missing.append(f"peering {peering.name} does not export custom routes")
        if peering.state == "ACTIVE" and peering.import_custom_routes:
            learned = self._imported_routes(target, peering.name)
            missing += [
                f"AWS prefix {cidr} is not learned in {target.network}"
                for cidr in uncovered(target.aws_cidrs, learned)
            ]
        return missing

    def withdraw(self, record: ConnectionRecord) -> list[str]:
        target = Target.of(record)
        removed = []
        transport = self._get_transport(target)
        peering = None
        if transport is not None and transport.peering_network:
            peering = self._find_peering(target, transport.peering_network)
        if peering is None:
            peering = self._find_peering_named(target, target.peering_name)
        if peering is not None:
            self._remove_peering(target, peering.name)
            removed.append(f"VPC peering {peering.name} of {target.network}")
        if transport is not None:
            self._delete_transport(target)
            removed.append(f"transport {target.transport_name}")
        return removed

    def link_status(self, record: ConnectionRecord) -> str | None:
        """The link as Google reports it (``GetStatus``): ``"up"`` when ``overall_status`` is
        ACTIVE; ``"down"`` when it is DOWN, or DISCONNECTED (the VPC peering is gone); None
        before activation (PENDING_KEY, CONFIGURING), when unspecified, or when the
        transport does not exist. An unspecified ``overall_status`` falls back on
        ``operational_status``."""
        from google.cloud import networkconnectivity_v1beta as nc

        target = Target.of(record)
        transports = self._clients().transports
        request = nc.GetStatusRequest(name=target.transport_name, skip_cache=True)
        status = google_call(
            f"get status of transport {target.transport_name}",
            not_found(lambda: transports.get_status(request=request, retry=None, timeout=CALL_TIMEOUT)),
        )
        if status is None:
            return None
        overall = _LINK_STATUS.get(enum_name(status.overall_status))
        if overall is not None:
            return overall
        if enum_name(status.overall_status) in ("", "OVERALL_STATUS_UNSPECIFIED"):
            return _OPERATIONAL_STATUS.get(enum_name(status.operational_status))
        return None

    def proposing_transport(self, project: str, region: str, activation_key: str) -> tuple[str, str] | None:
        """The transport in ``projects/{project}/locations/{region}`` whose Google-generated key
        (``generated_activation_key``, nc-v1beta) is ``activation_key``, as (name, network), or None.
        The key is compared here and never logged or raised."""
        transports = self._clients().transports
        parent = f"projects/{project}/locations/{region}"
        found = google_call(
            f"list transports of {parent}",
            not_found(
                lambda: list(transports.list_transports(parent=parent, retry=None, timeout=CALL_TIMEOUT))
            ),
        )
        for transport in found or []:
            if transport.generated_activation_key and transport.generated_activation_key == activation_key:
                return str(transport.name), network_path(str(transport.network))
        return None

    # -- networks -------------------------------------------------------------------
    def network_mtu(self, project: str, network: str) -> int:
        """The MTU of the VPC network ``projects/{project}/global/networks/{network}``
        (compute ``networks.get``; 1460, Google's default, when the field is unset).
        A network that does not exist is UnknownNetwork naming ``remote.network``."""
        networks = self._clients().networks
        path = f"projects/{project}/global/networks/{network}"
        found = google_call(
            f"get network {path}",
            not_found(lambda: networks.get(project=project, network=network, retry=None)),
        )
        if found is None:
            raise UnknownNetwork(
                f"Google Cloud network {network} does not exist in project {project}",
                field="remote.network",
                rule="exists",
            )
        return int(found.mtu) if "mtu" in found and found.mtu else DEFAULT_NETWORK_MTU

    # -- transports -----------------------------------------------------------------
    def _get_transport(self, target: Target) -> Any:
        transports = self._clients().transports
        return google_call(
            f"get transport {target.transport_name}",
            not_found(lambda: transports.get_transport(name=target.transport_name, retry=None)),
        )

    def _create_transport(self, record: ConnectionRecord, target: Target, key: str) -> Any:
        from google.cloud import networkconnectivity_v1beta as nc

        transports = self._clients().transports
        transport = nc.Transport(
            description=f"AWS Interconnect {record.awsConnectionId or ''} for {record.connectionId}".strip(),
            labels={"icp-connection-id": record.connectionId},
            # The key alone: bandwidth, remote_profile and remote_account_id come with it (and
            # sending them too is refused, see the module docstring).
            provided_activation_key=key,
            network=target.network,
            advertised_routes=list(target.google_cidrs),
        )
        request = nc.CreateTransportRequest(
            parent=target.parent,
            transport_id=target.transport_id,
            transport=transport,
            request_id=target.request_id("create"),
        )
        what = f"create transport {target.transport_name}"
        operation = google_call(
            what,
            absent(
                "AlreadyExists",
                lambda: transports.create_transport(request=request, retry=None, timeout=CALL_TIMEOUT),
            ),
            key=key,
        )
        created = None
        if operation is not None:
            try:
                created = wait_operation(what, operation, key=key)
            except RemoteSideError as exc:
                if exc.rule != "google-409":
                    raise
        if created is None:
            # An earlier attempt (a lost reply, another request id) created it: reuse that one.
            logger.info("transport %s was created by an earlier attempt; reusing it", target.transport_name)
            created = self._get_transport(target)
            if created is None:
                raise RemoteSideError(f"transport {target.transport_name} exists but cannot be read")
            return created
        logger.info("created transport %s in %s", target.transport_name, target.network)
        return created

    def _advertise(self, target: Target, transport: Any) -> Any:
        from google.cloud import networkconnectivity_v1beta as nc
        from google.protobuf import field_mask_pb2

        routes = list(transport.advertised_routes)
        routes += [cidr for cidr in target.google_cidrs if cidr not in routes]
        request = nc.UpdateTransportRequest(
            transport=nc.Transport(name=target.transport_name, advertised_routes=routes),
            update_mask=field_mask_pb2.FieldMask(paths=["advertised_routes"]),
            request_id=target.request_id("advertise:" + ",".join(sorted(routes))),
        )
        transports = self._clients().transports
        what = f"update advertised routes of {target.transport_name}"
        operation = google_call(
            what, lambda: transports.update_transport(request=request, retry=None, timeout=CALL_TIMEOUT)
        )
        return wait_operation(what, operation)

    def _delete_transport(self, target: Target) -> None:
        from google.cloud import networkconnectivity_v1beta as nc

        request = nc.DeleteTransportRequest(
            name=target.transport_name, request_id=target.request_id("delete")
        )
        transports = self._clients().transports
        what = f"delete transport {target.transport_name}"
        operation = google_call(
            what,
            not_found(lambda: transports.delete_transport(request=request, retry=None, timeout=CALL_TIMEOUT)),
        )
        if operation is not None:
            wait_operation(what, operation)
        logger.info("deleted transport %s", target.transport_name)

    # -- peering --------------------------------------------------------------------


def network_mtu(project: str, network: str) -> int:
    """``GoogleCloudSide().network_mtu`` with the environment's clients: the MTU of a VPC
    network (1460 when unset), or UnknownNetwork naming ``remote.network``."""
    return GoogleCloudSide().network_mtu(project, network)
