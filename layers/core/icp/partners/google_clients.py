"""The Google Cloud clients of the adapter (icp.partners.google_cloud): Compute Engine over REST
and Network Connectivity over gRPC, with workload identity federation credentials in AWS, or
anonymous ones against the local cloud's loopback endpoints. Configuration: see the adapter's
docstring. Request payloads (the activation key) are kept out of the logs.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from icp import config
from icp.errors import RemoteSideError
from icp.observability import tracer

if TYPE_CHECKING:  # the client libraries are imported when first used (cold starts)
    from google.cloud import compute_v1, networkconnectivity_v1beta

_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
# gRPC transport loggers that put whole request payloads (the activation key) on DEBUG records.
_PAYLOAD_LOGGERS = (
    "google.cloud.networkconnectivity_v1beta.services.transport_manager.transports.grpc",
    "google.cloud.compute_v1.services.networks.transports.rest",
)


@dataclass(frozen=True)
class GoogleClients:
    transports: networkconnectivity_v1beta.TransportManagerClient
    networks: compute_v1.NetworksClient
    operations: compute_v1.GlobalOperationsClient


def google_clients() -> GoogleClients:
    """The Google clients for the current environment (built once per configuration)."""
    settings = config.settings()
    return _clients_for(
        settings.google_api_endpoint, settings.google_grpc_endpoint, settings.google_wif_config
    )


@functools.lru_cache(maxsize=4)
def _clients_for(rest_endpoint: str, grpc_endpoint: str, wif_config: str) -> GoogleClients:
    _keep_payloads_out_of_logs()
    # Compute Engine's REST transport and the token exchange go through requests, which the
    # core's Tracer leaves unpatched elsewhere (icp.observability): traced here, where it is used.
    tracer.patch(["requests"])
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
