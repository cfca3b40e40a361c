"""Direct Connect gateways and their associations, which moto 5.2.5 does not implement.

Only the gateway and gateway-association operations are answered here; every other
Direct Connect call falls through to moto. Shapes follow botocore's ``directconnect``
model; delays run on the simulated clock.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any

from icp_local.clock import SimClock, Timer
from icp_local.emulators.botocore_hooks import EmulatedError, ServiceEmulator

CLIENT_ERROR = "DirectConnectClientException"

ASSOCIATE_SECONDS = 60.0
UPDATE_SECONDS = 30.0
DISASSOCIATE_SECONDS = 30.0
GATEWAY_DELETE_SECONDS = 10.0
DEFAULT_ASN = 64512
MAX_ALLOWED_PREFIXES = 200

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
    state: str = "available"

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
    timer: Timer | None = field(default=None, repr=False)

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

    def __init__(self, clock: SimClock, account_id: str = "123456789012"):
        super().__init__()
        self.clock = clock
        self.account_id = account_id
        self._gateways: dict[str, _Gateway] = {}
        self._associations: dict[str, _Association] = {}

    # -- plain-Python view for other emulators and tests -------------------------------------------
    def gateway_exists(self, gateway_id: str) -> bool:
        with self._lock:
            gateway = self._gateways.get(gateway_id)
            return gateway is not None and gateway.state == "available"

    def gateways(self) -> list[dict[str, Any]]:
        with self._lock:
            return [gateway.view() for gateway in self._gateways.values()]

    def associations(self) -> list[dict[str, Any]]:
        with self._lock:
            return [association.view() for association in self._associations.values()]

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
            str(uuid.uuid4()), directConnectGatewayName, amazonSideAsn, self.account_id, tags or []
        )
        self._gateways[gateway.id] = gateway
        self._changed()
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
        if any(a.gateway_id == gateway.id for a in self._associations.values()):
            raise _client_error(f"Direct Connect gateway {gateway.id} has associations; delete them first")
        if gateway.state == "available":
            gateway.state = "deleting"
            self._changed()
            self.clock.call_later(
                GATEWAY_DELETE_SECONDS, lambda: self._forget_gateway(gateway.id), "dx gateway"
            )
        return {"directConnectGateway": gateway.view()}

    def _forget_gateway(self, gateway_id: str) -> None:
        with self._lock:
            if self._gateways.pop(gateway_id, None) is not None:
                self._changed()

    def _gateway(self, gateway_id: str) -> _Gateway:
        gateway = self._gateways.get(gateway_id)
        if gateway is None:
            raise _client_error(f"Direct Connect gateway {gateway_id} does not exist")
        return gateway

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
        if any(a.associated_id == associated_id for a in self._associations.values()):
            raise _client_error(f"{associated_id} is already associated with a Direct Connect gateway")
        association = _Association(
            str(uuid.uuid4()),
            gateway.id,
            self.account_id,
            associated_id,
            associated_type,
            self.region,
            prefixes,
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
                    if a.gateway_id == directConnectGatewayId and a.associated_id == virtualGatewayId
                ),
                "",
            )
        association = self._association(associationId)
        if association.state != "disassociating":
            association.state = "disassociating"
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
        """Move an associating or updating association to associated after ``seconds``."""
        self._cancel(association)

        def done() -> None:
            with self._lock:
                if association.state in ("associating", "updating"):
                    association.state = "associated"
                    association.timer = None
                    self._changed()

        association.timer = self.clock.call_later(seconds, done, f"dx association {association.state}")

    def _forget_association(self, association_id: str) -> None:
        with self._lock:
            if self._associations.pop(association_id, None) is not None:
                self._changed()

    @staticmethod
    def _cancel(association: _Association) -> None:
        if association.timer is not None:
            association.timer.cancel()
            association.timer = None


def _associated_type(gateway_id: str) -> str:
    for prefix, kind in _GATEWAY_TYPES.items():
        if gateway_id.startswith(prefix):
            return kind
    raise _client_error(f"{gateway_id} is not a transit gateway or virtual private gateway id")


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
