"""The Direct Connect emulator's association proposals, through real boto3 clients under moto:
the transit gateway's owner (another account) proposes, the Direct Connect gateway's owner accepts
(docs/conformance.md, "Direct Connect gateways and associations")."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from icp_local.clock import SimClock
from icp_local.emulators.directconnect_model import ASSOCIATE_SECONDS, GATEWAY_PENDING_SECONDS

HUB = "123456789012"  # the emulator's account (moto's default)
SPOKE = "210987654321"
TGW = "tgw-0fedcba9876543210"


@pytest.fixture
def gateway_id(directconnect: Any, clock: SimClock) -> str:
    created = directconnect.create_direct_connect_gateway(directConnectGatewayName="hub", amazonSideAsn=64512)
    clock.advance(GATEWAY_PENDING_SECONDS)
    return str(created["directConnectGateway"]["directConnectGatewayId"])


def _client_in(account: str) -> Any:
    """A Direct Connect client signing for ``account`` (a role assumed there, as moto switches accounts)."""
    found = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/caller", RoleSessionName="test"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretAccessKey"],
        aws_session_token=found["SessionToken"],
    ).client("directconnect", region_name="us-east-1")


@pytest.fixture
def spoke(directconnect: Any) -> Any:
    """A Direct Connect client signing for the spoke account."""
    return _client_in(SPOKE)


def _propose(spoke: Any, gateway_id: str, cidrs: tuple[str, ...] = ("10.60.0.0/16",), **more: Any) -> dict:
    return spoke.create_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway_id,
        directConnectGatewayOwnerAccount=HUB,
        gatewayId=TGW,
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": c} for c in cidrs],
        **more,
    )["directConnectGatewayAssociationProposal"]


def test_a_proposal_is_requested_by_the_gateway_owner_and_accepted_into_an_association(
    directconnect: Any, spoke: Any, gateway_id: str, clock: SimClock
):
    proposal = _propose(spoke, gateway_id)
    assert proposal["proposalState"] == "requested"
    assert proposal["associatedGateway"] == {
        "id": TGW,
        "type": "transitGateway",
        "ownerAccount": SPOKE,
        "region": "us-east-1",
    }
    assert proposal["directConnectGatewayOwnerAccount"] == HUB
    assert proposal["existingAllowedPrefixesToDirectConnectGateway"] == []
    assert proposal["requestedAllowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.60.0.0/16"}]

    association = directconnect.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway_id,
        proposalId=proposal["proposalId"],
        associatedGatewayOwnerAccount=SPOKE,
    )["directConnectGatewayAssociation"]
    assert association["associationState"] == "associating"
    assert association["associatedGateway"]["ownerAccount"] == SPOKE
    assert association["directConnectGatewayOwnerAccount"] == HUB
    clock.advance(ASSOCIATE_SECONDS)
    [listed] = directconnect.describe_direct_connect_gateway_associations(directConnectGatewayId=gateway_id)[
        "directConnectGatewayAssociations"
    ]
    assert listed["associationState"] == "associated"
    [accepted] = spoke.describe_direct_connect_gateway_association_proposals(
        proposalId=proposal["proposalId"]
    )["directConnectGatewayAssociationProposals"]
    assert accepted["proposalState"] == "accepted"


def test_only_the_direct_connect_gateway_owner_accepts_and_only_once(
    directconnect: Any, spoke: Any, gateway_id: str
):
    proposal = _propose(spoke, gateway_id)
    with pytest.raises(ClientError, match="DirectConnectClientException"):
        spoke.accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=gateway_id,
            proposalId=proposal["proposalId"],
            associatedGatewayOwnerAccount=SPOKE,
        )
    with pytest.raises(ClientError, match="not made by account"):
        directconnect.accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=gateway_id,
            proposalId=proposal["proposalId"],
            associatedGatewayOwnerAccount=HUB,
        )
    directconnect.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway_id,
        proposalId=proposal["proposalId"],
        associatedGatewayOwnerAccount=SPOKE,
    )
    with pytest.raises(ClientError, match="is accepted"):
        directconnect.accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=gateway_id,
            proposalId=proposal["proposalId"],
            associatedGatewayOwnerAccount=SPOKE,
        )


def test_a_proposal_names_the_gateway_owner_and_a_transit_gateway_needs_prefixes(spoke: Any, gateway_id: str):
    with pytest.raises(ClientError, match="not owned by account"):
        spoke.create_direct_connect_gateway_association_proposal(
            directConnectGatewayId=gateway_id,
            directConnectGatewayOwnerAccount=SPOKE,
            gatewayId=TGW,
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.60.0.0/16"}],
        )
    with pytest.raises(ClientError, match="needs allowed prefixes"):
        _propose(spoke, gateway_id, cidrs=())


def test_a_second_proposal_updates_the_existing_associations_prefixes(
    directconnect: Any, spoke: Any, gateway_id: str, clock: SimClock
):
    first = _propose(spoke, gateway_id)
    directconnect.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway_id, proposalId=first["proposalId"], associatedGatewayOwnerAccount=SPOKE
    )
    clock.advance(ASSOCIATE_SECONDS)
    second = _propose(spoke, gateway_id, cidrs=("10.61.0.0/16",))
    assert second["existingAllowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.60.0.0/16"}]
    assert second["requestedAllowedPrefixesToDirectConnectGateway"] == [
        {"cidr": "10.60.0.0/16"},
        {"cidr": "10.61.0.0/16"},
    ]
    updated = directconnect.accept_direct_connect_gateway_association_proposal(
        directConnectGatewayId=gateway_id,
        proposalId=second["proposalId"],
        associatedGatewayOwnerAccount=SPOKE,
    )["directConnectGatewayAssociation"]
    assert updated["associationState"] == "updating"
    assert {p["cidr"] for p in updated["allowedPrefixesToDirectConnectGateway"]} == {
        "10.60.0.0/16",
        "10.61.0.0/16",
    }
    assert (
        len(
            directconnect.describe_direct_connect_gateway_associations(directConnectGatewayId=gateway_id)[
                "directConnectGatewayAssociations"
            ]
        )
        == 1
    )


def test_a_deleted_proposal_cannot_be_accepted(directconnect: Any, spoke: Any, gateway_id: str):
    proposal = _propose(spoke, gateway_id)
    deleted = spoke.delete_direct_connect_gateway_association_proposal(proposalId=proposal["proposalId"])[
        "directConnectGatewayAssociationProposal"
    ]
    assert deleted["proposalState"] == "deleted"
    with pytest.raises(ClientError, match="is deleted"):
        directconnect.accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=gateway_id,
            proposalId=proposal["proposalId"],
            associatedGatewayOwnerAccount=SPOKE,
        )
    assert (
        directconnect.describe_direct_connect_gateway_associations(directConnectGatewayId=gateway_id)[
            "directConnectGatewayAssociations"
        ]
        == []
    )
    with pytest.raises(ClientError, match="does not exist"):
        spoke.delete_direct_connect_gateway_association_proposal(proposalId="0" * 36)


def test_a_proposal_is_seen_by_its_two_accounts_only(directconnect: Any, spoke: Any, gateway_id: str):
    proposal = _propose(spoke, gateway_id)
    third = _client_in("333333333333")

    def seen(client: Any) -> list[str]:
        answer = client.describe_direct_connect_gateway_association_proposals()
        return [p["proposalId"] for p in answer["directConnectGatewayAssociationProposals"]]

    assert seen(spoke) == [proposal["proposalId"]], "the proposer"
    assert seen(directconnect) == [proposal["proposalId"]], "the Direct Connect gateway's owner"
    assert seen(third) == [], "an account with no part in it"
