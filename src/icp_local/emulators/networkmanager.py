"""Cloud WAN through AWS Network Manager: core networks, Direct Connect gateway attachments and
the routes of a core network segment, which moto 5.2.5 does not implement (its networkmanager
has global and core networks, but core network ids of 18 hex digits where the model's pattern
allows 8 to 17, a ``PENDING`` state the CoreNetworkState enum does not have, no segments, no
attachments, no routes). Every other Network Manager call falls through to moto. Shapes follow
botocore's ``networkmanager`` model (every answer is checked against its output shape); delays
run on the simulated clock. Sources for each behaviour: docs/conformance.md, "Cloud WAN".

- Core networks exist already (a request names one): ``add_core_network(policy)`` makes one
  ``AVAILABLE`` from a core network policy document (its ``core-network-configuration``
  edge locations, ``segments``, ``attachment-policies``). GetCoreNetwork answers its segments
  and their edge locations (a segment without ``edge-locations`` is at every one).
- ``add_segment_route(core, segment, cidr)`` stands for a VPC attachment in a segment: its CIDR
  is a route of the segment, and what a Direct Connect gateway attached to that segment
  advertises to the remote side (``advertised_to_gateway``).
- CreateDirectConnectGatewayAttachment: ``CREATING`` for ``CREATE_SECONDS``; then the attachment
  policies (by rule number, first match) place it by its tags. A segment that requires
  acceptance (its ``require-attachment-acceptance``, or the rule's ``require-acceptance``) puts it
  in ``PENDING_ATTACHMENT_ACCEPTANCE`` until AcceptAttachment (or RejectAttachment: ``REJECTED``);
  otherwise ``PENDING_NETWORK_UPDATE`` for ``NETWORK_UPDATE_SECONDS``, then ``AVAILABLE``. No rule
  matching: ``AVAILABLE`` in no segment. When the segment omits ``require-attachment-acceptance``,
  ``Variants.cloud_wan_acceptance`` decides. The same ClientToken answers the same attachment.
  A Direct Connect gateway that does not exist ends ``FAILED`` with
  ``DIRECT_CONNECT_GATEWAY_NOT_FOUND``; ``fail_next_attachment(code)`` (tests) does the same with
  another code. An edge location the core network does not have is a ValidationException.
- DeleteAttachment: ``DELETING`` for ``DELETE_SECONDS``, then gone (ResourceNotFoundException);
  refused (ConflictException) while ``PENDING_ATTACHMENT_ACCEPTANCE``: reject it first.
- GetNetworkRoutes (core network segment edges only): the segment's routes at that edge
  location: the ``add_segment_route`` CIDRs, and for each ``AVAILABLE`` Direct Connect gateway
  attachment in the segment at that edge, what the gateway learns from the remote side of its
  live connections (``remote_prefixes(gateway_id)``, given by the local cloud). A link that goes
  down takes its routes with it, as BGP withdraws them.
- Not modelled: global networks beyond an id, policy versions and change sets, the other
  attachment kinds (except as seeded routes), segment sharing, routing policies, NAT,
  ``RoutingPolicyLabel``, tags changes after creation (PENDING_TAG_ACCEPTANCE), real messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import ServiceEmulator
from icp_local.emulators.networkmanager_model import (
    CREATE_SECONDS,
    DELETE_SECONDS,
    NETWORK_UPDATE_SECONDS,
    CoreNetwork,
    DxAttachment,
    conflict,
    hex_id,
    invalid,
    not_found,
    timestamp,
)
from icp_local.variants import DEFAULT, Variants

PENDING_ACCEPTANCE = "PENDING_ATTACHMENT_ACCEPTANCE"


class NetworkManagerEmulator(ServiceEmulator):
    service_name = "networkmanager"
    validation_error_code = "ValidationException"
    default_region = "us-west-2"
    max_page_size = 500  # the model's MaxResults

    def __init__(
        self,
        clock: SimClock,
        gateway_exists: Callable[[str], bool],
        remote_prefixes: Callable[[str], list[str]],
        account_id: str = "123456789012",
        *,
        variants: Variants = DEFAULT,
    ):
        super().__init__()
        self.clock = clock
        self.account_id = account_id
        self.variants = variants
        self._gateway_exists = gateway_exists
        self._remote_prefixes = remote_prefixes
        self._cores: dict[str, CoreNetwork] = {}
        self._attachments: dict[str, DxAttachment] = {}
        self._tokens: dict[str, str] = {}
        self._failures: list[str] = []

    # -- what tests read and steer -----------------------------------------------------------------
    def add_core_network(self, policy: dict[str, Any]) -> str:
        """An existing, AVAILABLE core network with this policy; returns its id."""
        with self._lock:
            core = CoreNetwork(
                hex_id("core-network-"), hex_id("global-network-"), self.account_id, policy, self.clock.time()
            )
            self._cores[core.id] = core
            self._changed()
            return core.id

    def add_segment_route(
        self, core_network_id: str, segment: str, cidr: str, edge_locations: list[str] | None = None
    ) -> None:
        """A VPC attachment in ``segment`` whose CIDR is ``cidr`` (at every edge of the segment)."""
        with self._lock:
            core = self._core(core_network_id)
            attachment_id = hex_id("attachment-")
            for edge in edge_locations or core.segment_edges(segment):
                core.segment_routes.setdefault((segment, edge), {})[cidr] = attachment_id
            self._changed()

    def fail_next_attachment(self, code: str = "CREATION_FAILED") -> None:
        with self._lock:
            self._failures.append(code)

    def attachments(self) -> list[dict[str, Any]]:
        with self._lock:
            return [a.view() for a in self._attachments.values()]

    def attachment_tags(self, attachment_id: str) -> dict[str, str]:
        with self._lock:
            found = self._attachments.get(attachment_id)
            return dict(found.tags) if found else {}

    def advertised_to_gateway(self, gateway_id: str) -> list[str]:
        """What a DX gateway advertises to the remote side through its AVAILABLE attachments:
        the routes other attachments put in their segment."""
        with self._lock:
            return sorted(
                {
                    cidr
                    for a in self._attachments.values()
                    if a.gateway_id == gateway_id and a.state == "AVAILABLE" and a.segment
                    for edge in a.edge_locations
                    for cidr in a.core.segment_routes.get((a.segment, edge), {})
                }
            )

    # -- core networks -----------------------------------------------------------------------------
    def get_core_network(self, CoreNetworkId: str) -> dict[str, Any]:
        return {"CoreNetwork": self._core(CoreNetworkId).view()}

    def _core(self, core_network_id: str) -> CoreNetwork:
        core = self._cores.get(core_network_id)
        if core is None:
            raise not_found("Core network", core_network_id)
        return core

    # -- Direct Connect gateway attachments ----------------------------------------------------------
    def create_direct_connect_gateway_attachment(
        self,
        CoreNetworkId: str,
        DirectConnectGatewayArn: str,
        EdgeLocations: list[str],
        Tags: list[dict[str, str]] | None = None,
        ClientToken: str | None = None,
        **unmodelled: Any,
    ) -> dict[str, Any]:
        if unmodelled:
            raise AssertionError(f"not emulated: {sorted(unmodelled)}")
        if ClientToken and ClientToken in self._tokens:
            return self._dx_view(self._attachments[self._tokens[ClientToken]])
        core = self._core(CoreNetworkId)
        outside = [e for e in EdgeLocations if e not in core.edge_locations()]
        if outside:
            raise invalid(
                f"Edge locations {', '.join(outside)} are not edge locations of core network {core.id}"
            )
        now = self.clock.time()
        attachment = DxAttachment(
            hex_id("attachment-"),
            core,
            DirectConnectGatewayArn,
            list(EdgeLocations),
            {str(t.get("Key")): str(t.get("Value", "")) for t in Tags or []},
            self.account_id,
            now,
            now,
        )
        if self._failures:
            attachment.fail_with = self._failures.pop(0)
        elif not self._gateway_exists(attachment.gateway_id):
            attachment.fail_with = "DIRECT_CONNECT_GATEWAY_NOT_FOUND"
        self._attachments[attachment.id] = attachment
        if ClientToken:
            self._tokens[ClientToken] = attachment.id
        self._later(attachment, CREATE_SECONDS, self._created)
        return self._dx_view(attachment)

    def get_direct_connect_gateway_attachment(self, AttachmentId: str) -> dict[str, Any]:
        return self._dx_view(self._attachment(AttachmentId))

    def accept_attachment(self, AttachmentId: str) -> dict[str, Any]:
        attachment = self._attachment(AttachmentId)
        if attachment.state != PENDING_ACCEPTANCE:
            raise conflict(f"Attachment {attachment.id} is {attachment.state}, not {PENDING_ACCEPTANCE}")
        self._to(attachment, "PENDING_NETWORK_UPDATE")
        self._later(attachment, NETWORK_UPDATE_SECONDS, lambda a: self._to(a, "AVAILABLE"))
        return {"Attachment": attachment.view()}

    def reject_attachment(self, AttachmentId: str) -> dict[str, Any]:
        attachment = self._attachment(AttachmentId)
        if attachment.state not in (PENDING_ACCEPTANCE, "AVAILABLE"):
            raise conflict(f"Attachment {attachment.id} is {attachment.state}: it cannot be rejected")
        self._cancel(attachment)
        self._to(attachment, "REJECTED")
        return {"Attachment": attachment.view()}

    def delete_attachment(self, AttachmentId: str) -> dict[str, Any]:
        attachment = self._attachment(AttachmentId)
        if attachment.state == PENDING_ACCEPTANCE:
            raise conflict(f"Attachment {attachment.id} is {PENDING_ACCEPTANCE}: reject it first")
        if attachment.state != "DELETING":
            self._cancel(attachment)
            self._to(attachment, "DELETING")
            self._later(attachment, DELETE_SECONDS, self._forget)
        return {"Attachment": attachment.view()}

    def _created(self, attachment: DxAttachment) -> None:
        if attachment.fail_with:
            attachment.errors = [
                {"Code": attachment.fail_with, "Message": "The attachment could not be created"}
            ]
            self._to(attachment, "FAILED")
            return
        default = self.variants.cloud_wan_acceptance == "required"
        attachment.segment, required = attachment.core.placement(attachment.tags, default)
        if attachment.segment and required:
            self._to(attachment, PENDING_ACCEPTANCE)
            return
        self._to(attachment, "PENDING_NETWORK_UPDATE")
        self._later(attachment, NETWORK_UPDATE_SECONDS, lambda a: self._to(a, "AVAILABLE"))

    def _forget(self, attachment: DxAttachment) -> None:
        self._attachments.pop(attachment.id, None)
        self._changed()

    def _attachment(self, attachment_id: str) -> DxAttachment:
        found = self._attachments.get(attachment_id)
        if found is None:
            raise not_found("Attachment", attachment_id)
        return found

    def _dx_view(self, attachment: DxAttachment) -> dict[str, Any]:
        return {
            "DirectConnectGatewayAttachment": {
                "Attachment": attachment.view(),
                "DirectConnectGatewayArn": attachment.gateway_arn,
            }
        }

    def _to(self, attachment: DxAttachment, state: str) -> None:
        attachment.state = state
        attachment.updated_at = self.clock.time()
        self._changed()

    def _later(self, attachment: DxAttachment, seconds: float, then: Callable[[DxAttachment], None]) -> None:
        def fire() -> None:
            with self._lock:
                attachment.timer = None
                if self._attachments.get(attachment.id) is attachment:
                    then(attachment)

        attachment.timer = self.clock.call_later(
            seconds, fire, f"networkmanager attachment {attachment.state}"
        )

    @staticmethod
    def _cancel(attachment: DxAttachment) -> None:
        if attachment.timer is not None:
            attachment.timer.cancel()
            attachment.timer = None

    # -- routes ------------------------------------------------------------------------------------
    def get_network_routes(
        self,
        GlobalNetworkId: str,
        RouteTableIdentifier: dict[str, Any],
        ExactCidrMatches: list[str] | None = None,
        States: list[str] | None = None,
        MaxResults: int | None = None,
        NextToken: str | None = None,
        **unmodelled: Any,
    ) -> dict[str, Any]:
        if unmodelled:
            raise AssertionError(f"not emulated: {sorted(unmodelled)}")
        edge_id = RouteTableIdentifier.get("CoreNetworkSegmentEdge")
        if not edge_id:
            raise invalid("Only core network segment edges are emulated")
        core = self._core(str(edge_id.get("CoreNetworkId")))
        if core.global_network_id != GlobalNetworkId:
            raise not_found("Core network", f"{core.id} in global network {GlobalNetworkId}")
        segment, edge = str(edge_id.get("SegmentName")), str(edge_id.get("EdgeLocation"))
        if segment not in core.segments() or edge not in core.segment_edges(segment):
            raise not_found("Route table", f"{core.id}/{segment}/{edge}")
        routes: dict[str, list[dict[str, str]]] = {}
        for cidr, attachment_id in core.segment_routes.get((segment, edge), {}).items():
            routes.setdefault(cidr, []).append(self._destination(attachment_id, segment, edge, "vpc", ""))
        for a in self._attachments.values():
            if (
                a.core is core
                and a.state == "AVAILABLE"
                and a.segment == segment
                and edge in a.edge_locations
            ):
                for cidr in self._remote_prefixes(a.gateway_id):
                    routes.setdefault(cidr, []).append(
                        self._destination(a.id, segment, edge, "direct-connect-gateway", a.gateway_id)
                    )
        listed = [
            {"DestinationCidrBlock": cidr, "Destinations": found, "State": "ACTIVE", "Type": "PROPAGATED"}
            for cidr, found in sorted(routes.items())
            if ExactCidrMatches is None or cidr in ExactCidrMatches
        ]
        listed = [r for r in listed if States is None or r["State"] in States]
        page, token = self._page(listed, MaxResults, NextToken)
        answer: dict[str, Any] = {
            "CoreNetworkSegmentEdge": {
                "CoreNetworkId": core.id,
                "SegmentName": segment,
                "EdgeLocation": edge,
            },
            "RouteTableType": "CORE_NETWORK_SEGMENT",
            "RouteTableTimestamp": timestamp(self.clock.time()),
            "NetworkRoutes": page,
        }
        if token:
            answer["NextToken"] = token
        return answer

    @staticmethod
    def _destination(attachment_id: str, segment: str, edge: str, kind: str, resource: str) -> dict[str, str]:
        destination = {
            "CoreNetworkAttachmentId": attachment_id,
            "SegmentName": segment,
            "EdgeLocation": edge,
            "ResourceType": kind,
        }
        if resource:
            destination["ResourceId"] = resource
        return destination
