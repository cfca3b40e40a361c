"""The request model (docs/events.md, "Interconnect Connection Requested") and the connection record.

One request model serves the EventBridge event detail, the REST API body and the
CLI. Field-level rules live here; rules that need the world (environments, quotas,
other connections) live in ``icp.policy``.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator

from icp.attachment_rules import check_field
from icp.billing import billing_view
from icp.errors import InvalidRequest, RecordIncomplete

# The lifecycle vocabulary lives in icp.status; re-exported so callers import the models from one place.
from icp.status import LIVE as LIVE
from icp.status import TERMINAL as TERMINAL
from icp.status import TRANSITIONS as TRANSITIONS
from icp.status import Status as Status
from icp.status import WaitFor as WaitFor

BANDWIDTH_PATTERN = r"^\d+(Mbps|Gbps)$"
# Connection ids are derived from the requestId, so the same request is one record.
_CONNECTION_NAMESPACE = uuid.UUID("6b1b6f8e-2f4e-4c55-9a52-5d0b2f3f8a11")


def connection_id_for(request_id: str) -> str:
    return "icc-" + uuid.uuid5(_CONNECTION_NAMESPACE, request_id).hex[:20]


def execution_name_for(request_id: str, workflow: str) -> str:
    """Step Functions execution names built from the request id, so a ServiceNow ticket or a
    requestId leads straight to its executions. Names allow [A-Za-z0-9-_] and 80 characters;
    a short hash keeps two ids that differ only in other characters apart."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", request_id)[:48]
    digest = uuid.uuid5(_CONNECTION_NAMESPACE, request_id).hex[:8]
    return f"{readable}-{workflow}-{digest}"


def bandwidth_mbps(bandwidth: str) -> int:
    match = re.fullmatch(r"(\d+)(Mbps|Gbps)", bandwidth)
    if not match:
        raise ValueError(f"not a bandwidth: {bandwidth!r}")
    value = int(match.group(1))
    return value * 1000 if match.group(2) == "Gbps" else value


# Every model here defers building its validator to its first use (defer_build): a function
# builds only the models its step touches, not all of them on every cold start (README,
# "Cold starts").
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ConnectionType(StrEnum):
    MULTICLOUD = "multicloud"
    LAST_MILE = "last-mile"


class Attachment(StrEnum):
    TRANSIT_GATEWAY = "transit-gateway"
    VIRTUAL_PRIVATE_GATEWAY = "virtual-private-gateway"
    CLOUD_WAN = "cloud-wan"


class CreateGateway(Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w .:/=+@-]+$")
    amazonSideAsn: int = 64512

    @field_validator("amazonSideAsn")
    @classmethod
    def _private_asn(cls, asn: int) -> int:
        if not (64512 <= asn <= 65534 or 4200000000 <= asn <= 4294967294):
            raise ValueError("must be a private ASN (64512-65534 or 4200000000-4294967294)")
        return asn


class AttachPoint(Strict):
    directConnectGatewayId: str | None = Field(default=None, min_length=36, max_length=36)
    createGateway: CreateGateway | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AttachPoint:
        if (self.directConnectGatewayId is None) == (self.createGateway is None):
            raise ValueError("give exactly one of directConnectGatewayId or createGateway")
        return self


class BackupTarget(Strict):
    transitGatewayId: str | None = Field(default=None, pattern=r"^tgw-[0-9a-f]+$")
    gatewayId: str | None = Field(default=None, pattern=r"^vgw-[0-9a-f]+$")

    @model_validator(mode="after")
    def _exactly_one(self) -> BackupTarget:
        if (self.transitGatewayId is None) == (self.gatewayId is None):
            raise ValueError("give exactly one of transitGatewayId or gatewayId")
        return self


Cidr = Annotated[str, Field(min_length=9, max_length=18)]


def _normalise_cidrs(cidrs: list[str]) -> list[str]:
    out = []
    for cidr in cidrs:
        try:
            network = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as exc:
            raise ValueError(f"{cidr!r} is not an IPv4 CIDR block with its host bits zero ({exc})") from exc
        out.append(str(network))
    return out


Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]


_SEGMENT = "cloud-wan (required): the core network segment the Direct Connect gateway attachment joins."
_EDGES = "cloud-wan: the edge locations (Regions) of the attachment; default: [awsRegion]."
_ACCOUNT = (
    "The 12-digit account that owns gatewayId and routeTableIds when it is not the stack's: reached "
    "through the spoke role, and the Direct Connect gateway association is made by proposal."
)


class AwsSide(Strict):
    attachment: Attachment
    # Which fields go with which attachment: icp.attachment_rules (cloud-wan takes no route table).
    routeTableIds: list[Annotated[str, Field(pattern=r"^(rtb|tgw-rtb)-[0-9a-f]+$")]] = Field(
        default_factory=list, validate_default=True
    )
    gatewayId: str = Field(pattern=r"^(tgw|vgw|core-network)-[0-9a-zA-Z]+$")
    cidrs: list[Cidr] = Field(min_length=1, max_length=20)
    # Omitted: the connection's own MTU (8500 for last mile; for multicloud the AWS side follows
    # the Google network's). Given: it must agree with the other side (docs/conformance.md, "MTU").
    mtu: int | None = Field(default=None, ge=1280, le=9001)
    backupTarget: BackupTarget | None = Field(default=None, validate_default=True)
    # Another account owning gatewayId and routeTableIds, reached through the spoke role (README "Other accounts").
    accountId: str | None = Field(default=None, pattern=r"^\d{12}$", description=_ACCOUNT)
    # Checked against GetCoreNetwork by icp.lifecycle.cloud_wan.
    segment: str | None = Field(
        default=None, min_length=1, max_length=256, validate_default=True, description=_SEGMENT
    )
    edgeLocations: list[Region] | None = Field(
        default=None, min_length=1, validate_default=True, description=_EDGES
    )

    _cidrs = field_validator("cidrs")(classmethod(lambda cls, v: _normalise_cidrs(v)))

    @field_validator("routeTableIds", "backupTarget", "accountId", "segment", "edgeLocations")
    @classmethod
    def _fits_attachment(cls, value: Any, info: ValidationInfo) -> Any:
        attachment = info.data.get("attachment")
        check_field(str(info.field_name), value, attachment.value if attachment else None)
        return value

    @model_validator(mode="after")
    def _gateway_matches_attachment(self) -> AwsSide:
        prefix = {"transit-gateway": "tgw-", "virtual-private-gateway": "vgw-", "cloud-wan": "core-network-"}
        if not self.gatewayId.startswith(prefix[self.attachment]):
            raise ValueError(
                f"gatewayId must start with {prefix[self.attachment]!r} for attachment {self.attachment}"
            )
        check_field("gatewayId", self.gatewayId, self.attachment.value)
        return self


class RemoteMulticloud(Strict):
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    network: str = Field(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    cidrs: list[Cidr] = Field(min_length=1, max_length=20)
    # Omitted: read from the Google network (compute networks.get).
    mtu: int | None = Field(default=None, ge=1300, le=8896)
    # The remoteAccount identifier CreateConnection carries; omitted, the project id is sent.
    remoteAccount: str | None = Field(
        default=None, min_length=1, max_length=255, pattern=r"^[-a-zA-Z0-9_@.]+$"
    )

    _cidrs = field_validator("cidrs")(classmethod(lambda cls, v: _normalise_cidrs(v)))


class RemoteLastMile(Strict):
    siteName: str = Field(min_length=1, max_length=100)
    cidrs: list[Cidr] = Field(min_length=1, max_length=20)
    # Sent as CreateConnection's remoteAccount (botocore's RemoteOwnerAccount shape).
    remoteAccount: str = Field(min_length=1, max_length=255, pattern=r"^[-a-zA-Z0-9_@.]+$")

    _cidrs = field_validator("cidrs")(classmethod(lambda cls, v: _normalise_cidrs(v)))


class ServiceNowRef(Strict):
    table: Literal["sc_req_item", "change_request", "incident"] = "sc_req_item"
    sysId: str = Field(pattern=r"^[0-9a-f]{32}$")


class Requester(Strict):
    team: str = Field(min_length=1, max_length=100)
    servicenow: ServiceNowRef | None = None


_UNLESS_KEY = "Required unless activationKey is given."
_KEY = "A partner's key (a proposal): accepted, not created; bandwidth and remoteLocation come from it."


class ConnectionRequest(Strict):
    requestId: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    type: ConnectionType
    provider: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9-]+$")
    awsRegion: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    # Both may be left out of a request that carries an activationKey: the proposal holds them.
    remoteLocation: str | None = Field(default=None, min_length=2, max_length=64, description=_UNLESS_KEY)
    bandwidth: str | None = Field(default=None, pattern=BANDWIDTH_PATTERN, description=_UNLESS_KEY)
    attachPoint: AttachPoint
    aws: AwsSide
    remote: RemoteMulticloud | RemoteLastMile
    requester: Requester | None = None
    maxBandwidth: str | None = Field(default=None, pattern=BANDWIDTH_PATTERN)
    # A proposal's key (README "Proposals"); SecretStr never prints it. botocore: 1..2048, sensitive.
    activationKey: SecretStr | None = Field(default=None, min_length=1, max_length=2048, description=_KEY)

    @model_validator(mode="before")
    @classmethod
    def _remote_by_type(cls, data: Any) -> Any:
        # Parse `remote` with the model its `type` calls for, so errors name the right fields.
        if isinstance(data, dict) and isinstance(data.get("remote"), dict):
            model = RemoteLastMile if data.get("type") == ConnectionType.LAST_MILE else RemoteMulticloud
            data = {**data, "remote": model.model_validate(data["remote"])}
        return data

    @model_validator(mode="after")
    def _provider_matches_type(self) -> ConnectionRequest:
        if (self.type == ConnectionType.MULTICLOUD) != (self.provider == "google-cloud"):
            raise ValueError(
                "provider must be 'google-cloud' for multicloud, and a last-mile partner otherwise"
            )
        missing = [n for n in ("remoteLocation", "bandwidth") if getattr(self, n) is None]
        if self.activationKey is None and missing:
            message = f"{missing[0]}: field required (it may be left out only with an activationKey)"
            raise InvalidRequest(message, field=missing[0], rule="missing")
        if (
            self.maxBandwidth
            and self.bandwidth
            and bandwidth_mbps(self.maxBandwidth) < bandwidth_mbps(self.bandwidth)
        ):
            raise ValueError("maxBandwidth must not be below bandwidth")
        return self

    @property
    def connection_id(self) -> str:
        return connection_id_for(self.requestId)

    @property
    def edge_locations(self) -> list[str]:
        """cloud-wan: where the Direct Connect gateway attachment joins the core network."""
        return list(self.aws.edgeLocations or [self.awsRegion])

    @property
    def remote_account(self) -> str:
        """What CreateConnection's ``remoteAccount`` carries: the one given, else (multicloud)
        the Google project."""
        given = self.remote.remoteAccount
        return given or self.remote.project  # type: ignore[union-attr]


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    from_: str | None = Field(default=None, alias="from")
    to: str
    at: datetime
    reason: str | None = None


# The record's fields that earlier steps fill in and later steps need (ConnectionRecord.require).
RequiredField = Literal["provider", "awsRegion", "awsConnectionId", "environmentId", "directConnectGatewayId"]


class ConnectionRecord(BaseModel):
    """What the control plane knows of one connection. Never holds an activation key."""

    model_config = ConfigDict(defer_build=True)

    connectionId: str
    requestId: str
    # Optional only because a request too malformed to parse still gets a REJECTED record.
    type: ConnectionType | None = None
    provider: str | None = None
    awsRegion: str | None = None
    remoteLocation: str | None = None
    bandwidth: str | None = None
    request: dict[str, Any]
    status: Status
    statusReason: str | None = None
    awsConnectionId: str | None = None
    awsState: str | None = None  # AWS's state as two consecutive reads confirmed it
    awsStateSeen: str | None = None  # the latest read, and how many reads in a row saw it
    awsStateReads: int = 0
    awsRequestedSeen: bool = False  # `requested` was seen (so a later `pending` means accepted)
    awsCreatedAt: datetime | None = None  # when CreateConnection answered (reads may lag it)
    environmentId: str | None = None
    directConnectGatewayId: str | None = None
    gatewayCreated: bool = False
    coreNetworkAttachmentId: str | None = None  # cloud-wan: the DX gateway's attachment to the core network
    sharedId: str | None = None
    billingTier: int | None = None  # AWS's Connection.billingTier (0..8) as last read
    remoteRefs: dict[str, str] = Field(default_factory=dict)
    waitFor: WaitFor | None = None
    waitToken: str | None = None
    waitSince: datetime | None = None
    executionArn: str | None = None
    currentExecutionArn: str | None = None  # the latest workflow run for it (provision, resize, ...)
    resizeTo: str | None = None  # the bandwidth a running resize moves to
    # Remediation: one execution at a time holds the lease; downs are kept for flap damping.
    lease: str | None = None
    leaseExpiresAt: datetime | None = None
    linkDowns: list[datetime] = Field(default_factory=list)
    onBackup: bool = False
    incidentSysId: str | None = None
    maintenance: list[dict[str, str]] = Field(default_factory=list)  # {start, end, event}
    replacements: int = 0
    restoreTriedAt: datetime | None = None  # the watcher last started a restore of a stranded DEGRADED link
    # Who asked for it, and for its decommissioning (identities as icp.requesters records them)
    requestedBy: list[str] = Field(default_factory=list)
    decommissionRequestedBy: list[str] = Field(default_factory=list)
    # A decommission held for an approver has its own slot, apart from waitFor/waitToken: a
    # remediation may park on those meanwhile (the link can fail while an approver decides).
    decommissionHeldSince: datetime | None = None
    decommissionApprovalToken: str | None = None
    attempts: int = 0  # operator retries of provisioning: each run creates with its own client token
    cleanedUp: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # The history is kept apart, one item per entry (docs/data-model.md): the record holds how
    # many there are and the latest; ``appended`` carries the entries a change adds until the
    # store writes them with the record, in one transaction.
    historyCount: int = 0
    latest: HistoryEntry | None = None
    appended: list[HistoryEntry] = Field(default_factory=list, exclude=True)
    dropped: dict[str, int] = Field(default_factory=dict)  # entries the bounds dropped, per list
    version: int = 0
    createdAt: datetime
    updatedAt: datetime

    def require(self, field: RequiredField) -> str:
        """A field this step needs, or RecordIncomplete naming it and the connection: a named error
        the state machines see (and catch), where narrowing with ``assert`` raised a bare
        AssertionError."""
        value: str | None = getattr(self, field)
        if not value:
            raise RecordIncomplete(
                f"connection {self.connectionId} has no {field} yet",
                field=field,
                rule="set-by-an-earlier-step",
            )
        return value

    def with_entry(self, entry: HistoryEntry, **updates: Any) -> ConnectionRecord:
        """This record with ``entry`` appended to its history (and ``updates`` applied)."""
        return self.model_copy(
            update={
                **updates,
                "historyCount": self.historyCount + 1,
                "latest": entry,
                "appended": [*self.appended, entry],
            }
        )

    @property
    def parsed_request(self) -> ConnectionRequest:
        return ConnectionRequest.model_validate(self.request)

    def public_view(self, history: list[HistoryEntry]) -> dict[str, Any]:
        """The JSON that GET /v1/connections/{id} and LocalCloud.connection() return, with the
        ``history`` the store read for it."""
        data = self.model_dump(
            mode="json",
            by_alias=True,
            exclude={
                "waitToken",
                "decommissionApprovalToken",
                "version",
                "lease",
                "awsStateSeen",
                "awsStateReads",
                "awsRequestedSeen",
                "awsCreatedAt",
                "latest",
            },
        )
        data["history"] = [entry.model_dump(mode="json", by_alias=True) for entry in history]
        data["billing"] = billing_view(self.billingTier, self.awsRegion, self.remoteLocation)
        return data
