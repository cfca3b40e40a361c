"""The records of the Network Manager emulator, and how a core network policy maps an
attachment to a segment (docs/conformance.md, "Cloud WAN")."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from icp_local.clock import Timer
from icp_local.emulators.botocore_hooks import EmulatedError

# Delays on the simulated clock. None is published: guesses (docs/conformance.md).
CREATE_SECONDS = 60  # CREATING, before the attachment policies are applied
NETWORK_UPDATE_SECONDS = 60  # PENDING_NETWORK_UPDATE, before AVAILABLE
DELETE_SECONDS = 120  # DELETING, before it is gone (terraform-provider-aws waits 2 min before polling)


def not_found(what: str, resource_id: str) -> EmulatedError:
    return EmulatedError("ResourceNotFoundException", f"{what} {resource_id} not found", 404)


def conflict(message: str) -> EmulatedError:
    return EmulatedError("ConflictException", message, 409)


def invalid(message: str) -> EmulatedError:
    return EmulatedError("ValidationException", message, 400)


def hex_id(prefix: str) -> str:
    # The model's patterns: core-network-([0-9a-f]{8,17}), attachment-([0-9a-f]{8,17}).
    return prefix + secrets.token_hex(9)[:17]


def timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass
class CoreNetwork:
    id: str
    global_network_id: str
    account: str
    policy: dict[str, Any]
    created_at: float
    # Routes other attachments (VPCs) put in a segment: (segment, edge) -> {cidr: attachment id}
    segment_routes: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:networkmanager::{self.account}:core-network/{self.id}"

    def edge_locations(self) -> list[str]:
        config = self.policy.get("core-network-configuration", {})
        return [str(e["location"]) for e in config.get("edge-locations", [])]

    def segments(self) -> dict[str, dict[str, Any]]:
        return {str(s["name"]): s for s in self.policy.get("segments", [])}

    def segment_edges(self, name: str) -> list[str]:
        """A segment is at the edge locations it lists, or at every one of the core network."""
        segment = self.segments().get(name, {})
        return list(segment.get("edge-locations") or self.edge_locations())

    def view(self) -> dict[str, Any]:
        return {
            "GlobalNetworkId": self.global_network_id,
            "CoreNetworkId": self.id,
            "CoreNetworkArn": self.arn,
            "CreatedAt": timestamp(self.created_at),
            "State": "AVAILABLE",
            "Segments": [
                {"Name": name, "EdgeLocations": self.segment_edges(name), "SharedSegments": []}
                for name in self.segments()
            ],
            "Edges": [{"EdgeLocation": edge} for edge in self.edge_locations()],
        }

    def placement(self, tags: dict[str, str], acceptance_default: bool) -> tuple[str | None, bool]:
        """The segment the attachment policies give an attachment with ``tags`` (the first rule
        by rule number whose conditions hold), and whether it must be accepted first."""
        rules = sorted(self.policy.get("attachment-policies", []), key=lambda r: int(r["rule-number"]))
        for rule in rules:
            results = [_holds(c, tags) for c in rule.get("conditions", [])]
            if not (all(results) if rule.get("condition-logic") == "and" else any(results)):
                continue
            action = rule.get("action", {})
            if action.get("association-method") == "tag":
                segment = tags.get(str(action.get("tag-value-of-key")))
            else:
                segment = action.get("segment")
            if segment not in self.segments():
                return None, False  # a tag naming no segment: the attachment joins none
            required = self.segments()[segment].get("require-attachment-acceptance", acceptance_default)
            return segment, bool(action.get("require-acceptance", required))
        return None, False


def _holds(condition: dict[str, Any], tags: dict[str, str]) -> bool:
    kind = condition.get("type")
    if kind == "any":
        return True
    if kind == "attachment-type":
        return bool(condition.get("value") == "direct-connect-gateway")
    if kind == "tag-exists":
        return condition.get("key") in tags
    if kind == "tag-value":
        value, wanted = tags.get(str(condition.get("key"))), str(condition.get("value"))
        if value is None:
            return False
        operator = condition.get("operator", "equals")
        return {
            "equals": value == wanted,
            "not-equals": value != wanted,
            "contains": wanted in value,
            "begins-with": value.startswith(wanted),
        }.get(str(operator), False)
    return False  # other condition types (region, account-id, resource-id) are not emulated


@dataclass
class DxAttachment:
    id: str
    core: CoreNetwork
    gateway_arn: str
    edge_locations: list[str]
    tags: dict[str, str]
    owner: str
    created_at: float
    updated_at: float
    state: str = "CREATING"
    segment: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    fail_with: str | None = None
    timer: Timer | None = field(default=None, repr=False)

    @property
    def gateway_id(self) -> str:
        return self.gateway_arn.rpartition("/")[2]

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "CoreNetworkId": self.core.id,
            "CoreNetworkArn": self.core.arn,
            "AttachmentId": self.id,
            "OwnerAccountId": self.owner,
            "AttachmentType": "DIRECT_CONNECT_GATEWAY",
            "State": self.state,
            "EdgeLocations": list(self.edge_locations),
            "ResourceArn": self.gateway_arn,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()],
            "CreatedAt": timestamp(self.created_at),
            "UpdatedAt": timestamp(self.updated_at),
        }
        if self.segment:
            view["SegmentName"] = self.segment
        if self.errors:
            view["LastModificationErrors"] = [dict(e) for e in self.errors]
        return view
