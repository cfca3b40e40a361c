"""The data of the Google Cloud emulator (icp_local.emulators.google_cloud): the APIs' own
values and patterns, Google's error statuses, and the transports, operations, networks and
peerings it keeps. Every value has a row in docs/conformance.md naming its public source.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from icp_local.clock import SimClock
from icp_local.emulators.partners import Interconnect

COMPUTE_BASE = "https://www.googleapis.com/compute/v1/"
ID_PATTERN = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
PARENT = re.compile(r"^projects/([^/]+)/locations/([^/]+)$")
TRANSPORT_NAME = re.compile(r"^projects/([^/]+)/locations/([^/]+)/transports/([^/]+)$")
NETWORK_PATH = re.compile(r"projects/([^/]+)/global/networks/([^/]+)$")
AWS_TO_TRANSPORT_STATE = {
    "requested": "PENDING_KEY",
    "pending": "PENDING_CONFIG",
    "available": "ACTIVE",
    "updating": "ACTIVE",
    "down": "ACTIVE",
}
LINK_UP = {"available", "updating"}
UPDATABLE = {"advertised_routes", "description", "labels", "admin_enabled", "bandwidth"}
# Fields a create with an activation key must not carry (the key brings them from AWS).
NOT_WITH_KEY = ("bandwidth", "remote_profile", "remote_account_id")
# The AWS Interconnect provider value for Google Cloud: the API's ("gcp") and the local cloud's
# old one ("google-cloud"), both accepted while the interconnect emulator moves to the first.
GOOGLE_PROVIDERS = {"gcp", "google-cloud"}
BANDWIDTHS = {
    "BPS_50M", "BPS_100M", "BPS_200M", "BPS_300M", "BPS_400M", "BPS_500M", "BPS_1G", "BPS_2G", "BPS_5G",
    "BPS_10G", "BPS_20G", "BPS_50G", "BPS_100G",
}  # fmt: skip
AWS_BANDWIDTH = re.compile(r"^(\d+)([MG])bps$")
DEFAULT_NETWORK_MTU = 1460  # what Google documents for a network whose mtu is unset
MTU_RANGE = (1300, 8896)
HTTP_STATUS = {
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
        return HTTP_STATUS.get(self.status, 500)


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def network_path(url: str) -> str:
    """``projects/p/global/networks/n`` from a full or partial network URL."""
    match = NETWORK_PATH.search(url)
    if not match:
        raise GoogleApiError("INVALID_ARGUMENT", f"not a network: {url!r}")
    return f"projects/{match.group(1)}/global/networks/{match.group(2)}"


def transport_bandwidth(aws_bandwidth: Any) -> str:
    """The ``Transport.Bandwidth`` value of an AWS bandwidth (``"1Gbps"`` → ``BPS_1G``)."""
    match = AWS_BANDWIDTH.match(str(aws_bandwidth or ""))
    if not match:
        return "BANDWIDTH_UNSPECIFIED"
    mbps = int(match.group(1)) * (1000 if match.group(2) == "G" else 1)
    name = f"BPS_{mbps // 1000}G" if mbps >= 1000 and mbps % 1000 == 0 else f"BPS_{mbps}M"
    return name if name in BANDWIDTHS else "BANDWIDTH_UNSPECIFIED"


def for_google(connection: dict[str, Any]) -> bool:
    """Whether an AWS connection is to Google Cloud (a connection that names no provider,
    as test doubles may, counts as one)."""
    provider = connection.get("provider")
    if not isinstance(provider, dict) or not provider:
        return True
    return str(provider.get("cloudServiceProvider", "")).lower() in GOOGLE_PROVIDERS


def cidrs(values: Iterable[Any], what: str) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(str(value), strict=True)))
        except ValueError:
            raise GoogleApiError("INVALID_ARGUMENT", f"{what}: {value!r} is not an IP prefix") from None
    return out


@dataclass
class TransportRecord:
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
    # Created from Google's side (a proposal): the key is Google's ``generated_activation_key``.
    generated: bool = False


@dataclass
class LongRunning:
    name: str
    verb: str
    target: str
    started_at: float
    done_at: float
    empty_response: bool = False
    response: dict[str, Any] | None = None
    done: bool = False


@dataclass
class PeeringRecord:
    name: str
    peer: str  # projects/p/global/networks/n
    import_custom_routes: bool
    export_custom_routes: bool
    created_at: float


@dataclass
class NetworkRecord:
    project: str
    name: str
    id: int
    created_at: float
    mtu: int | None = DEFAULT_NETWORK_MTU  # None: the field is absent (Google then uses 1460)
    subnets: list[str] = field(default_factory=list)
    peerings: dict[str, PeeringRecord] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"projects/{self.project}/global/networks/{self.name}"


class GoogleCloudState:
    """What ``GoogleCloudEmulator.__init__`` sets and its mixins (views, Compute, test controls) read:
    declared once here, so that each mixin is type-checked against it."""

    clock: SimClock
    interconnect: Interconnect
    mtu_limit: int
    networks_on_demand: bool
    compute_operation_polls: int
    generation: int
    _lock: threading.RLock
    _ids: Iterator[int]
    _aws_prefixes: Callable[[dict[str, Any]], Iterable[str]]
    _transports: dict[str, TransportRecord]
    _networks: dict[str, NetworkRecord]
    _compute_ops: dict[str, dict[str, Any]]
    _compute_polls: dict[str, int]
    _faults: list[GoogleApiError]

    if TYPE_CHECKING:  # defined by GoogleCloudEmulator

        def _changed(self) -> None: ...
        def _sweep(self) -> None: ...
        def _transport_on(self, network: str) -> TransportRecord | None: ...
