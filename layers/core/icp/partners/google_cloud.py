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

import functools
import ipaddress
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from icp import clock, config
from icp.errors import PartnerRejected, RemoteSideError, RoutesNotConverged, UnknownNetwork
from icp.models import ConnectionRecord, RemoteMulticloud
from icp.partners.base import uncovered
from icp.retry import Backoff, TryAgain, retrying

if TYPE_CHECKING:  # the client libraries are imported when first used (cold starts)
    from google.cloud import compute_v1, networkconnectivity_v1beta

logger = logging.getLogger(__name__)

T = TypeVar("T")

_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
# Request ids must be UUIDs; derived from the connectionId so a retry is the same request.
_REQUEST_NAMESPACE = uuid.UUID("0f5e3c1a-8d7b-4f0e-9a61-3c2b7d9e4a10")
_BACKOFF = Backoff(attempts=5, base=1.0, cap=30.0)
_CALL_TIMEOUT = 60.0
_OPERATION_TIMEOUT = 1800.0
# A network whose ``mtu`` is unset runs at 1460 (Compute Engine's documented default).
DEFAULT_NETWORK_MTU = 1460
# GetStatus's overall_status (the most critical status) as a link state. DISCONNECTED (the
# VPC peering was taken down) counts as down: AWS traffic no longer reaches the network.
_LINK_STATUS = {"ACTIVE": "up", "DOWN": "down", "DISCONNECTED": "down"}
# Its operational_status, read only when overall_status says nothing (unspecified).
_OPERATIONAL_STATUS = {"OPERATIONAL_STATUS_ACTIVE": "up", "OPERATIONAL_STATUS_DOWN": "down"}
# gRPC transport loggers that put whole request payloads (the activation key) on DEBUG records.
_PAYLOAD_LOGGERS = (
    "google.cloud.networkconnectivity_v1beta.services.transport_manager.transports.grpc",
    "google.cloud.compute_v1.services.networks.transports.rest",
)


# --- clients ------------------------------------------------------------------------
@dataclass(frozen=True)
class GoogleClients:
    transports: networkconnectivity_v1beta.TransportManagerClient
    networks: compute_v1.NetworksClient
    operations: compute_v1.GlobalOperationsClient


def google_clients() -> GoogleClients:
    """The Google clients for the current environment (built once per configuration)."""
    settings = config.settings()
    return _clients_for(settings.google_api_endpoint, settings.google_grpc_endpoint, settings.google_wif_config)


@functools.lru_cache(maxsize=4)
def _clients_for(rest_endpoint: str, grpc_endpoint: str, wif_config: str) -> GoogleClients:
    _keep_payloads_out_of_logs()
    if rest_endpoint or grpc_endpoint:
        return _local_clients(rest_endpoint, grpc_endpoint)
    return _federated_clients(wif_config)


def _local_clients(rest_endpoint: str, grpc_endpoint: str) -> GoogleClients:
    import grpc
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import compute_v1, networkconnectivity_v1beta
    from google.cloud.networkconnectivity_v1beta.services.transport_manager.transports import (
        TransportManagerGrpcTransport,
    )

    if not (rest_endpoint and grpc_endpoint):
        raise RemoteSideError(
            "set GOOGLE_API_ENDPOINT and GOOGLE_GRPC_ENDPOINT together (local cloud only)",
            field="GOOGLE_API_ENDPOINT",
        )
    # Anonymous plaintext calls are for the local cloud: refuse anything but loopback.
    _require_loopback("GOOGLE_API_ENDPOINT", urlsplit(rest_endpoint).hostname)
    _require_loopback("GOOGLE_GRPC_ENDPOINT", grpc_endpoint.rpartition(":")[0].strip("[]"))
    options = {"api_endpoint": rest_endpoint}
    anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
    channel = grpc.insecure_channel(grpc_endpoint)
    return GoogleClients(
        transports=networkconnectivity_v1beta.TransportManagerClient(
            transport=TransportManagerGrpcTransport(channel=channel)
        ),
        networks=compute_v1.NetworksClient(transport="rest", client_options=options, credentials=anonymous),
        operations=compute_v1.GlobalOperationsClient(
            transport="rest", client_options=options, credentials=anonymous
        ),
    )


def _federated_clients(wif_config: str) -> GoogleClients:
    from google.cloud import compute_v1, networkconnectivity_v1beta

    credentials = _federated_credentials(_wif_info(wif_config))
    return GoogleClients(
        transports=networkconnectivity_v1beta.TransportManagerClient(credentials=credentials),
        networks=compute_v1.NetworksClient(credentials=credentials),
        operations=compute_v1.GlobalOperationsClient(credentials=credentials),
    )


def _federated_credentials(info: dict[str, Any]) -> Any:
    """External-account credentials, built without a network call. (``load_credentials_from_dict``
    exchanges a token and asks Resource Manager for the project at load time: a cold-start cost
    and a failure point before the first real call.)"""
    from google.auth import aws, identity_pool

    if info.get("subject_token_type") == "urn:ietf:params:aws:token-type:aws4_request":
        # The usual case: the subject token is signed with the Lambda role's credentials.
        return aws.Credentials.from_info(info, scopes=_SCOPES)
    if "executable" in (info.get("credential_source") or {}):
        raise RemoteSideError(
            "GOOGLE_WIF_CONFIG must not run an executable credential source", field="GOOGLE_WIF_CONFIG"
        )
    try:
        return identity_pool.Credentials.from_info(info, scopes=_SCOPES)
    except ValueError as exc:
        raise RemoteSideError(f"GOOGLE_WIF_CONFIG is not usable: {exc}", field="GOOGLE_WIF_CONFIG") from None


def _wif_info(wif_config: str) -> dict[str, Any]:
    if not wif_config:
        raise RemoteSideError(
            "GOOGLE_WIF_CONFIG is not set: give the workload identity federation credential configuration",
            field="GOOGLE_WIF_CONFIG",
        )
    try:
        info = json.loads(wif_config)
    except json.JSONDecodeError:
        raise RemoteSideError("GOOGLE_WIF_CONFIG is not JSON", field="GOOGLE_WIF_CONFIG") from None
    # Only federation: a service-account key pasted here would be a stored long-lived secret.
    if not isinstance(info, dict) or info.get("type") != "external_account":
        raise RemoteSideError(
            "GOOGLE_WIF_CONFIG must be an external_account (workload identity federation) configuration",
            field="GOOGLE_WIF_CONFIG",
            rule="workload-identity-federation",
        )
    token_url = urlsplit(str(info.get("token_url", "")))
    if token_url.scheme != "https" or not (token_url.hostname or "").endswith(".googleapis.com"):
        raise RemoteSideError("GOOGLE_WIF_CONFIG token_url must be a googleapis.com https URL")
    return info


def _require_loopback(variable: str, host: str | None) -> None:
    if host == "localhost":
        return
    try:
        if host and ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise RemoteSideError(f"{variable} must name a loopback address (local cloud only)", field=variable)


class _DropPayloadRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(hasattr(record, name) for name in ("request", "httpRequest"))


def _keep_payloads_out_of_logs() -> None:
    # At DEBUG the client libraries attach whole requests to log records; CreateTransport's
    # carries the activation key. Drop those records rather than trust every formatter.
    for name in _PAYLOAD_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _DropPayloadRecords) for f in target.filters):
            target.addFilter(_DropPayloadRecords())


# --- errors and retries ---------------------------------------------------------------
def _is_transient(exc: Exception) -> bool:
    from google.api_core import exceptions
    from requests import exceptions as http_exceptions

    transient = (
        exceptions.TooManyRequests,  # 429, and RESOURCE_EXHAUSTED
        exceptions.ServiceUnavailable,  # 503, and UNAVAILABLE
        exceptions.DeadlineExceeded,
        http_exceptions.ConnectionError,
        http_exceptions.Timeout,
    )
    return isinstance(exc, transient)


def _remote_error(what: str, exc: Exception, key: str | None) -> RemoteSideError:
    from google.api_core import exceptions

    if isinstance(exc, exceptions.GoogleAPICallError):
        detail = f"{exc.code} {exc.message}" if exc.code else str(exc.message)
    else:
        detail = type(exc).__name__
    message = f"Google Cloud {what} failed: {detail}"
    code = getattr(exc, "code", None)
    rule = f"google-{code}" if isinstance(code, int) else "google-api"
    return RemoteSideError(message.replace(key, "***") if key else message, rule=rule)


def _call(what: str, fn: Callable[[], T], *, key: str | None = None) -> T:
    """Run one Google call through the one retry loop: transient failures with backoff on the
    core clock; any other answer from Google is a RemoteSideError at once."""
    import google.auth.exceptions

    def attempt(_fresh: bool) -> T:
        try:
            return fn()
        except google.auth.exceptions.GoogleAuthError as exc:
            raise RemoteSideError(
                f"Google Cloud authentication failed for {what}: {type(exc).__name__}", rule="google-auth"
            ) from None
        except Exception as exc:
            if _is_transient(exc):
                raise TryAgain(type(exc).__name__, outcome=exc) from None
            if _is_api_error(exc):
                # `from None`: a chained original could repeat the request, key included.
                raise _remote_error(what, exc, key) from None
            raise  # not an answer from Google: a bug to see as it is

    try:
        return retrying(f"Google Cloud {what}", attempt, _BACKOFF)
    except TryAgain as spent:
        raise _remote_error(what, spent.outcome, key) from None


def _is_api_error(exc: Exception) -> bool:
    from google.api_core import exceptions

    return isinstance(exc, exceptions.GoogleAPICallError)


def _absent(error: str, fn: Callable[[], T]) -> Callable[[], T | None]:
    """``fn`` with the google.api_core exception named ``error`` read as None."""
    from google.api_core import exceptions

    expected = getattr(exceptions, error)

    def call() -> T | None:
        try:
            return fn()
        except expected:
            return None

    return call


def _not_found(fn: Callable[[], T]) -> Callable[[], T | None]:
    """``fn`` with NotFound read as None (a resource that does not exist)."""
    return _absent("NotFound", fn)


def _wait_operation(what: str, operation: Any, *, key: str | None = None) -> Any:
    """Wait for a Network Connectivity long-running operation, sleeping on the core clock
    (``operation.result()`` would poll on the wall clock)."""
    from google.api_core.retry import Retry

    # A Retry that retries nothing: _call retries on the core clock instead of the library's.
    refresh_once = Retry(predicate=lambda exc: False)
    deadline = clock.time() + _OPERATION_TIMEOUT
    delay = _BACKOFF.base
    while not _call(f"{what} (polling)", lambda: operation.done(retry=refresh_once), key=key):
        if clock.time() >= deadline:
            raise RemoteSideError(f"Google Cloud {what} did not finish within {_OPERATION_TIMEOUT:.0f} s")
        clock.sleep(delay)
        delay = min(delay * 2, _BACKOFF.cap)
    error = operation.exception()
    if error is not None:
        raise _remote_error(what, error, key)
    return operation.result()


# --- naming ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    """Where one connection lives on the Google side; every name derives from the record."""

    connection_id: str
    project: str
    region: str
    network_name: str
    google_cidrs: tuple[str, ...]
    aws_cidrs: tuple[str, ...]
    generation: int = 0  # how many times the AWS connection was replaced: each gets its own transport

    @classmethod
    def of(cls, record: ConnectionRecord) -> _Target:
        request = record.parsed_request
        remote = request.remote
        if not isinstance(remote, RemoteMulticloud):
            raise RemoteSideError(f"connection {record.connectionId} is not a multicloud request")
        return cls(
            record.connectionId,
            remote.project,
            request.remoteLocation,
            remote.network,
            tuple(remote.cidrs),
            tuple(request.aws.cidrs),
            record.replacements,
        )

    @property
    def parent(self) -> str:
        return f"projects/{self.project}/locations/{self.region}"

    @property
    def transport_id(self) -> str:
        # "icc-" + hex is a valid resource id; a replacement connection (a new activation key)
        # needs a transport of its own.
        return self.connection_id if not self.generation else f"{self.connection_id}-r{self.generation}"

    @property
    def transport_name(self) -> str:
        return f"{self.parent}/transports/{self.transport_id}"

    @property
    def network(self) -> str:
        return f"projects/{self.project}/global/networks/{self.network_name}"

    @property
    def peering_name(self) -> str:
        return f"icp-{self.connection_id}"

    def request_id(self, purpose: str) -> str:
        return str(uuid.uuid5(_REQUEST_NAMESPACE, f"{self.transport_id}:{purpose}"))


def _network_path(url: str) -> str:
    """``projects/p/global/networks/n`` from a full or partial network URL."""
    index = url.find("projects/")
    return url[index:] if index >= 0 else url


def _enum_name(value: Any) -> str:
    """The name of a proto enum value (an int the library does not know has none)."""
    return str(getattr(value, "name", ""))


# --- the adapter ----------------------------------------------------------------------
class GoogleCloudSide:
    """RemoteSide for multicloud connections (provider ``google-cloud``)."""

    def __init__(self, clients: Callable[[], GoogleClients] = google_clients):
        self._clients = clients

    def __repr__(self) -> str:
        return "GoogleCloudSide()"

    # -- RemoteSide ----------------------------------------------------------------
    def hand_off(self, record: ConnectionRecord, activation_key: str) -> dict[str, str]:
        target = _Target.of(record)
        transport = self._get_transport(target)
        if transport is None:
            transport = self._create_transport(record, target, activation_key)
        else:
            logger.info("transport %s already exists; reusing it", target.transport_name)
        return {"googleTransport": transport.name, "googleNetwork": target.network}

    def propagate_routes(self, record: ConnectionRecord) -> None:
        target = _Target.of(record)
        transport = self._get_transport(target)
        if transport is None:
            raise RemoteSideError(f"transport {target.transport_name} does not exist: hand off first")
        if uncovered(target.google_cidrs, transport.advertised_routes):
            transport = self._advertise(target, transport)
        if not transport.peering_network:
            raise RoutesNotConverged(f"transport {target.transport_name} has no peering network yet")
        self._ensure_peering(target, transport.peering_network)

    def missing_routes(self, record: ConnectionRecord) -> list[str]:
        target = _Target.of(record)
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
        target = _Target.of(record)
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

        target = _Target.of(record)
        transports = self._clients().transports
        request = nc.GetStatusRequest(name=target.transport_name, skip_cache=True)
        status = _call(
            f"get status of transport {target.transport_name}",
            _not_found(lambda: transports.get_status(request=request, retry=None, timeout=_CALL_TIMEOUT)),
        )
        if status is None:
            return None
        overall = _LINK_STATUS.get(_enum_name(status.overall_status))
        if overall is not None:
            return overall
        if _enum_name(status.overall_status) in ("", "OVERALL_STATUS_UNSPECIFIED"):
            return _OPERATIONAL_STATUS.get(_enum_name(status.operational_status))
        return None

    # -- networks -------------------------------------------------------------------
    def network_mtu(self, project: str, network: str) -> int:
        """The MTU of the VPC network ``projects/{project}/global/networks/{network}``
        (compute ``networks.get``; 1460, Google's default, when the field is unset).
        A network that does not exist is UnknownNetwork naming ``remote.network``."""
        networks = self._clients().networks
        path = f"projects/{project}/global/networks/{network}"
        found = _call(
            f"get network {path}",
            _not_found(lambda: networks.get(project=project, network=network, retry=None)),
        )
        if found is None:
            raise UnknownNetwork(
                f"Google Cloud network {network} does not exist in project {project}",
                field="remote.network",
                rule="exists",
            )
        return int(found.mtu) if "mtu" in found and found.mtu else DEFAULT_NETWORK_MTU

    # -- transports -----------------------------------------------------------------
    def _get_transport(self, target: _Target) -> Any:
        transports = self._clients().transports
        return _call(
            f"get transport {target.transport_name}",
            _not_found(lambda: transports.get_transport(name=target.transport_name, retry=None)),
        )

    def _create_transport(self, record: ConnectionRecord, target: _Target, key: str) -> Any:
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
        operation = _call(
            what,
            _absent(
                "AlreadyExists",
                lambda: transports.create_transport(request=request, retry=None, timeout=_CALL_TIMEOUT),
            ),
            key=key,
        )
        created = None
        if operation is not None:
            try:
                created = _wait_operation(what, operation, key=key)
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

    def _advertise(self, target: _Target, transport: Any) -> Any:
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
        operation = _call(
            what, lambda: transports.update_transport(request=request, retry=None, timeout=_CALL_TIMEOUT)
        )
        return _wait_operation(what, operation)

    def _delete_transport(self, target: _Target) -> None:
        from google.cloud import networkconnectivity_v1beta as nc

        request = nc.DeleteTransportRequest(
            name=target.transport_name, request_id=target.request_id("delete")
        )
        transports = self._clients().transports
        what = f"delete transport {target.transport_name}"
        operation = _call(
            what,
            _not_found(
                lambda: transports.delete_transport(request=request, retry=None, timeout=_CALL_TIMEOUT)
            ),
        )
        if operation is not None:
            _wait_operation(what, operation)
        logger.info("deleted transport %s", target.transport_name)

    # -- peering --------------------------------------------------------------------
    def _network(self, target: _Target) -> Any:
        networks = self._clients().networks
        return _call(
            f"get network {target.network}",
            lambda: networks.get(project=target.project, network=target.network_name, retry=None),
        )

    def _find_peering(self, target: _Target, peer_network: str) -> Any:
        peer = _network_path(peer_network)
        for peering in self._network(target).peerings:
            if _network_path(peering.network) == peer:
                return peering
        return None

    def _find_peering_named(self, target: _Target, name: str) -> Any:
        return next((p for p in self._network(target).peerings if p.name == name), None)

    def _ensure_peering(self, target: _Target, peer_network: str) -> None:
        from google.cloud import compute_v1

        peering = self._find_peering(target, peer_network)
        networks = self._clients().networks
        if peering is None:
            resource = compute_v1.NetworksAddPeeringRequest(
                network_peering=compute_v1.NetworkPeering(
                    name=target.peering_name,
                    network=peer_network,
                    exchange_subnet_routes=True,
                    import_custom_routes=True,
                    export_custom_routes=True,
                )
            )
            what = f"add peering {target.peering_name} to {target.network}"
            operation = _call(
                what,
                lambda: networks.add_peering_unary(
                    project=target.project,
                    network=target.network_name,
                    networks_add_peering_request_resource=resource,
                    retry=None,
                ),
            )
            self._wait_compute(what, target, operation)
            logger.info("peered %s with the network of transport %s", target.network, target.transport_name)
        elif not (peering.import_custom_routes and peering.export_custom_routes):
            update = compute_v1.NetworksUpdatePeeringRequest(
                network_peering=compute_v1.NetworkPeering(
                    name=peering.name, import_custom_routes=True, export_custom_routes=True
                )
            )
            what = f"update peering {peering.name} of {target.network}"
            operation = _call(
                what,
                lambda: networks.update_peering_unary(
                    project=target.project,
                    network=target.network_name,
                    networks_update_peering_request_resource=update,
                    retry=None,
                ),
            )
            self._wait_compute(what, target, operation)

    def _remove_peering(self, target: _Target, name: str) -> None:
        from google.cloud import compute_v1

        networks = self._clients().networks
        resource = compute_v1.NetworksRemovePeeringRequest(name=name)
        what = f"remove peering {name} from {target.network}"
        operation = _call(
            what,
            _not_found(
                lambda: networks.remove_peering_unary(
                    project=target.project,
                    network=target.network_name,
                    networks_remove_peering_request_resource=resource,
                    retry=None,
                )
            ),
        )
        if operation is not None:
            self._wait_compute(what, target, operation)

    def _imported_routes(self, target: _Target, peering_name: str) -> list[str]:
        from google.cloud import compute_v1

        networks = self._clients().networks
        request = compute_v1.ListPeeringRoutesNetworksRequest(
            project=target.project,
            network=target.network_name,
            peering_name=peering_name,
            direction="INCOMING",
            region=target.region,
        )
        routes = _call(
            f"list routes of peering {peering_name}",
            lambda: list(networks.list_peering_routes(request=request, retry=None)),
        )
        return [route.dest_range for route in routes if route.imported]

    def _wait_compute(self, what: str, target: _Target, operation: Any) -> None:
        """Wait for a Compute Engine global operation. Polled through our own
        GlobalOperationsClient: the one the library builds for ``.result()`` ignores the
        configured endpoint."""
        from google.cloud import compute_v1

        done = compute_v1.Operation.Status.DONE
        deadline = clock.time() + _OPERATION_TIMEOUT
        delay = _BACKOFF.base
        operations = self._clients().operations
        while operation.status != done:
            if clock.time() >= deadline:
                raise RemoteSideError(f"Google Cloud {what} did not finish within {_OPERATION_TIMEOUT:.0f} s")
            poll = functools.partial(
                operations.wait, project=target.project, operation=operation.name, retry=None
            )
            operation = _call(f"{what} (polling)", poll)
            if operation.status != done:
                clock.sleep(delay)
                delay = min(delay * 2, _BACKOFF.cap)
        if operation.error and operation.error.errors:
            first = operation.error.errors[0]
            raise RemoteSideError(
                f"Google Cloud {what} failed: {first.code} {first.message}", rule="google-api"
            )


def network_mtu(project: str, network: str) -> int:
    """``GoogleCloudSide().network_mtu`` with the environment's clients: the MTU of a VPC
    network (1460 when unset), or UnknownNetwork naming ``remote.network``."""
    return GoogleCloudSide().network_mtu(project, network)
