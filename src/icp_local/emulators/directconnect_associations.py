"""The Direct Connect emulator's gateway associations (icp_local.emulators.directconnect): creating,
describing, updating and deleting them, and their states on the simulated clock. Sources for
each behaviour are listed in docs/conformance.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from icp_local.emulators.directconnect_model import (
    ASSOCIATE_SECONDS,
    DISASSOCIATE_SECONDS,
    FAILED_ASSOCIATION_RETENTION_SECONDS,
    MAX_ALLOWED_PREFIXES,
    UPDATE_SECONDS,
    Association,
    DirectConnectState,
    Gateway,
    cidrs_of,
    client_error,
    gateway_type_of,
)


class GatewayAssociations(DirectConnectState):
    """Mixed into ``DirectConnectEmulator``: the association operations."""

    # -- associations ------------------------------------------------------------------------------
    def create_direct_connect_gateway_association(
        self,
        directConnectGatewayId: str,
        gatewayId: str | None = None,
        addAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
        virtualGatewayId: str | None = None,
    ) -> dict[str, Any]:
        gateway = self._gateway(directConnectGatewayId)
        associated_id = self._one_associated_gateway(gatewayId, virtualGatewayId)
        prefixes = cidrs_of(addAllowedPrefixesToDirectConnectGateway or [])
        return self._associate(gateway, associated_id, prefixes)

    def _associate(
        self, gateway: Gateway, associated_id: str, prefixes: list[str], associated_owner: str | None = None
    ) -> dict[str, Any]:
        """A new association (also what accepting a proposal makes, with the proposer's account
        as ``associated_owner``)."""
        if gateway.state != "available":
            raise client_error(f"Direct Connect gateway {gateway.id} is {gateway.state}")
        associated_type = gateway_type_of(associated_id)
        if associated_type == "transitGateway" and not prefixes:
            raise client_error("An association with a transit gateway needs allowed prefixes")
        if any(a.associated_id == associated_id and a.live for a in self._associations.values()):
            raise client_error(f"{associated_id} is already associated with a Direct Connect gateway")
        association = Association(
            str(uuid.uuid4()),
            gateway.id,
            self.account_id,
            associated_id,
            associated_type,
            self.region,
            prefixes,
            associated_owner=associated_owner,
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
        return self._paged(
            "directConnectGatewayAssociations", items, maxResults, nextToken, lambda a: a.view()
        )

    def update_direct_connect_gateway_association(
        self,
        associationId: str | None = None,
        addAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
        removeAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        association = self._association(associationId)
        if association.state != "associated":
            raise client_error(
                f"Association {association.id} is {association.state} and cannot be updated now"
            )
        add = cidrs_of(addAllowedPrefixesToDirectConnectGateway or [])
        remove = set(cidrs_of(removeAllowedPrefixesToDirectConnectGateway or []))
        prefixes = [cidr for cidr in association.prefixes if cidr not in remove]
        prefixes += [cidr for cidr in add if cidr not in prefixes]
        if association.associated_type == "transitGateway" and not prefixes:
            raise client_error("An association with a transit gateway needs at least one allowed prefix")
        if len(prefixes) > MAX_ALLOWED_PREFIXES:
            raise client_error(f"At most {MAX_ALLOWED_PREFIXES} allowed prefixes per association")
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
                raise client_error("Give associationId, or directConnectGatewayId and virtualGatewayId")
            associationId = next(
                (
                    a.id
                    for a in self._associations.values()
                    if a.gateway_id == directConnectGatewayId
                    and a.associated_id == virtualGatewayId
                    and a.live
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

    def _association(self, association_id: str | None) -> Association:
        association = self._associations.get(association_id or "")
        if association is None:
            raise client_error(f"Direct Connect gateway association {association_id} does not exist")
        return association

    def _one_associated_gateway(self, gateway_id: str | None, virtual_gateway_id: str | None) -> str:
        if (gateway_id is None) == (virtual_gateway_id is None):
            raise client_error("Give exactly one of gatewayId and virtualGatewayId")
        return gateway_id or virtual_gateway_id or ""

    def _settle(self, association: Association, seconds: float) -> None:
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
