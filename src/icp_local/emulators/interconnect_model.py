"""The data of the AWS Interconnect emulator (icp_local.emulators.interconnect): the API's own
values, the environments each Region offers, connections and proposals, and the small helpers
the operations share. Every value has a row in docs/conformance.md naming its public source.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from icp_local.clock import SimClock, Timer
from icp_local.emulators.botocore_hooks import EmulatedError, ServiceEmulator
from icp_local.variants import Variants

if TYPE_CHECKING:
    from icp_local.emulators.directconnect import DirectConnectEmulator

logger = logging.getLogger("icp_local.emulators.interconnect")

# The API's own values (docs/conformance.md, "Provider values").
MULTICLOUD = "Multicloud"
LAST_MILE = "LastMile"
GCP = "gcp"
LUMEN = "lumen"

VALIDATION = "InterconnectValidationException"
CLIENT = "InterconnectClientException"
NOT_FOUND = "ResourceNotFoundException"
ACCESS_DENIED = "AccessDeniedException"
QUOTA = "ServiceQuotaExceededException"

MULTICLOUD_AVAILABLE = ("500Mbps", "1Gbps", "2Gbps", "5Gbps", "10Gbps")
MULTICLOUD_SUPPORTED = (*MULTICLOUD_AVAILABLE, "25Gbps", "50Gbps", "100Gbps")
# A ``limited`` environment has capacity for the smaller bandwidths only.
MULTICLOUD_LIMITED = ("500Mbps", "1Gbps", "2Gbps")
LAST_MILE_BANDWIDTHS = ("1Gbps", "2Gbps", "5Gbps", "10Gbps", "25Gbps", "50Gbps", "100Gbps")

# AWS Region -> (Google Cloud region, the airport code AWS puts in the environment id), as launched.
GOOGLE_CLOUD_PAIRS = {
    "us-east-1": ("us-east4", "iad"),
    "us-west-1": ("us-west2", "sfo"),
    "us-west-2": ("us-west1", "pdx"),
    "eu-west-2": ("europe-west2", "lhr"),
    "eu-central-1": ("europe-west3", "fra"),
    "ap-southeast-1": ("asia-southeast1", "sin"),  # listed on the region-availability page after launch
}
LIMITED_REGIONS = frozenset({"eu-central-1"})
LUMEN_REGION = "us-east-1"
# The metros AWS's last-mile getting-started guide names as examples.
LUMEN_METROS = ("new-york", "chicago", "seattle")

# Per environment type: the provider (its key and name), the bandwidths it supports, the form of
# remote account it asks for ("may be an email address (for Lumen)": the last-mile
# getting-started guide) and its activation page, to which the location is appended.
GOOGLE_ACTIVATION_PAGE = "https://console.cloud.google.com/network-connectivity/transports?region="
LUMEN_ACTIVATION_PAGE = "https://portal.lumen.com/aws-interconnect/activate?metro="


class Family(NamedTuple):
    provider_key: str  # "cloudServiceProvider" or "lastMileProvider"
    provider_name: str
    supported: tuple[str, ...]
    remote_identifier_type: str
    activation_page: str


FAMILIES = {
    MULTICLOUD: Family("cloudServiceProvider", GCP, MULTICLOUD_SUPPORTED, "account", GOOGLE_ACTIVATION_PAGE),
    LAST_MILE: Family("lastMileProvider", LUMEN, LAST_MILE_BANDWIDTHS, "email", LUMEN_ACTIVATION_PAGE),
}

# The local cloud's partner simulators are named in the product's vocabulary.
PARTNER_NAMES = {"google-cloud": GCP}

# Read-after-create lag (a variant) lasts at most this long after the create.
READ_AFTER_CREATE_WINDOW = 30.0

LIVE_STATES = frozenset({"requested", "pending", "available", "down", "updating", "deleting"})
MAX_TAGS = 50


def camel_view(source: object, names: str) -> dict[str, Any]:
    """The API's camelCase members for the space-separated snake_case attributes ``names``."""
    view = {}
    for name in names.split():
        head, *rest = name.split("_")
        view[head + "".join(word.title() for word in rest)] = getattr(source, name)
    return view


def api_error(code: str, message: str) -> EmulatedError:
    return EmulatedError(code, message)


@dataclass
class Environment:
    """One environment; what its type fixes (provider, supported bandwidths, the remote account's
    form, the activation page) is read from FAMILIES."""

    id: str
    region: str
    location: str
    type: str
    state: str
    available: tuple[str, ...]

    @property
    def provider_key(self) -> str:
        return FAMILIES[self.type].provider_key

    @property
    def provider_name(self) -> str:
        return FAMILIES[self.type].provider_name

    @property
    def supported(self) -> tuple[str, ...]:
        return FAMILIES[self.type].supported

    @property
    def remote_identifier_type(self) -> str:
        return FAMILIES[self.type].remote_identifier_type

    @property
    def activation_page_url(self) -> str:
        return FAMILIES[self.type].activation_page + self.location

    @property
    def provider(self) -> dict[str, str]:
        return {self.provider_key: self.provider_name}

    def view(self) -> dict[str, Any]:
        return {
            **camel_view(self, "provider location"),
            "environmentId": self.id,
            "state": self.state,
            "bandwidths": {"available": list(self.available), "supported": list(self.supported)},
            **camel_view(self, "type activation_page_url remote_identifier_type"),
        }


def default_environments() -> list[Environment]:
    environments = []
    for aws_region, (gcp_region, code) in GOOGLE_CLOUD_PAIRS.items():
        limited = aws_region in LIMITED_REGIONS
        state, available = ("limited", MULTICLOUD_LIMITED) if limited else ("available", MULTICLOUD_AVAILABLE)
        environments.append(
            Environment(f"mce-aws-gcp-{code}", aws_region, gcp_region, MULTICLOUD, state, available)
        )
    for metro in LUMEN_METROS:
        environments.append(
            Environment(
                f"lmce-aws-lumen-{metro}", LUMEN_REGION, metro, LAST_MILE, "available", LAST_MILE_BANDWIDTHS
            )
        )
    return environments


@dataclass
class Connection:
    id: str
    arn: str
    region: str
    description: str
    bandwidth: str
    attach_point: dict[str, str]
    environment: Environment
    state: str
    shared_id: str
    owner: str
    activation_key: str
    tags: dict[str, str]
    remote_account: str | None
    reason: str = ""
    timer: Timer | None = field(default=None, repr=False)
    # Reads still to miss it (read-after-create lag): one error code per read.
    misses: list[str] = field(default_factory=list, repr=False)
    accepted: bool = False  # the partner took the key (or the connection came from a proposal)
    created_at: float = 0.0

    @property
    def billing_tier(self) -> int:
        supported = self.environment.supported
        return supported.index(self.bandwidth) if self.bandwidth in supported else 0

    def summary(self) -> dict[str, Any]:
        return {
            **camel_view(self, "id arn description bandwidth"),
            "attachPoint": dict(self.attach_point),
            "environmentId": self.environment.id,
            **camel_view(self.environment, "provider location type"),
            **camel_view(self, "state shared_id billing_tier"),
        }

    def view(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "ownerAccount": self.owner,
            "activationKey": self.activation_key,
            "tags": dict(self.tags),
        }


@dataclass
class Proposal:
    key: str
    region: str
    environment: Environment
    bandwidth: str
    accepted_by: str | None = None  # connection id, once accepted


def short_id() -> str:
    """Eight lowercase letters and digits, as botocore's ``ConnectionId`` pattern has it."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def miss_message(code: str, identifier: str) -> str:
    if code == ACCESS_DENIED:
        # The model: access denied may also mean the resource does not exist (yet).
        return "User is not authorized to perform interconnect:GetConnection on this resource"
    return f"Connection {identifier} was not found"


def new_activation_key() -> str:
    return secrets.token_urlsafe(48)


def fingerprint_of(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True, default=str)


def with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        response["nextToken"] = token
    return response


class InterconnectState(ServiceEmulator):
    """What ``InterconnectEmulator.__init__`` sets and its mixins (records, rules, partner side) read:
    declared once here, so that each mixin is type-checked against it."""

    clock: SimClock
    directconnect: DirectConnectEmulator
    account_id: str
    max_connections: int
    max_requested: int
    max_per_provider: dict[str, int]  # provider type -> quota
    provisioning_seconds: float
    update_seconds: float
    delete_seconds: float
    preparing_seconds: float
    variants: Variants
    _environments: dict[str, Environment]
    _connections: dict[str, Connection]
    _proposals: dict[str, Proposal]
    _tokens: dict[tuple[str, str, str], tuple[str, str]]
