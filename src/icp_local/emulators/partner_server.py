"""The local cloud's outside world on loopback: Google Cloud APIs and the partner order API.

``PartnerServer`` runs, on 127.0.0.1 with ephemeral ports only:

- an HTTP server (``http.server.ThreadingHTTPServer``, ``.url``) with
  - the Compute Engine REST routes that ``compute_v1.NetworksClient`` and
    ``GlobalOperationsClient`` call for the methods ``icp.partners.google_cloud`` uses::

        GET   /compute/v1/projects/{project}/global/networks/{network}
        POST  /compute/v1/projects/{project}/global/networks/{network}/addPeering
        POST  /compute/v1/projects/{project}/global/networks/{network}/removePeering
        PATCH /compute/v1/projects/{project}/global/networks/{network}/updatePeering
        GET   /compute/v1/projects/{project}/global/networks/{network}/listPeeringRoutes
              ?direction=INCOMING|OUTGOING&peeringName=...&region=...
        GET   /compute/v1/projects/{project}/global/operations/{operation}
        POST  /compute/v1/projects/{project}/global/operations/{operation}/wait

  - the partner order API of ``icp.partners.last_mile`` for every simulated partner,
    under ``/partners/{provider}``::

        PUT    /partners/{provider}/v1/activations/{sharedId}
        PUT    /partners/{provider}/v1/activations/{sharedId}/routes
        GET    /partners/{provider}/v1/activations/{sharedId}
        DELETE /partners/{provider}/v1/activations/{sharedId}

    Each request must be signed with the partner's ``shared_secret`` (401 otherwise),
    with a timestamp within 300 s of the simulated clock.

- a gRPC server (``.grpc_target``) with the Network Connectivity ``TransportManager``
  (``google.cloud.networkconnectivity.v1beta.TransportManager``: CreateTransport,
  GetTransport, GetStatus, ListTransports, UpdateTransport, DeleteTransport) and
  ``google.longrunning.Operations/GetOperation``. google-cloud-network-connectivity
  ships no REST transport for it, so the real client reaches the emulator over gRPC.

``environment()`` gives the variables that point ``icp.partners`` at it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import grpc
from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid

from icp_local.clock import SimClock
from icp_local.emulators.google_cloud import GoogleApiError, GoogleCloudEmulator
from icp_local.emulators.google_grpc import grpc_handlers
from icp_local.emulators.http_base import BackgroundServer, JsonHandler
from icp_local.emulators.partners import Interconnect, OrderError, PartnerSimulator

logger = logging.getLogger(__name__)

_MAX_BODY = 1 << 20
_NETWORK = re.compile(r"^/compute/v1/projects/([^/]+)/global/networks/([^/]+)(?:/([A-Za-z]+))?$")
_OPERATION = re.compile(r"^/compute/v1/projects/([^/]+)/global/operations/([^/]+?)(/wait)?$")
_ACTIVATION = re.compile(r"^/partners/([^/]+)/v1/activations/([^/]+?)(/routes)?$")
_COMPUTE_REASONS = {404: "notFound", 409: "alreadyExists", 400: "invalid", 429: "rateLimitExceeded"}


def _require_loopback(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"PartnerServer binds a loopback IP address only, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"PartnerServer binds a loopback IP address only, not {host!r}")
    return address


class PartnerServer(BackgroundServer):
    def __init__(
        self,
        clock: SimClock,
        interconnect: Interconnect,
        google: GoogleCloudEmulator,
        partners: Mapping[str, PartnerSimulator],
        *,
        host: str = "127.0.0.1",
    ):
        self._address = _require_loopback(host)
        self.clock = clock
        self.interconnect = interconnect
        self.google = google
        self.partners = partners
        self._grpc: grpc.Server | None = None
        self._grpc_port = 0

    def start(self) -> PartnerServer:
        if self._http is not None:
            return self
        host = str(self._address)
        handler = type("PartnerHandler", (_Handler,), {"app": self})
        server_class = _Http6Server if self._address.version == 6 else ThreadingHTTPServer
        self._serve(server_class((host, 0), handler), "partner-server")
        self._grpc = grpc.server(ThreadPoolExecutor(max_workers=8, thread_name_prefix="google-grpc"))
        self._grpc.add_generic_rpc_handlers(grpc_handlers(self.google))
        target = f"[{host}]:0" if self._address.version == 6 else f"{host}:0"
        self._grpc_port = self._grpc.add_insecure_port(target)
        self._grpc.start()
        logger.info("partner server on %s, Google gRPC on %s", self.url, self.grpc_target)
        return self

    def stop(self) -> None:
        if self._grpc is not None:
            self._grpc.stop(grace=None).wait()
            self._grpc = None
        self._stop_serving()

    @property
    def url(self) -> str:
        host, port = self._bound()
        return f"http://[{host}]:{port}" if self._address.version == 6 else f"http://{host}:{port}"

    @property
    def grpc_target(self) -> str:
        if self._grpc is None:
            raise RuntimeError("PartnerServer is not started")
        host = str(self._address)
        return f"[{host}]:{self._grpc_port}" if self._address.version == 6 else f"{host}:{self._grpc_port}"

    def partner_url(self, provider: str) -> str:
        """The base URL of one partner's order API (``LAST_MILE_PARTNERS[provider].url``)."""
        return f"{self.url}/partners/{provider}"

    def environment(self, secret_arns: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables pointing ``icp.partners`` here. With ``secret_arns``
        (provider → the Secrets Manager secret holding that partner's shared secret),
        ``LAST_MILE_PARTNERS`` too."""
        env = {"GOOGLE_API_ENDPOINT": self.url, "GOOGLE_GRPC_ENDPOINT": self.grpc_target}
        if secret_arns:
            env["LAST_MILE_PARTNERS"] = json.dumps(
                {p: {"url": self.partner_url(p), "secretArn": arn} for p, arn in secret_arns.items()}
            )
        return env


class _Http6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


# --- HTTP: Compute Engine REST and the partner order API -------------------------------
class _Handler(JsonHandler):
    app: PartnerServer
    server_version = "icp-partner-server"
    log_name = "partner server"  # request lines only (paths hold no keys)

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._reply(413, {"error": "TooLarge", "message": "body too large"})
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path
        try:
            if path.startswith("/compute/v1/"):
                self._compute(method, path, parse_qs(parts.query), body)
            elif path.startswith("/partners/"):
                self._partner(method, path, body)
            else:
                self._reply(404, {"error": "NotFound", "message": f"no route {method} {path}"})
        except Exception:
            logger.exception("partner server failed on %s %s", method, path)
            self._reply(500, {"error": "Internal", "message": "emulator error"})

    # -- Compute Engine -------------------------------------------------------------
    def _compute(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        google = self.app.google
        try:
            fault = google.take_fault()
            if fault is not None:
                raise fault
            self._reply(200, self._compute_route(google, method, path, query, body))
        except GoogleApiError as err:
            status = err.http_status
            reason = _COMPUTE_REASONS.get(status, "backendError")
            error = {"code": status, "message": err.message, "status": err.status,
                     "errors": [{"message": err.message, "domain": "global", "reason": reason}]}  # fmt: skip
            self._reply(status, {"error": error})

    def _compute_route(
        self, google: GoogleCloudEmulator, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> dict[str, Any]:
        payload = json.loads(body) if body else {}
        if match := _OPERATION.match(path):
            project, operation, wait = match.groups()
            if (method, bool(wait)) in {("GET", False), ("POST", True)}:
                return google.get_compute_operation(unquote(project), unquote(operation))
        elif match := _NETWORK.match(path):
            project, network, action = (unquote(g) if g else g for g in match.groups())
            route: dict[tuple[str, str | None], Callable[[], dict[str, Any]]] = {
                ("GET", None): lambda: google.get_network(project, network),
                ("POST", "addPeering"): lambda: google.add_peering(project, network, payload),
                ("POST", "removePeering"): lambda: google.remove_peering(project, network, payload),
                ("PATCH", "updatePeering"): lambda: google.update_peering(project, network, payload),
                ("GET", "listPeeringRoutes"): lambda: _peering_routes(google, project, network, query),
            }
            if (method, action) in route:
                return route[(method, action)]()
        raise GoogleApiError("NOT_FOUND", f"the emulator does not serve {method} {path}")

    # -- partner order API ---------------------------------------------------------
    def _partner(self, method: str, path: str, body: bytes) -> None:
        match = _ACTIVATION.match(path)
        partner = self.app.partners.get(unquote(match.group(1))) if match else None
        if match is None or partner is None:
            self._reply(404, {"error": "NotFound", "message": f"no route {method} {path}"})
            return
        shared_id, routes = unquote(match.group(2)), bool(match.group(3))
        if not signature_valid(
            partner.shared_secret,
            self.headers.get(TIMESTAMP_HEADER),
            self.headers.get(SIGNATURE_HEADER),
            body,
            now=self.app.clock.time(),
        ):
            self._reply(401, {"error": "InvalidSignature", "message": "signature or timestamp not valid"})
            return
        fault = partner.take_fault()
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
            self._reply(status, {"error": "Throttled", "message": "injected failure"}, headers)
            return
        try:
            payload = json.loads(body) if body else {}
            if not isinstance(payload, dict):
                raise OrderError(400, "InvalidRequest", "the body must be a JSON object")
            if method == "PUT" and routes:
                self._reply(200, partner.put_routes(shared_id, payload))
            elif method == "PUT":
                created, view = partner.put_order(shared_id, payload)
                self._reply(201 if created else 200, view)
            elif method == "GET" and not routes:
                self._reply(200, partner.get_order(shared_id))
            elif method == "DELETE" and not routes:
                partner.delete_order(shared_id)
                self._reply(204)
            else:
                self._reply(405, {"error": "MethodNotAllowed", "message": f"{method} {path}"})
        except json.JSONDecodeError:
            self._reply(400, {"error": "InvalidRequest", "message": "the body is not JSON"})
        except OrderError as err:
            self._reply(err.status, {"error": err.error, "message": err.message})


def _peering_routes(
    google: GoogleCloudEmulator, project: str, network: str, query: dict[str, list[str]]
) -> dict[str, Any]:
    def param(*names: str) -> str | None:
        return next((query[n][0] for n in names if query.get(n)), None)

    items = google.list_peering_routes(
        project,
        network,
        peering_name=param("peeringName", "peering_name") or "",
        direction=param("direction") or "",
        region=param("region"),
    )
    return {"kind": "compute#exchangedPeeringRoutesList", "id": network, "items": items}
