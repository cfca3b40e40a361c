"""A transit gateway in another account (README "Other accounts"): the control plane assumes the
spoke role there, the gateway's owner proposes the Direct Connect gateway association and the
stack's account accepts it, and decommissioning leaves nothing behind in either account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from icp_local import LocalCloud
from icp_local.scenario import Network, request_for, transit_gateway_network
from icp_local.spoke import SPOKE_ACCOUNT, SPOKE_ROLE_NAME, create_spoke_role, operator_session
from icp_local.template import ACCOUNT_ID

SOURCE = "com.example.network"
EXTERNAL_ID = "icp-spoke-7f3a9c"
SPOKE = f"{SPOKE_ROLE_NAME}@{SPOKE_ACCOUNT}"  # how the local cloud's IAM ledger names the spoke role


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(parameters={"SpokeExternalId": EXTERNAL_ID}) as cloud:
        yield cloud


@pytest.fixture
def spoke(cloud: LocalCloud) -> Network:
    """The spoke account's role (as docs/iam.md gives it) and its transit gateway network."""
    create_spoke_role(cloud.region, cloud.stack_name, EXTERNAL_ID)
    return transit_gateway_network(
        cloud.region, "10.60.0.0/16", vpn_backup=False, session=operator_session(cloud.region)
    )


def spoke_request(network: Network) -> dict[str, Any]:
    request = request_for("cross-account-request", network)
    assert request["aws"]["accountId"] == SPOKE_ACCOUNT
    return request


def static_routes(table: str) -> set[str]:
    routes = (
        operator_session("us-east-1")
        .client("ec2")
        .search_transit_gateway_routes(
            TransitGatewayRouteTableId=table, Filters=[{"Name": "type", "Values": ["static"]}]
        )["Routes"]
    )
    return {r["DestinationCidrBlock"] for r in routes if r["State"] == "active"}


def test_a_transit_gateway_in_another_account_goes_active_by_proposal_and_decommissions_to_nothing(
    cloud: LocalCloud, spoke: Network
):
    request = spoke_request(spoke)
    cloud.put_event(SOURCE, "Interconnect Connection Requested", request)
    cloud.run_until_idle()

    record = cloud.connection(request["requestId"])
    assert record is not None and record["status"] == "ACTIVE", record and record["statusReason"]
    # Given: the transit gateway is the spoke's, unknown to the stack's account.
    hub_gateways = boto3.client("ec2").describe_transit_gateways()["TransitGateways"]
    assert spoke.gateway_id not in {g["TransitGatewayId"] for g in hub_gateways}
    # The spoke proposed, the stack's account accepted: one association, owned across accounts.
    [proposal] = cloud.directconnect.proposals()
    assert proposal["proposalState"] == "accepted"
    assert proposal["associatedGateway"]["ownerAccount"] == SPOKE_ACCOUNT
    assert proposal["directConnectGatewayOwnerAccount"] == ACCOUNT_ID
    [association] = cloud.directconnect.associations()
    assert association["associatedGateway"] == {
        "id": spoke.gateway_id,
        "type": "transitGateway",
        "ownerAccount": SPOKE_ACCOUNT,
        "region": "us-east-1",
    }
    assert {p["cidr"] for p in association["allowedPrefixesToDirectConnectGateway"]} == {"10.60.0.0/16"}
    # The routes are in the spoke's table, written by the spoke role (checked against its policy).
    assert static_routes(spoke.route_table_id) == set(request["remote"]["cidrs"])
    assert cloud.iam is not None
    assert cloud.iam.calls[(SPOKE, "ec2:CreateTransitGatewayRoute")] == 1
    assert cloud.iam.calls[(SPOKE, "directconnect:CreateDirectConnectGatewayAssociationProposal")] == 1
    assert (
        cloud.iam.calls[
            ("PropagateRoutesFunction", "directconnect:AcceptDirectConnectGatewayAssociationProposal")
        ]
        == 1
    )
    assert cloud.iam.calls[("PropagateRoutesFunction", "sts:AssumeRole")] >= 1
    assert cloud.iam.denials == []

    cloud.put_event(SOURCE, "Interconnect Decommission Requested", {"connectionId": record["connectionId"]})
    cloud.run_until_idle()

    record = cloud.connection(request["requestId"])
    assert record is not None and record["status"] == "DECOMMISSIONED", record and record["statusReason"]
    # Nothing left in the spoke account: no routes, no attachment for the DX gateway, no open proposal.
    assert static_routes(spoke.route_table_id) == set()
    attachments = operator_session("us-east-1").client("ec2").describe_transit_gateway_attachments()
    assert [
        a for a in attachments["TransitGatewayAttachments"] if a["ResourceType"] == "direct-connect-gateway"
    ] == []
    assert [p for p in cloud.directconnect.proposals() if p["proposalState"] == "requested"] == []
    # Nor in the stack's: no association, no gateway it created, no connection, no transport.
    assert cloud.directconnect.associations() == []
    assert cloud.directconnect.gateways() == []
    assert cloud.interconnect.live_resources() == []
    assert cloud.google.resources() == []
    assert cloud.iam.calls[(SPOKE, "ec2:DeleteTransitGatewayRoute")] == 1
    assert cloud.iam.denials == []


def test_a_request_overlapping_another_accounts_connection_is_rejected(cloud: LocalCloud, spoke: Network):
    cloud.put_event(SOURCE, "Interconnect Connection Requested", spoke_request(spoke))
    cloud.run_until_idle()
    # A remote network inside the spoke connection's, asked for in the stack's own account.
    own = request_for(
        "multicloud-request",
        transit_gateway_network(cidr="10.61.0.0/16", vpn_backup=False),
        requestId="REQ-2026-0102",
    )
    own["remote"]["cidrs"] = ["10.132.0.0/20"]
    cloud.put_event(SOURCE, "Interconnect Connection Requested", own)
    cloud.run_until_idle()

    record = cloud.connection("REQ-2026-0102")
    assert record is not None and record["status"] == "REJECTED"
    assert "no-overlap-with-existing-connections" in record["statusReason"]


def test_a_spoke_role_that_does_not_trust_the_external_id_rejects_the_request_naming_aws_account_id():
    with LocalCloud(parameters={"SpokeExternalId": "not-the-one-it-trusts"}) as cloud:
        create_spoke_role(cloud.region, cloud.stack_name, EXTERNAL_ID)
        network = transit_gateway_network(
            cloud.region, "10.60.0.0/16", vpn_backup=False, session=operator_session(cloud.region)
        )
        request = spoke_request(network)
        cloud.put_event(SOURCE, "Interconnect Connection Requested", request)
        cloud.run_until_idle()

        record = cloud.connection(request["requestId"])
        assert record is not None and record["status"] == "REJECTED"
        assert "aws.accountId" in record["statusReason"] and "spoke-role-assumable" in record["statusReason"]
        assert "not-the-one-it-trusts" not in str(record), "the external id is never echoed"
        assert cloud.iam is not None
        assert {d.action for d in cloud.iam.trust_denials} == {"sts:AssumeRole"}
        assert cloud.iam.denials == []  # the stack's own roles were allowed to ask
        assert cloud.directconnect.proposals() == [] and cloud.directconnect.associations() == []
        assert cloud.interconnect.live_resources() == []
        assert static_routes(network.route_table_id) == set()


def test_a_link_down_fails_the_spoke_routes_over_to_its_vpn_and_back(cloud: LocalCloud):
    create_spoke_role(cloud.region, cloud.stack_name, EXTERNAL_ID)
    network = transit_gateway_network(cloud.region, "10.60.0.0/16", session=operator_session(cloud.region))
    request = spoke_request(network)
    assert request["aws"]["backupTarget"] == {"transitGatewayId": network.gateway_id}
    cloud.put_event(SOURCE, "Interconnect Connection Requested", request)
    cloud.run_until_idle()
    record = cloud.connection(request["requestId"])
    assert record is not None and record["status"] == "ACTIVE"

    def route_kinds() -> dict[str, list[str]]:
        routes = (
            operator_session(cloud.region)
            .client("ec2")
            .search_transit_gateway_routes(
                TransitGatewayRouteTableId=network.route_table_id,
                Filters=[{"Name": "type", "Values": ["static"]}],
            )["Routes"]
        )
        return {
            r["DestinationCidrBlock"]: [a["ResourceType"] for a in r["TransitGatewayAttachments"]]
            for r in routes
        }

    assert route_kinds() == {"10.132.0.0/16": ["direct-connect-gateway"]}
    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    cloud.advance(120 + 60 * (2 + cloud.variants.list_lag) + 1)  # grace, then the watcher's detection
    assert route_kinds() == {"10.132.0.0/16": ["vpn"]}, "the spoke's routes are on its VPN"
    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle()
    assert route_kinds() == {"10.132.0.0/16": ["direct-connect-gateway"]}
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"
    assert cloud.iam is not None and cloud.iam.denials == []
    assert cloud.iam.calls[("FailOverFunction", "sts:AssumeRole")] >= 1
