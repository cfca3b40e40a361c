"""The data of the Direct Connect emulator (icp_local.emulators.directconnect): its timings and
limits, gateways and associations, and the helpers its operations share. Sources for each value
are listed in docs/conformance.md.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from icp_local.clock import SimClock, Timer
from icp_local.emulators.botocore_hooks import EmulatedError, ServiceEmulator
from icp_local.variants import Variants

CLIENT_ERROR = "DirectConnectClientException"

GATEWAY_PENDING_SECONDS = 20.0
ASSOCIATE_SECONDS = 60.0
UPDATE_SECONDS = 30.0
DISASSOCIATE_SECONDS = 30.0
GATEWAY_DELETE_SECONDS = 10.0
GATEWAY_REVERT_SECONDS = 180.0  # "after a few minutes revert back to the available state" (PR #10214)
FAILED_ASSOCIATION_RETENTION_SECONDS = 3600.0
DEFAULT_ASN = 64512
MAX_ALLOWED_PREFIXES = 200
MAX_TAGS = 50  # "Each resource can have a maximum of 50 tags" (TagResource's doc)

GATEWAY_TYPES = {"tgw-": "transitGateway", "vgw-": "virtualPrivateGateway"}


def client_error(message: str) -> EmulatedError:
    return EmulatedError(CLIENT_ERROR, message)


@dataclass
class Gateway:
    id: str
    name: str
    asn: int
    owner: str
    tags: list[dict[str, str]]
    state: str = "pending"
    reverting: bool = False  # deleting with associations left (accept-then-revert): back to available
    timer: Timer | None = field(default=None, repr=False)

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "directConnectGatewayId": self.id,
            "directConnectGatewayName": self.name,
            "amazonSideAsn": self.asn,
            "ownerAccount": self.owner,
            "directConnectGatewayState": self.state,
        }
        if self.tags:
            view["tags"] = [dict(tag) for tag in self.tags]
        return view


@dataclass
class Association:
    id: str
    gateway_id: str
    owner: str
    associated_id: str
    associated_type: str
    region: str
    prefixes: list[str]
    state: str = "associating"
    state_change_error: str | None = None
    # The account owning the transit or virtual private gateway, when not the DX gateway's
    # (an association made by accepting a proposal).
    associated_owner: str | None = None
    fail_with: str | None = field(default=None, repr=False)  # set by fail_next_association
    timer: Timer | None = field(default=None, repr=False)

    @property
    def live(self) -> bool:
        """Still holds the gateway: anything but disassociated."""
        return self.state != "disassociated"

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "directConnectGatewayId": self.gateway_id,
            "directConnectGatewayOwnerAccount": self.owner,
            "associationState": self.state,
            "associatedGateway": {
                "id": self.associated_id,
                "type": self.associated_type,
                "ownerAccount": self.associated_owner or self.owner,
                "region": self.region,
            },
            "associationId": self.id,
            "allowedPrefixesToDirectConnectGateway": [{"cidr": cidr} for cidr in self.prefixes],
        }
        if self.state_change_error is not None:
            view["stateChangeError"] = self.state_change_error
        if self.associated_type == "virtualPrivateGateway":
            # The legacy fields AWS still fills for virtual private gateways.
            view.update(
                virtualGatewayId=self.associated_id,
                virtualGatewayRegion=self.region,
                virtualGatewayOwnerAccount=self.associated_owner or self.owner,
            )
        return view


def gateway_type_of(gateway_id: str) -> str:
    for prefix, kind in GATEWAY_TYPES.items():
        if gateway_id.startswith(prefix):
            return kind
    raise client_error(f"{gateway_id} is not a transit gateway or virtual private gateway id")


def merged_tags(tags: list[dict[str, str]], more: list[dict[str, str]]) -> list[dict[str, str]]:
    """``tags`` with ``more`` applied (a key already there takes the new value)."""
    keys = [t["key"] for t in more]
    if len(keys) != len(set(keys)):
        raise EmulatedError("DuplicateTagKeysException", "A tag key was specified more than once")
    merged = {t["key"]: t.get("value", "") for t in tags} | {t["key"]: t.get("value", "") for t in more}
    if len(merged) > MAX_TAGS:
        raise EmulatedError("TooManyTagsException", f"A resource can have at most {MAX_TAGS} tags")
    return [{"key": k, "value": v} for k, v in merged.items()]


def cidrs_of(prefixes: list[dict[str, str]]) -> list[str]:
    cidrs: list[str] = []
    for prefix in prefixes:
        cidr = prefix.get("cidr", "")
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            raise client_error(f"{cidr!r} is not a valid CIDR") from exc
        if str(network) not in cidrs:
            cidrs.append(str(network))
    if len(cidrs) > MAX_ALLOWED_PREFIXES:
        raise client_error(f"At most {MAX_ALLOWED_PREFIXES} allowed prefixes per association")
    return cidrs


class DirectConnectState(ServiceEmulator):
    """What ``DirectConnectEmulator`` sets and its mixin ``GatewayAssociations`` reads: declared
    here, so that the mixin is type-checked against it."""

    clock: SimClock
    account_id: str
    variants: Variants
    _gateways: dict[str, Gateway]
    _associations: dict[str, Association]
    _failures: list[str]  # reasons the next associations fail with (fail_next_association)

    if TYPE_CHECKING:  # defined by DirectConnectEmulator

        def _gateway(self, gateway_id: str) -> Gateway: ...

        @staticmethod
        def _cancel(item: Association | Gateway) -> None: ...

        def _associate(
            self,
            gateway: Gateway,
            associated_id: str,
            prefixes: list[str],
            associated_owner: str | None = None,
        ) -> dict[str, Any]: ...

        def update_direct_connect_gateway_association(
            self,
            associationId: str | None = None,
            addAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
            removeAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
        ) -> dict[str, Any]: ...
