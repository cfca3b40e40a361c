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
- Not modelled: association proposals (cross-account), Cloud WAN core network
  associations, ``totalPrefixPoolAllocations``, per-account quotas on gateways and
  associations, the real error messages.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any

from icp_local.clock import SimClock, Timer
from icp_local.emulators.botocore_hooks import EmulatedError, ServiceEmulator
from icp_local.variants import DEFAULT, Variants

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

_GATEWAY_TYPES = {"tgw-": "transitGateway", "vgw-": "virtualPrivateGateway"}


def _client_error(message: str) -> EmulatedError:
    return EmulatedError(CLIENT_ERROR, message)


@dataclass
class _Gateway:
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
class _Association:
    id: str
    gateway_id: str
    owner: str
    associated_id: str
    associated_type: str
    region: str
    prefixes: list[str]
    state: str = "associating"
    state_change_error: str | None = None
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
                "ownerAccount": self.owner,
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
                virtualGatewayOwnerAccount=self.owner,
            )
        return view


class DirectConnectEmulator(ServiceEmulator):
    service_name = "directconnect"
    validation_error_code = CLIENT_ERROR
    clamp_page_size = True  # "If MaxResults is given a value larger than 100, only 100 results are returned."

    def __init__(self, clock: SimClock, account_id: str = "123456789012", *, variants: Variants = DEFAULT):
        super().__init__()
        self.clock = clock
        self.account_id = account_id
        self.variants = variants
        self._gateways: dict[str, _Gateway] = {}
        self._associations: dict[str, _Association] = {}
        self._failures: list[str] = []

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
            raise _client_error(f"amazonSideAsn {amazonSideAsn} is not a private ASN")
        gateway = _Gateway(
            str(uuid.uuid4()), directConnectGatewayName, amazonSideAsn, self.account_id, _merged([], tags or [])
        )
        self._gateways[gateway.id] = gateway
        self._changed()
        gateway.timer = self.clock.call_later(
            GATEWAY_PENDING_SECONDS, lambda: self._gateway_to(gateway, "pending", "available"), "dx gateway pending"
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
        page, token = self._page(items, maxResults, nextToken)
        response: dict[str, Any] = {"directConnectGateways": [gateway.view() for gateway in page]}
        if token:
            response["nextToken"] = token
        return response

    def delete_direct_connect_gateway(self, directConnectGatewayId: str) -> dict[str, Any]:
        gateway = self._gateway(directConnectGatewayId)
        associated = any(a.gateway_id == gateway.id and a.live for a in self._associations.values())
        if gateway.state == "deleting" and (associated or not gateway.reverting):
            return {"directConnectGateway": gateway.view()}
        if associated and self.variants.gateway_delete == "refuse":
            raise _client_error(f"Direct Connect gateway {gateway.id} has associations; delete them first")
        # Asked again once the associations are gone, a gateway on its way back is deleted after all.
        self._cancel(gateway)
        gateway.state = "deleting"
        gateway.reverting = associated
        self._changed()
        if associated:  # accept-then-revert: it looks deleted for a few minutes, then comes back
            gateway.timer = self.clock.call_later(
                GATEWAY_REVERT_SECONDS, lambda: self._gateway_to(gateway, "deleting", "available"), "dx gateway revert"
            )
        else:
            gateway.timer = self.clock.call_later(
                GATEWAY_DELETE_SECONDS, lambda: self._forget_gateway(gateway.id), "dx gateway delete"
            )
        return {"directConnectGateway": gateway.view()}

    def _gateway_to(self, gateway: _Gateway, before: str, after: str) -> None:
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

    def _gateway(self, gateway_id: str) -> _Gateway:
        gateway = self._gateways.get(gateway_id)
        if gateway is None:
            raise _client_error(f"Direct Connect gateway {gateway_id} does not exist")
        return gateway

    # -- tags ------------------------------------------------------------------------------------
    def tag_resource(self, resourceArn: str, tags: list[dict[str, str]]) -> dict[str, Any]:
        gateway = self._tagged(resourceArn)
        gateway.tags = _merged(gateway.tags, tags)
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

    def _tagged(self, arn: str) -> _Gateway:
        prefix = self.gateway_arn("")
        if not arn.startswith(prefix):
            raise _client_error(f"Resource {arn} does not exist (only Direct Connect gateways are tagged here)")
        return self._gateway(arn[len(prefix):])

    # -- associations ------------------------------------------------------------------------------
    def create_direct_connect_gateway_association(
        self,
        directConnectGatewayId: str,
        gatewayId: str | None = None,
        addAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
        virtualGatewayId: str | None = None,
    ) -> dict[str, Any]:
        gateway = self._gateway(directConnectGatewayId)
        if gateway.state != "available":
            raise _client_error(f"Direct Connect gateway {gateway.id} is {gateway.state}")
        associated_id = self._one_associated_gateway(gatewayId, virtualGatewayId)
        associated_type = _associated_type(associated_id)
        prefixes = _cidrs(addAllowedPrefixesToDirectConnectGateway or [])
        if associated_type == "transitGateway" and not prefixes:
            raise _client_error("An association with a transit gateway needs allowed prefixes")
        if any(a.associated_id == associated_id and a.live for a in self._associations.values()):
            raise _client_error(f"{associated_id} is already associated with a Direct Connect gateway")
        association = _Association(
            str(uuid.uuid4()),
            gateway.id,
            self.account_id,
            associated_id,
            associated_type,
            self.region,
            prefixes,
            fail_with=self._failures.pop(0) if self._failures else None,
        )
        self._associations[association.id] = association
        self._changed()
        self._settle(association, ASSOCIATE_SECONDS)
        return {"directConnectGatewayAssociation": association.view()}

    def describe_direct_connect_gateway_associations(
        self,
        associationId: str | None = None,
        associatedGatewayId: str | None = None,
        directConnectGatewayId: str | None = None,
        maxResults: int | None = None,
        nextToken: str | None = None,
        virtualGatewayId: str | None = None,
    ) -> dict[str, Any]:
        if directConnectGatewayId is not None:
            self._gateway(directConnectGatewayId)
        wanted = {
            "id": associationId,
            "associated_id": associatedGatewayId or virtualGatewayId,
            "gateway_id": directConnectGatewayId,
        }
        items = [
            a
            for a in self._associations.values()
            if all(value is None or getattr(a, attr) == value for attr, value in wanted.items())
        ]
        page, token = self._page(items, maxResults, nextToken)
        response: dict[str, Any] = {"directConnectGatewayAssociations": [a.view() for a in page]}
        if token:
            response["nextToken"] = token
        return response

    def update_direct_connect_gateway_association(
        self,
        associationId: str | None = None,
        addAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
        removeAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        association = self._association(associationId)
        if association.state != "associated":
            raise _client_error(
                f"Association {association.id} is {association.state} and cannot be updated now"
            )
        add = _cidrs(addAllowedPrefixesToDirectConnectGateway or [])
        remove = set(_cidrs(removeAllowedPrefixesToDirectConnectGateway or []))
        prefixes = [cidr for cidr in association.prefixes if cidr not in remove]
        prefixes += [cidr for cidr in add if cidr not in prefixes]
        if association.associated_type == "transitGateway" and not prefixes:
            raise _client_error("An association with a transit gateway needs at least one allowed prefix")
        if len(prefixes) > MAX_ALLOWED_PREFIXES:
            raise _client_error(f"At most {MAX_ALLOWED_PREFIXES} allowed prefixes per association")
        association.prefixes = prefixes
        association.state = "updating"
        self._changed()
        self._settle(association, UPDATE_SECONDS)
        return {"directConnectGatewayAssociation": association.view()}

    def delete_direct_connect_gateway_association(
        self,
        associationId: str | None = None,
        directConnectGatewayId: str | None = None,
        virtualGatewayId: str | None = None,
    ) -> dict[str, Any]:
        if associationId is None:
            if directConnectGatewayId is None or virtualGatewayId is None:
                raise _client_error("Give associationId, or directConnectGatewayId and virtualGatewayId")
            associationId = next(
                (
                    a.id
                    for a in self._associations.values()
                    if a.gateway_id == directConnectGatewayId and a.associated_id == virtualGatewayId and a.live
                ),
                "",
            )
        association = self._association(associationId)
        if association.state not in ("disassociating", "disassociated"):
            association.state = "disassociating"
            association.fail_with = None
            self._changed()
            self._cancel(association)
            association.timer = self.clock.call_later(
                DISASSOCIATE_SECONDS, lambda: self._forget_association(association.id), "dx disassociate"
            )
        return {"directConnectGatewayAssociation": association.view()}

    def _association(self, association_id: str | None) -> _Association:
        association = self._associations.get(association_id or "")
        if association is None:
            raise _client_error(f"Direct Connect gateway association {association_id} does not exist")
        return association

    def _one_associated_gateway(self, gateway_id: str | None, virtual_gateway_id: str | None) -> str:
        if (gateway_id is None) == (virtual_gateway_id is None):
            raise _client_error("Give exactly one of gatewayId and virtualGatewayId")
        return gateway_id or virtual_gateway_id or ""

    def _settle(self, association: _Association, seconds: float) -> None:
        """Move an associating or updating association to associated after ``seconds`` (or, for
        one marked by fail_next_association, to disassociated with its stateChangeError)."""
        self._cancel(association)

        def done() -> None:
            with self._lock:
                if association.state not in ("associating", "updating"):
                    return
                association.timer = None
                if association.fail_with is not None:
                    association.state = "disassociated"
                    association.state_change_error = association.fail_with
                    association.fail_with = None
                    association.timer = self.clock.call_later(
                        FAILED_ASSOCIATION_RETENTION_SECONDS,
                        lambda: self._forget_association(association.id),
                        "dx failed association",
                    )
                else:
                    association.state = "associated"
                self._changed()

        association.timer = self.clock.call_later(seconds, done, f"dx association {association.state}")

    def _forget_association(self, association_id: str) -> None:
        with self._lock:
            if self._associations.pop(association_id, None) is not None:
                self._changed()

    @staticmethod
    def _cancel(item: _Association | _Gateway) -> None:
        if item.timer is not None:
            item.timer.cancel()
            item.timer = None


def _associated_type(gateway_id: str) -> str:
    for prefix, kind in _GATEWAY_TYPES.items():
        if gateway_id.startswith(prefix):
            return kind
    raise _client_error(f"{gateway_id} is not a transit gateway or virtual private gateway id")


def _merged(tags: list[dict[str, str]], more: list[dict[str, str]]) -> list[dict[str, str]]:
    """``tags`` with ``more`` applied (a key already there takes the new value)."""
    keys = [t["key"] for t in more]
    if len(keys) != len(set(keys)):
        raise EmulatedError("DuplicateTagKeysException", "A tag key was specified more than once")
    merged = {t["key"]: t.get("value", "") for t in tags} | {t["key"]: t.get("value", "") for t in more}
    if len(merged) > MAX_TAGS:
        raise EmulatedError("TooManyTagsException", f"A resource can have at most {MAX_TAGS} tags")
    return [{"key": k, "value": v} for k, v in merged.items()]


def _cidrs(prefixes: list[dict[str, str]]) -> list[str]:
    cidrs: list[str] = []
    for prefix in prefixes:
        cidr = prefix.get("cidr", "")
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            raise _client_error(f"{cidr!r} is not a valid CIDR") from exc
        if str(network) not in cidrs:
            cidrs.append(str(network))
    if len(cidrs) > MAX_ALLOWED_PREFIXES:
        raise _client_error(f"At most {MAX_ALLOWED_PREFIXES} allowed prefixes per association")
    return cidrs
