"""Direct Connect gateways and their associations, which moto 5.2.5 does not implement.

Only the gateway and gateway-association operations are answered here; every other
Direct Connect call falls through to moto. Shapes follow botocore's ``directconnect``
model (every answer is checked against its output shape); delays run on the simulated
clock. Sources for each behaviour are listed in docs/conformance.md.

What it does, and where the evidence for it stops (fidelity gaps):

- A new gateway is ``pending`` for ``GATEWAY_PENDING_SECONDS``, then ``available``, as
  terraform-provider-aws's create waiter expects (pending → available). The real delay is
  not published; 20 s is a guess. An association on a gateway that is not ``available`` is
  refused with DirectConnectClientException (the real message is not known).
- Deleting a gateway: ``deleting`` for ``GATEWAY_DELETE_SECONDS``, then gone from
  DescribeDirectConnectGateways (AWS may list it as ``deleted`` for a while; the product
  accepts both). While it still has associations (not ``disassociated``) the outcome depends
  on ``Variants.gateway_delete``: ``refuse`` answers DirectConnectClientException;
  ``accept-then-revert`` accepts, shows ``deleting``, then after ``GATEWAY_REVERT_SECONDS``
  ("a few minutes", terraform-provider-aws PR #10214) is ``available`` again. Not evidenced,
  and chosen to match what the product assumes: asked again while ``deleting`` once no
  association is left, it is deleted after all; a ``pending`` gateway can be deleted.
- Associations go ``associating`` → ``associated`` (``ASSOCIATE_SECONDS``), ``updating`` →
  ``associated`` (``UPDATE_SECONDS``), ``disassociating`` → gone (``DISASSOCIATE_SECONDS``;
  real AWS may list them as ``disassociated`` for a while). The durations are guesses.
- ``fail_next_association(reason)`` (tests only) makes the next association go
  ``associating`` → ``disassociated`` with ``stateChangeError`` set, the model's field for
  "the error message if the state of an object failed to advance". Such an association stays
  listed for ``FAILED_ASSOCIATION_RETENTION_SECONDS`` (how long AWS keeps it is not known),
  does not block deleting the gateway or associating the same gateway again, and cannot be
  updated. What makes a real association fail, and the real texts, are not modelled.
- ``gateway_exists`` (read by the AWS Interconnect emulator) is true for ``pending`` and
  ``available`` gateways: whether AWS Interconnect accepts a pending gateway as an attach
  point is not known.
- Tags on gateways: given at creation, added with TagResource (a key already there takes the
  new value), removed with UntagResource, read with DescribeTags and in the gateway's own
  ``tags``; at most 50 per gateway (TooManyTagsException), a key twice in one request is
  DuplicateTagKeysException. The IAM enforcer reads them as ``aws:ResourceTag/*`` of the
  ``dx-gateway`` resource. Only gateway ARNs (``arn:aws:directconnect::<account>:dx-gateway/<id>``)
  are tagged here; other Direct Connect resources are not.
- Association proposals (icp_local.emulators.directconnect_proposals): a transit or virtual
  private gateway of another account is associated by its owner's proposal, accepted by the
  gateway's owner; the caller's account is the one its credentials sign for.
- Not modelled: Cloud WAN core network
  associations, ``totalPrefixPoolAllocations``, per-account quotas on gateways and
  associations, the real error messages.
"""

from __future__ import annotations

import uuid
from typing import Any

from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import ServiceEmulator
from icp_local.emulators.directconnect_associations import GatewayAssociations
from icp_local.emulators.directconnect_model import (
    CLIENT_ERROR,
    DEFAULT_ASN,
    GATEWAY_DELETE_SECONDS,
    GATEWAY_PENDING_SECONDS,
    GATEWAY_REVERT_SECONDS,
    Association,
    Gateway,
    client_error,
    merged_tags,
)
from icp_local.emulators.directconnect_proposals import AssociationProposals, Proposal
from icp_local.variants import DEFAULT, Variants


class DirectConnectEmulator(AssociationProposals, GatewayAssociations, ServiceEmulator):
    service_name = "directconnect"
    validation_error_code = CLIENT_ERROR
    clamp_page_size = True  # "If MaxResults is given a value larger than 100, only 100 results are returned."

    def __init__(self, clock: SimClock, account_id: str = "123456789012", *, variants: Variants = DEFAULT):
        super().__init__()
        self.clock = clock
        self.account_id = account_id
        self.variants = variants
        self._gateways: dict[str, Gateway] = {}
        self._associations: dict[str, Association] = {}
        self._failures: list[str] = []
        self._proposals: dict[str, Proposal] = {}

    # -- plain-Python view for other emulators and tests -------------------------------------------
    def gateway_exists(self, gateway_id: str) -> bool:
        """True for a gateway that is pending or available (not deleting, not gone)."""
        with self._lock:
            gateway = self._gateways.get(gateway_id)
            return gateway is not None and gateway.state in ("pending", "available")

    def gateway_tags(self, gateway_id: str) -> dict[str, str]:
        """The gateway's tags as a map (none for an unknown gateway)."""
        with self._lock:
            gateway = self._gateways.get(gateway_id)
            return {t["key"]: t.get("value", "") for t in gateway.tags} if gateway is not None else {}

    def gateways(self) -> list[dict[str, Any]]:
        with self._lock:
            return [gateway.view() for gateway in self._gateways.values()]

    def associations(self) -> list[dict[str, Any]]:
        with self._lock:
            return [association.view() for association in self._associations.values()]

    def fail_next_association(self, reason: str) -> None:
        """Make the next CreateDirectConnectGatewayAssociation go associating → disassociated
        after ``ASSOCIATE_SECONDS``, with ``reason`` as its ``stateChangeError``."""
        with self._lock:
            self._failures.append(reason)

    # -- gateways ----------------------------------------------------------------------------------
    def create_direct_connect_gateway(
        self,
        directConnectGatewayName: str,
        amazonSideAsn: int = DEFAULT_ASN,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        if not (64512 <= amazonSideAsn <= 65534 or 4200000000 <= amazonSideAsn <= 4294967294):
            raise client_error(f"amazonSideAsn {amazonSideAsn} is not a private ASN")
        gateway = Gateway(
            str(uuid.uuid4()),
            directConnectGatewayName,
            amazonSideAsn,
            self.account_id,
            merged_tags([], tags or []),
        )
        self._gateways[gateway.id] = gateway
        self._changed()
        gateway.timer = self.clock.call_later(
            GATEWAY_PENDING_SECONDS,
            lambda: self._gateway_to(gateway, "pending", "available"),
            "dx gateway pending",
        )
        return {"directConnectGateway": gateway.view()}

    def describe_direct_connect_gateways(
        self,
        directConnectGatewayId: str | None = None,
        maxResults: int | None = None,
        nextToken: str | None = None,
    ) -> dict[str, Any]:
        if directConnectGatewayId is not None:
            items = [self._gateway(directConnectGatewayId)]
        else:
            items = list(self._gateways.values())
        return self._paged("directConnectGateways", items, maxResults, nextToken, lambda g: g.view())

    def delete_direct_connect_gateway(self, directConnectGatewayId: str) -> dict[str, Any]:
        gateway = self._gateway(directConnectGatewayId)
        associated = any(a.gateway_id == gateway.id and a.live for a in self._associations.values())
        if gateway.state == "deleting" and (associated or not gateway.reverting):
            return {"directConnectGateway": gateway.view()}
        if associated and self.variants.gateway_delete == "refuse":
            raise client_error(f"Direct Connect gateway {gateway.id} has associations; delete them first")
        # Asked again once the associations are gone, a gateway on its way back is deleted after all.
        self._cancel(gateway)
        gateway.state = "deleting"
        gateway.reverting = associated
        self._changed()
        if associated:  # accept-then-revert: it looks deleted for a few minutes, then comes back
            gateway.timer = self.clock.call_later(
                GATEWAY_REVERT_SECONDS,
                lambda: self._gateway_to(gateway, "deleting", "available"),
                "dx gateway revert",
            )
        else:
            gateway.timer = self.clock.call_later(
                GATEWAY_DELETE_SECONDS, lambda: self._forget_gateway(gateway.id), "dx gateway delete"
            )
        return {"directConnectGateway": gateway.view()}

    def _gateway_to(self, gateway: Gateway, before: str, after: str) -> None:
        with self._lock:
            if gateway.state == before and self._gateways.get(gateway.id) is gateway:
                gateway.state = after
                gateway.reverting = False
                gateway.timer = None
                self._changed()

    def _forget_gateway(self, gateway_id: str) -> None:
        with self._lock:
            if self._gateways.pop(gateway_id, None) is not None:
                for association in [a for a in self._associations.values() if a.gateway_id == gateway_id]:
                    self._cancel(association)  # only disassociated ones can remain on a deleted gateway
                    del self._associations[association.id]
                self._changed()

    def _gateway(self, gateway_id: str) -> Gateway:
        gateway = self._gateways.get(gateway_id)
        if gateway is None:
            raise client_error(f"Direct Connect gateway {gateway_id} does not exist")
        return gateway

    # -- tags ------------------------------------------------------------------------------------
    def tag_resource(self, resourceArn: str, tags: list[dict[str, str]]) -> dict[str, Any]:
        gateway = self._tagged(resourceArn)
        gateway.tags = merged_tags(gateway.tags, tags)
        self._changed()
        return {}

    def untag_resource(self, resourceArn: str, tagKeys: list[str]) -> dict[str, Any]:
        gateway = self._tagged(resourceArn)
        gateway.tags = [t for t in gateway.tags if t["key"] not in set(tagKeys)]
        self._changed()
        return {}

    def describe_tags(self, resourceArns: list[str]) -> dict[str, Any]:
        # The model's TagList has at least one member: a gateway without tags answers none.
        answers = []
        for arn in resourceArns:
            tags = [dict(t) for t in self._tagged(arn).tags]
            answers.append({"resourceArn": arn, **({"tags": tags} if tags else {})})
        return {"resourceTags": answers}

    def gateway_arn(self, gateway_id: str) -> str:
        return f"arn:aws:directconnect::{self.account_id}:dx-gateway/{gateway_id}"

    def _tagged(self, arn: str) -> Gateway:
        prefix = self.gateway_arn("")
        if not arn.startswith(prefix):
            raise client_error(
                f"Resource {arn} does not exist (only Direct Connect gateways are tagged here)"
            )
        return self._gateway(arn[len(prefix) :])

    @staticmethod
    def _cancel(item: Association | Gateway) -> None:
        if item.timer is not None:
            item.timer.cancel()
            item.timer = None
