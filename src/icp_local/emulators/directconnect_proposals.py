"""The Direct Connect emulator's association proposals (icp_local.emulators.directconnect): how a
transit or virtual private gateway in one account is associated with a Direct Connect gateway
owned by another. The gateway's owner proposes (CreateDirectConnectGatewayAssociationProposal),
the Direct Connect gateway's owner accepts (AcceptDirectConnectGatewayAssociationProposal), and
the association is then made, or updated, as the owner's own CreateDirectConnectGatewayAssociation
would (AWS Direct Connect User Guide, "Associating a transit gateway across accounts"). The
account of a caller is the one its credentials sign for (``ServiceEmulator.caller_account``).
Sources for each behaviour, and what is assumed, are listed in docs/conformance.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from icp_local.emulators.directconnect_model import (
    Association,
    DirectConnectState,
    cidrs_of,
    client_error,
    gateway_type_of,
)

PROPOSAL_STATES = ("requested", "accepted", "deleted")  # the model's enum


@dataclass
class Proposal:
    id: str
    gateway_id: str
    gateway_owner: str
    associated_id: str
    associated_type: str
    associated_owner: str
    region: str
    existing: list[str]
    requested: list[str]
    state: str = "requested"

    def view(self) -> dict[str, Any]:
        return {
            "proposalId": self.id,
            "directConnectGatewayId": self.gateway_id,
            "directConnectGatewayOwnerAccount": self.gateway_owner,
            "proposalState": self.state,
            "associatedGateway": {
                "id": self.associated_id,
                "type": self.associated_type,
                "ownerAccount": self.associated_owner,
                "region": self.region,
            },
            "existingAllowedPrefixesToDirectConnectGateway": [{"cidr": c} for c in self.existing],
            "requestedAllowedPrefixesToDirectConnectGateway": [{"cidr": c} for c in self.requested],
        }


class AssociationProposals(DirectConnectState):
    """Mixed into ``DirectConnectEmulator``: the proposal operations."""

    _proposals: dict[str, Proposal]

    def proposals(self) -> list[dict[str, Any]]:
        """Every proposal, in any state (for tests: what is left behind)."""
        with self._lock:
            return [p.view() for p in self._proposals.values()]

    def create_direct_connect_gateway_association_proposal(
        self,
        directConnectGatewayId: str,
        directConnectGatewayOwnerAccount: str,
        gatewayId: str,
        addAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
        removeAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        gateway = self._gateway(directConnectGatewayId)
        if gateway.owner != directConnectGatewayOwnerAccount:
            raise client_error(
                f"Direct Connect gateway {gateway.id} is not owned by account {directConnectGatewayOwnerAccount}"
            )
        associated_type = gateway_type_of(gatewayId)
        existing = self._live_with(gateway.id, gatewayId)
        add = cidrs_of(addAllowedPrefixesToDirectConnectGateway or [])
        remove = set(cidrs_of(removeAllowedPrefixesToDirectConnectGateway or []))
        current = list(existing.prefixes) if existing is not None else []
        requested = [c for c in current if c not in remove] + [c for c in add if c not in current]
        if associated_type == "transitGateway" and not requested:
            raise client_error("An association with a transit gateway needs allowed prefixes")
        proposal = Proposal(
            str(uuid.uuid4()),
            gateway.id,
            gateway.owner,
            gatewayId,
            associated_type,
            self.caller_account or self.account_id,
            self.region,
            current,
            requested,
        )
        self._proposals[proposal.id] = proposal
        self._changed()
        return {"directConnectGatewayAssociationProposal": proposal.view()}

    def describe_direct_connect_gateway_association_proposals(
        self,
        directConnectGatewayId: str | None = None,
        proposalId: str | None = None,
        associatedGatewayId: str | None = None,
        maxResults: int | None = None,
        nextToken: str | None = None,
    ) -> dict[str, Any]:
        wanted = {
            "gateway_id": directConnectGatewayId,
            "id": proposalId,
            "associated_id": associatedGatewayId,
        }
        caller = self.caller_account or self.account_id
        items = [
            p
            for p in self._proposals.values()
            # An account sees the proposals it made and those for its own Direct Connect gateways.
            if caller in (p.gateway_owner, p.associated_owner)
            and all(value is None or getattr(p, attr) == value for attr, value in wanted.items())
        ]
        return self._paged(
            "directConnectGatewayAssociationProposals", items, maxResults, nextToken, lambda p: p.view()
        )

    def accept_direct_connect_gateway_association_proposal(
        self,
        directConnectGatewayId: str,
        proposalId: str,
        associatedGatewayOwnerAccount: str,
        overrideAllowedPrefixesToDirectConnectGateway: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        proposal = self._proposal(proposalId)
        gateway = self._gateway(directConnectGatewayId)
        caller = self.caller_account or self.account_id
        if proposal.gateway_id != gateway.id or gateway.owner != caller:
            raise client_error(
                f"Proposal {proposalId} is not for a Direct Connect gateway of account {caller}"
            )
        if proposal.associated_owner != associatedGatewayOwnerAccount:
            raise client_error(
                f"Proposal {proposalId} was not made by account {associatedGatewayOwnerAccount}"
            )
        if proposal.state != "requested":
            raise client_error(f"Proposal {proposalId} is {proposal.state}")
        prefixes = (
            cidrs_of(overrideAllowedPrefixesToDirectConnectGateway)
            if overrideAllowedPrefixesToDirectConnectGateway
            else list(proposal.requested)
        )
        existing = self._live_with(gateway.id, proposal.associated_id)
        if existing is None:
            answer = self._associate(gateway, proposal.associated_id, prefixes, proposal.associated_owner)
        else:
            have = set(existing.prefixes)
            answer = self.update_direct_connect_gateway_association(
                associationId=existing.id,
                addAllowedPrefixesToDirectConnectGateway=[{"cidr": c} for c in prefixes if c not in have],
                removeAllowedPrefixesToDirectConnectGateway=[
                    {"cidr": c} for c in existing.prefixes if c not in prefixes
                ],
            )
        proposal.state = "accepted"
        self._changed()
        return answer

    def delete_direct_connect_gateway_association_proposal(self, proposalId: str) -> dict[str, Any]:
        proposal = self._proposal(proposalId)
        proposal.state = "deleted"
        self._changed()
        return {"directConnectGatewayAssociationProposal": proposal.view()}

    def _proposal(self, proposal_id: str) -> Proposal:
        proposal = self._proposals.get(proposal_id)
        if proposal is None:
            raise client_error(f"Direct Connect gateway association proposal {proposal_id} does not exist")
        return proposal

    def _live_with(self, gateway_id: str, associated_id: str) -> Association | None:
        return next(
            (
                a
                for a in self._associations.values()
                if a.gateway_id == gateway_id and a.associated_id == associated_id and a.live
            ),
            None,
        )
