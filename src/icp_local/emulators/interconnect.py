"""AWS Interconnect, emulated: every operation of botocore's ``interconnect`` model.

Each Region has its own environments and its own view of connections; the Region is the
one of the client making the call. Partners (the Google Cloud and last-mile emulators)
drive the other side through plain-Python methods: ``find_by_activation_key``,
``partner_accept``, ``partner_reject``, ``partner_propose`` and ``set_link_state``.

Every value, id form, state, transition, error and rule here has a row in
docs/conformance.md naming its public source, or saying *assumption* and why. Where the
evidence allows two behaviours (the order of ``pending`` and ``requested``, reads that miss
a connection just created, a stale ``ListConnections``), ``icp_local.variants`` chooses
which one is played.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from icp_local.clock import SimClock, Timer
from icp_local.emulators.botocore_hooks import EmulatedError, ServiceEmulator
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.variants import DEFAULT, Variants

logger = logging.getLogger(__name__)

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

# The local cloud's partner simulators are named in the product's vocabulary.
_PARTNER_NAMES = {"google-cloud": GCP}

# Read-after-create lag (a variant) lasts at most this long after the create.
READ_AFTER_CREATE_WINDOW = 30.0

LIVE_STATES = frozenset({"requested", "pending", "available", "down", "updating", "deleting"})
MAX_TAGS = 50


def _error(code: str, message: str) -> EmulatedError:
    return EmulatedError(code, message)


@dataclass
class _Environment:
    id: str
    region: str
    provider_key: str  # "cloudServiceProvider" or "lastMileProvider"
    provider_name: str
    location: str
    type: str
    state: str
    available: tuple[str, ...]
    supported: tuple[str, ...]
    activation_page_url: str
    remote_identifier_type: str

    @property
    def provider(self) -> dict[str, str]:
        return {self.provider_key: self.provider_name}

    def view(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "location": self.location,
            "environmentId": self.id,
            "state": self.state,
            "bandwidths": {"available": list(self.available), "supported": list(self.supported)},
            "type": self.type,
            "activationPageUrl": self.activation_page_url,
            "remoteIdentifierType": self.remote_identifier_type,
        }


def default_environments() -> list[_Environment]:
    environments = [
        _Environment(
            id=f"mce-aws-gcp-{code}",
            region=aws_region,
            provider_key="cloudServiceProvider",
            provider_name=GCP,
            location=gcp_region,
            type=MULTICLOUD,
            state="limited" if aws_region in LIMITED_REGIONS else "available",
            available=MULTICLOUD_LIMITED if aws_region in LIMITED_REGIONS else MULTICLOUD_AVAILABLE,
            supported=MULTICLOUD_SUPPORTED,
            activation_page_url=f"https://console.cloud.google.com/network-connectivity/transports?region={gcp_region}",
            remote_identifier_type="account",
        )
        for aws_region, (gcp_region, code) in GOOGLE_CLOUD_PAIRS.items()
    ]
    environments += [
        _Environment(
            id=f"lmce-aws-lumen-{metro}",
            region=LUMEN_REGION,
            provider_key="lastMileProvider",
            provider_name=LUMEN,
            location=metro,
            type=LAST_MILE,
            state="available",
            available=LAST_MILE_BANDWIDTHS,
            supported=LAST_MILE_BANDWIDTHS,
            activation_page_url=f"https://portal.lumen.com/aws-interconnect/activate?metro={metro}",
            # "may be an email address (for Lumen)": the last-mile getting-started guide.
            remote_identifier_type="email",
        )
        for metro in LUMEN_METROS
    ]
    return environments


@dataclass
class _Connection:
    id: str
    arn: str
    region: str
    description: str
    bandwidth: str
    attach_point: dict[str, str]
    environment: _Environment
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
            "id": self.id,
            "arn": self.arn,
            "description": self.description,
            "bandwidth": self.bandwidth,
            "attachPoint": dict(self.attach_point),
            "environmentId": self.environment.id,
            "provider": self.environment.provider,
            "location": self.environment.location,
            "type": self.environment.type,
            "state": self.state,
            "sharedId": self.shared_id,
            "billingTier": self.billing_tier,
        }

    def view(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "ownerAccount": self.owner,
            "activationKey": self.activation_key,
            "tags": dict(self.tags),
        }


@dataclass
class _Proposal:
    key: str
    region: str
    environment: _Environment
    bandwidth: str
    accepted_by: str | None = None  # connection id, once accepted


class InterconnectEmulator(ServiceEmulator):
    service_name = "interconnect"
    validation_error_code = VALIDATION

    def __init__(
        self,
        clock: SimClock,
        directconnect: DirectConnectEmulator,
        account_id: str = "123456789012",
        *,
        max_connections: int = 10,
        max_requested: int = 4,
        max_multicloud_per_provider: int = 2,
        max_last_mile_per_provider: int = 2,
        provisioning_seconds: float = 300.0,
        update_seconds: float = 120.0,
        delete_seconds: float = 60.0,
        preparing_seconds: float = 30.0,
        variants: Variants = DEFAULT,
    ):
        super().__init__()
        self.clock = clock
        self.directconnect = directconnect
        self.account_id = account_id
        self.max_connections = max_connections
        self.max_requested = max_requested
        self.max_per_provider = {
            MULTICLOUD: max_multicloud_per_provider,
            LAST_MILE: max_last_mile_per_provider,
        }
        self.provisioning_seconds = provisioning_seconds
        self.update_seconds = update_seconds
        self.delete_seconds = delete_seconds
        # "pending-first": how long a new connection stays ``pending`` before ``requested``.
        self.preparing_seconds = preparing_seconds
        self.variants = variants
        # Region -> what the last ListConnections calls saw (newest last), for ``list_lag``.
        self._list_views: dict[str, list[list[_Connection]]] = {}
        self._served_view: dict[str, list[dict[str, Any]]] = {}
        self._environments = {env.id: env for env in default_environments()}
        self._connections: dict[str, _Connection] = {}
        self._proposals: dict[str, _Proposal] = {}
        # (region, operation, clientToken) -> (fingerprint of the request, connection id)
        self._tokens: dict[tuple[str, str, str], tuple[str, str]] = {}

    # ======================================================================================
    # Plain-Python surface for partner emulators and tests
    # ======================================================================================
    def connections(self) -> list[dict[str, Any]]:
        """Every connection of every Region, as GetConnection shows it (deleted ones too)."""
        with self._lock:
            return [conn.view() for conn in self._connections.values()]

    def live_resources(self) -> list[dict[str, Any]]:
        """Connections that are not ``deleted`` (``failed`` ones still exist at AWS)."""
        with self._lock:
            return [conn.view() for conn in self._connections.values() if conn.state != "deleted"]

    def environments(self) -> list[dict[str, Any]]:
        with self._lock:
            return [env.view() | {"region": env.region} for env in self._environments.values()]

    def set_environment_state(
        self, environment_id: str, state: str, available: tuple[str, ...] | list[str] | None = None
    ) -> None:
        """Make an environment ``available``, ``limited`` or ``unavailable`` (and change what it offers)."""
        if state not in ("available", "limited", "unavailable"):
            raise ValueError(f"not an environment state: {state!r}")
        with self._lock:
            env = self._environments[environment_id]
            env.state = state
            if available is not None:
                env.available = tuple(available)
            self._changed()

    def find_by_activation_key(self, key: str) -> dict[str, Any] | None:
        """The connection an activation key belongs to, with its ``region`` and ``remoteAccount``
        (what a partner verifies), or None."""
        with self._lock:
            conn = self._by_key(key)
            return self._partner_view(conn) if conn is not None else None

    def partner_accept(self, key: str) -> dict[str, Any]:
        """The partner accepted the key. "requested-first": ``requested`` -> ``pending``, then
        ``available`` after ``provisioning_seconds``. "pending-first": the connection stays
        ``requested`` while it is provisioned, then ``available`` (an acceptance shows no state of
        its own). A key accepted while the connection is still being prepared (``pending`` before
        ``requested``) is taken once it is ready. Accepting again is harmless."""
        with self._lock:
            conn = self._require_key(key)
            if conn.state not in ("requested", "pending", "available", "down", "updating"):
                raise ValueError(f"connection {conn.id} is {conn.state} and cannot be accepted")
            if conn.accepted:
                return self._partner_view(conn)
            conn.accepted = True
            if conn.state == "requested" and self.variants.state_order == "requested-first":
                self._set_state(conn, "pending")
                self._after(conn, self.provisioning_seconds, {"pending"}, "available")
            elif conn.state == "requested":
                self._after(conn, self.provisioning_seconds, {"requested"}, "available")
            elif conn.state == "pending":
                # Still being prepared (pending-first): available once prepared and provisioned.
                preparing_left = max(0.0, conn.created_at + self.preparing_seconds - self.clock.time())
                self._after(conn, preparing_left + self.provisioning_seconds, {"pending"}, "available")
            return self._partner_view(conn)

    def partner_reject(self, key: str, reason: str = "") -> dict[str, Any]:
        """The partner refused: the connection goes to ``failed``, and AWS gives no reason."""
        with self._lock:
            conn = self._require_key(key)
            if conn.state in ("requested", "pending"):
                conn.reason = reason
                self._cancel(conn)
                self._set_state(conn, "failed")
            elif conn.state != "failed":
                raise ValueError(f"connection {conn.id} is {conn.state} and cannot be rejected")
            return self._partner_view(conn)

    def partner_propose(self, region: str, provider: str, location: str, bandwidth: str) -> str:
        """A partner portal starts a connection; returns the activation key it shows the user."""
        with self._lock:
            env = next(
                (
                    e
                    for e in self._environments.values()
                    if e.region == region
                    and e.provider_name.lower() == _PARTNER_NAMES.get(provider, provider).lower()
                    and e.location == location
                ),
                None,
            )
            if env is None:
                raise ValueError(f"no {provider} environment at {location} in {region}")
            if bandwidth not in env.available:
                raise ValueError(f"{bandwidth} is not available in {env.id}")
            key = _new_activation_key()
            self._proposals[key] = _Proposal(key, region, env, bandwidth)
            self._changed()
            return key

    def set_link_state(self, connection_id: str, state: str) -> dict[str, Any]:
        """The link went ``down`` or came back (``available``), as AWS will then report it."""
        with self._lock:
            conn = self._find(connection_id)
            if conn is None:
                raise KeyError(connection_id)
            # A link can fail while it is being provisioned too (botocore's ConnectionAvailable
            # waiter fails on `down`).
            provisioning = conn.state == "pending" or (conn.state == "requested" and conn.accepted)
            if state == "down" and (provisioning or conn.state in ("available", "updating", "down")):
                self._cancel(conn)
                self._set_state(conn, "down")
            elif state == "available" and conn.state in ("down", "available"):
                self._set_state(conn, "available")
            else:
                raise ValueError(f"cannot set link of {conn.id} ({conn.state}) to {state!r}")
            return conn.view()

    def fail_connection(self, connection_id: str) -> dict[str, Any]:
        """AWS moves a running connection to ``failed`` (it can, with no message: say a policy
        now denies the partner side)."""
        with self._lock:
            conn = self._find(connection_id)
            if conn is None:
                raise KeyError(connection_id)
            self._cancel(conn)
            self._set_state(conn, "failed")
            return conn.view()

    # ======================================================================================
    # API operations
    # ======================================================================================
    def list_environments(
        self,
        maxResults: int | None = None,
        nextToken: str | None = None,
        provider: dict[str, str] | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        items = [
            env
            for env in self._environments.values()
            if env.region == self.region
            and (provider is None or env.provider == provider)
            and (location is None or env.location == location)
        ]
        page, token = self._page(items, maxResults, nextToken)
        return _with_token({"environments": [env.view() for env in page]}, token)

    def get_environment(self, id: str) -> dict[str, Any]:
        return {"environment": self._environment_here(id).view()}

    def list_attach_points(
        self, environmentId: str, maxResults: int | None = None, nextToken: str | None = None
    ) -> dict[str, Any]:
        self._environment_here(environmentId)
        gateways = [g for g in self.directconnect.gateways() if g["directConnectGatewayState"] == "available"]
        page, token = self._page(gateways, maxResults, nextToken)
        points = [
            {
                "type": "DirectConnectGateway",
                "identifier": g["directConnectGatewayId"],
                "name": g["directConnectGatewayName"],
            }
            for g in page
        ]
        return _with_token({"attachPoints": points}, token)

    def create_connection(
        self,
        bandwidth: str,
        attachPoint: dict[str, str],
        environmentId: str,
        description: str | None = None,
        remoteAccount: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        clientToken: str | None = None,
    ) -> dict[str, Any]:
        request = {
            "bandwidth": bandwidth,
            "attachPoint": attachPoint,
            "environmentId": environmentId,
            "description": description,
            "remoteAccount": remoteAccount,
            "tags": tags,
        }
        replay = self._replay("CreateConnection", clientToken, request)
        if replay is not None:
            return {"connection": replay.view()}
        env = self._environment_for_new_connection(environmentId)
        self._check_bandwidth(env, bandwidth)
        self._check_attach_point(attachPoint)
        remote = self._remote_account(env, remoteAccount)
        self._check_tags(tags or {})
        self._check_quotas(env, outstanding_request=True)
        if self.variants.state_order == "pending-first":
            conn = self._new_connection(env, bandwidth, attachPoint, description, tags, remote, "pending")
            self._after(conn, self.preparing_seconds, {"pending"}, "requested")
        else:
            conn = self._new_connection(env, bandwidth, attachPoint, description, tags, remote, "requested")
        conn.misses = list(self.variants.read_after_create_errors)
        self._remember("CreateConnection", clientToken, request, conn)
        return {"connection": conn.view()}

    def get_connection(self, identifier: str) -> dict[str, Any]:
        conn = self._connection_here(identifier)
        if self._missing(conn):
            code = conn.misses.pop(0)
            self._changed()  # the next read will see more
            raise _error(code, _miss_message(code, identifier))
        return {"connection": conn.view()}

    def list_connections(
        self,
        maxResults: int | None = None,
        nextToken: str | None = None,
        state: str | None = None,
        environmentId: str | None = None,
        provider: dict[str, str] | None = None,
        attachPoint: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if nextToken is None or self.region not in self._served_view:
            self._served_view[self.region] = self._list_view()
        items = [
            summary
            for summary in self._served_view[self.region]
            if (state is None or summary["state"] == state)
            and (environmentId is None or summary["environmentId"] == environmentId)
            and (provider is None or summary["provider"] == provider)
            and (attachPoint is None or summary["attachPoint"] == attachPoint)
        ]
        page, token = self._page(items, maxResults, nextToken)
        return _with_token({"connections": page}, token)

    def _list_view(self) -> list[dict[str, Any]]:
        """What a first-page ListConnections shows: this Region's connections as they are, or
        as they were ``list_lag`` calls ago; a connection still missing its first reads is left out."""
        current = []
        for conn in self._connections.values():
            if conn.region != self.region:
                continue
            if self._missing(conn):
                conn.misses.pop(0)
                self._changed()
                continue
            current.append(conn.summary())
        views = self._list_views.setdefault(self.region, [])
        views.append(current)
        del views[: -(self.variants.list_lag + 1)]
        served = views[0]
        if served != current:
            self._changed()  # the world has moved on: a later list will show it
        return served

    def update_connection(
        self,
        identifier: str,
        description: str | None = None,
        bandwidth: str | None = None,
        clientToken: str | None = None,
    ) -> dict[str, Any]:
        request = {"identifier": identifier, "description": description, "bandwidth": bandwidth}
        replay = self._replay("UpdateConnection", clientToken, request)
        if replay is not None:
            return {"connection": replay.view()}
        conn = self._connection_here(identifier)
        if conn.state in ("deleting", "deleted", "failed"):
            raise _error(CLIENT, f"Connection {conn.id} is {conn.state} and cannot be updated")
        if bandwidth is not None and bandwidth != conn.bandwidth:
            self._resize(conn, bandwidth)
        if description is not None and description != conn.description:
            conn.description = description
            self._changed()
        self._remember("UpdateConnection", clientToken, request, conn)
        return {"connection": conn.view()}

    def delete_connection(self, identifier: str, clientToken: str | None = None) -> dict[str, Any]:
        request = {"identifier": identifier}
        replay = self._replay("DeleteConnection", clientToken, request)
        if replay is not None:
            return {"connection": replay.view()}
        conn = self._connection_here(identifier)
        if conn.state not in ("deleting", "deleted"):
            self._cancel(conn)
            self._set_state(conn, "deleting")
            self._after(conn, self.delete_seconds, {"deleting"}, "deleted")
        self._remember("DeleteConnection", clientToken, request, conn)
        return {"connection": conn.view()}

    def describe_connection_proposal(self, activationKey: str) -> dict[str, Any]:
        proposal = self._open_proposal(activationKey)
        env = proposal.environment
        return {
            "bandwidth": proposal.bandwidth,
            "environmentId": env.id,
            "provider": env.provider,
            "location": env.location,
        }

    def accept_connection_proposal(
        self,
        attachPoint: dict[str, str],
        activationKey: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        clientToken: str | None = None,
    ) -> dict[str, Any]:
        request = {
            "attachPoint": attachPoint,
            "activationKey": activationKey,
            "description": description,
            "tags": tags,
        }
        replay = self._replay("AcceptConnectionProposal", clientToken, request)
        if replay is not None:
            return {"connection": replay.view()}
        proposal = self._open_proposal(activationKey)
        env = proposal.environment
        if env.state == "unavailable":
            raise _error(VALIDATION, f"Environment {env.id} is unavailable")
        self._check_attach_point(attachPoint)
        self._check_tags(tags or {})
        self._check_quotas(env, outstanding_request=False)
        conn = self._new_connection(
            env, proposal.bandwidth, attachPoint, description, tags, None, "pending", key=proposal.key
        )
        proposal.accepted_by = conn.id
        conn.accepted = True
        self._after(conn, self.provisioning_seconds, {"pending"}, "available")
        self._remember("AcceptConnectionProposal", clientToken, request, conn)
        return {"connection": conn.view()}

    def tag_resource(self, arn: str, tags: dict[str, str]) -> dict[str, Any]:
        conn = self._connection_by_arn(arn)
        merged = {**conn.tags, **tags}
        self._check_tags(merged)
        conn.tags = merged
        self._changed()
        return {}

    def untag_resource(self, arn: str, tagKeys: list[str]) -> dict[str, Any]:
        conn = self._connection_by_arn(arn)
        for key in tagKeys:
            conn.tags.pop(key, None)
        self._changed()
        return {}

    def list_tags_for_resource(self, arn: str) -> dict[str, Any]:
        return {"tags": dict(self._connection_by_arn(arn).tags)}

    # ======================================================================================
    # Rules
    # ======================================================================================
    def _environment_here(self, environment_id: str) -> _Environment:
        env = self._environments.get(environment_id)
        if env is None or env.region != self.region:
            raise _error(NOT_FOUND, f"Environment {environment_id} was not found in {self.region}")
        return env

    def _environment_for_new_connection(self, environment_id: str) -> _Environment:
        env = self._environments.get(environment_id)
        if env is None:
            raise _error(NOT_FOUND, f"Environment {environment_id} was not found")
        if env.region != self.region:
            raise _error(
                VALIDATION, f"Environment {environment_id} is offered in {env.region}, not {self.region}"
            )
        if env.state == "unavailable":
            raise _error(VALIDATION, f"Environment {environment_id} is unavailable")
        return env

    @staticmethod
    def _check_bandwidth(env: _Environment, bandwidth: str) -> None:
        if bandwidth not in env.available:
            raise _error(
                VALIDATION,
                f"Bandwidth {bandwidth} is not available in environment {env.id}; "
                f"available: {', '.join(env.available)}",
            )

    def _check_attach_point(self, attach_point: dict[str, str]) -> None:
        gateway_id = attach_point.get("directConnectGateway")
        if gateway_id is None:
            raise _error(VALIDATION, "Only a directConnectGateway attach point is supported")
        if not self.directconnect.gateway_exists(gateway_id):
            raise _error(VALIDATION, f"Direct Connect gateway {gateway_id} does not exist")

    @staticmethod
    def _remote_account(env: _Environment, remote: dict[str, str] | None) -> str | None:
        identifier = (remote or {}).get("identifier")
        if identifier is None:
            raise _error(VALIDATION, "remoteAccount is required when a connection is created from AWS")
        if env.remote_identifier_type == "email" and "@" not in identifier:
            raise _error(VALIDATION, f"remoteAccount for environment {env.id} must be an email address")
        return identifier

    @staticmethod
    def _check_tags(tags: dict[str, str]) -> None:
        if len(tags) > MAX_TAGS:
            raise _error(VALIDATION, f"A connection can have at most {MAX_TAGS} tags")
        if any(key.lower().startswith("aws:") for key in tags):
            raise _error(VALIDATION, "Tag keys starting with 'aws:' are reserved")

    def _check_quotas(self, env: _Environment, *, outstanding_request: bool) -> None:
        # Per Region (the quotas page: "Region-specific unless noted"), or per account over every
        # Region (its rows say "per account"): a variant (docs/conformance.md, "Quotas").
        live = [c for c in self._connections.values() if c.state in LIVE_STATES
                and (self.variants.quota_scope == "account" or c.region == self.region)]
        if len(live) >= self.max_connections:
            raise _error(QUOTA, f"Quota of {self.max_connections} connections {self._quota_scope} reached")
        # Outstanding: not yet accepted by the partner (in pending-first, also those still being
        # prepared before they show `requested`).
        requested = sum(1 for c in live if c.state in ("requested", "pending") and not c.accepted)
        if outstanding_request and requested >= self.max_requested:
            raise _error(QUOTA, f"Quota of {self.max_requested} outstanding requested connections reached")
        same_provider = sum(
            1 for c in live if c.environment.type == env.type and c.environment.provider == env.provider
        )
        limit = self.max_per_provider[env.type]
        if same_provider >= limit:
            raise _error(QUOTA, f"Quota of {limit} {env.type} connections to {env.provider_name} reached")

    def _missing(self, conn: _Connection) -> bool:
        """Whether this read misses ``conn``: read-after-create lag lasts a few reads, and only
        while the connection is new."""
        if conn.misses and self.clock.time() - conn.created_at > READ_AFTER_CREATE_WINDOW:
            conn.misses.clear()
        return bool(conn.misses)

    @property
    def _quota_scope(self) -> str:
        return "per account" if self.variants.quota_scope == "account" else f"per account in {self.region}"

    def _resize(self, conn: _Connection, bandwidth: str) -> None:
        if conn.state != "available":
            raise _error(
                CLIENT, f"Connection {conn.id} is {conn.state}; bandwidth can change only when available"
            )
        self._check_bandwidth(conn.environment, bandwidth)
        conn.bandwidth = bandwidth
        self._set_state(conn, "updating")
        self._after(conn, self.update_seconds, {"updating"}, "available")

    def _open_proposal(self, key: str) -> _Proposal:
        proposal = self._proposals.get(key)
        if proposal is None or proposal.region != self.region or proposal.accepted_by is not None:
            # Never echo the key: it is a secret.
            raise _error(NOT_FOUND, "No open connection proposal matches the activation key")
        return proposal

    # ======================================================================================
    # Idempotency
    # ======================================================================================
    def _replay(self, operation: str, token: str | None, request: dict[str, Any]) -> _Connection | None:
        if token is None:
            return None
        seen = self._tokens.get((self.region, operation, token))
        if seen is None:
            return None
        fingerprint, connection_id = seen
        if fingerprint != _fingerprint(request):
            raise _error(VALIDATION, "The clientToken was already used with different parameters")
        return self._connections[connection_id]

    def _remember(
        self, operation: str, token: str | None, request: dict[str, Any], conn: _Connection
    ) -> None:
        if token is not None:
            self._tokens[(self.region, operation, token)] = (_fingerprint(request), conn.id)

    # ======================================================================================
    # Records and state
    # ======================================================================================
    def _new_connection(
        self,
        env: _Environment,
        bandwidth: str,
        attach_point: dict[str, str],
        description: str | None,
        tags: dict[str, str] | None,
        remote_account: str | None,
        state: str,
        key: str | None = None,
    ) -> _Connection:
        prefix = "mcc" if env.type == MULTICLOUD else "lmcc"
        connection_id = f"{prefix}-{_short_id()}"
        while connection_id in self._connections:
            connection_id = f"{prefix}-{_short_id()}"
        conn = _Connection(
            id=connection_id,
            arn=f"arn:aws:interconnect:{self.region}:{self.account_id}:connection/{connection_id}",
            region=self.region,
            description=description or connection_id,
            bandwidth=bandwidth,
            attach_point=dict(attach_point),
            environment=env,
            state=state,
            shared_id=str(uuid.uuid4()),
            owner=self.account_id,
            activation_key=key or _new_activation_key(),
            tags=dict(tags or {}),
            remote_account=remote_account,
            created_at=self.clock.time(),
        )
        self._connections[conn.id] = conn
        self._changed()
        logger.debug("interconnect connection %s created in %s (%s)", conn.id, conn.region, state)
        return conn

    def _set_state(self, conn: _Connection, state: str) -> None:
        logger.debug("interconnect connection %s: %s -> %s", conn.id, conn.state, state)
        conn.state = state
        self._changed()

    def _after(self, conn: _Connection, seconds: float, from_states: set[str], to_state: str) -> None:
        """Move ``conn`` to ``to_state`` after ``seconds`` if it is still in one of ``from_states``."""
        self._cancel(conn)

        def fire() -> None:
            with self._lock:
                conn.timer = None
                if conn.state in from_states:
                    self._set_state(conn, to_state)

        conn.timer = self.clock.call_later(seconds, fire, f"interconnect {conn.id} -> {to_state}")

    @staticmethod
    def _cancel(conn: _Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None

    def _find(self, identifier: str) -> _Connection | None:
        conn = self._connections.get(identifier)
        if conn is None:
            conn = next((c for c in self._connections.values() if c.arn == identifier), None)
        return conn

    def _connection_here(self, identifier: str) -> _Connection:
        conn = self._find(identifier)
        if conn is None or conn.region != self.region:
            raise _error(NOT_FOUND, f"Connection {identifier} was not found")
        return conn

    def _connection_by_arn(self, arn: str) -> _Connection:
        conn = next((c for c in self._connections.values() if c.arn == arn), None)
        if conn is None or conn.region != self.region:
            raise _error(NOT_FOUND, f"Resource {arn} was not found")
        return conn

    def _by_key(self, key: str) -> _Connection | None:
        return next((c for c in self._connections.values() if c.activation_key == key), None)

    def _require_key(self, key: str) -> _Connection:
        conn = self._by_key(key)
        if conn is None:
            raise KeyError("no connection has that activation key")
        return conn

    @staticmethod
    def _partner_view(conn: _Connection) -> dict[str, Any]:
        return conn.view() | {"region": conn.region, "remoteAccount": conn.remote_account}


def _short_id() -> str:
    """Eight lowercase letters and digits, as botocore's ``ConnectionId`` pattern has it."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _miss_message(code: str, identifier: str) -> str:
    if code == ACCESS_DENIED:
        # The model: access denied may also mean the resource does not exist (yet).
        return "User is not authorized to perform interconnect:GetConnection on this resource"
    return f"Connection {identifier} was not found"


def _new_activation_key() -> str:
    return secrets.token_urlsafe(48)


def _fingerprint(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True, default=str)


def _with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        response["nextToken"] = token
    return response
