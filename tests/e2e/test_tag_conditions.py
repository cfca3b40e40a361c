"""Destructive actions carry tag conditions (issue 9, item 2), proven in the local cloud: what the
control plane creates carries ``icp:managedBy`` = the stack's name (``icp`` here), its
decommissioning removes it, and the local cloud's IAM enforcer refuses to delete a connection or
a Direct Connect gateway without that tag, whatever the product's own records say."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from icp.lifecycle.transitions import set_fields

from icp_local import LocalCloud
from icp_local.scenario import Network, request_for

# What the tag conditions of the roles allow, not what AWS answers: the default reading only
# (tests/e2e/conftest.py; the readings of gateway deletion are tests/e2e/test_gateway_conformance.py's).
pytestmark = [pytest.mark.e2e, pytest.mark.default_reading]
STACK = "icp"  # LocalCloud's default stack name


def provision(cloud: LocalCloud, sample: str, network: Network) -> dict[str, Any]:
    request = request_for(sample, network)
    status, answer = cloud.api("POST", "/v1/connections", json=request)
    assert status == 202, answer
    cloud.run_until_idle()
    record = cloud.connection(answer["connectionId"])
    assert record is not None and record["status"] == "ACTIVE"
    return record


def decommission(cloud: LocalCloud, record: dict[str, Any]) -> dict[str, Any]:
    status, answer = cloud.api("DELETE", f"/v1/connections/{record['connectionId']}")
    assert status == 202, answer
    cloud.run_until_idle()
    return cloud.connection(record["connectionId"]) or {}


def refused(cloud: LocalCloud) -> set[tuple[str, str]]:
    assert cloud.iam is not None
    return {(d.principal, d.action) for d in cloud.iam.denials}


def gateway_arn(gateway_id: str) -> str:
    return f"arn:aws:directconnect::123456789012:dx-gateway/{gateway_id}"


def test_what_the_control_plane_creates_carries_its_tag_and_its_decommission_removes_it(
    local_cloud: LocalCloud, tgw: Network
):
    record = provision(local_cloud, "multicloud-request", tgw)  # with a new gateway
    [gateway] = local_cloud.directconnect.gateways()
    [tags] = boto3.client("directconnect").describe_tags(
        resourceArns=[gateway_arn(gateway["directConnectGatewayId"])]
    )["resourceTags"]
    assert {"key": "icp:managedBy", "value": STACK} in tags["tags"]
    connection = boto3.client("interconnect").get_connection(identifier=record["awsConnectionId"])[
        "connection"
    ]
    assert connection["tags"]["icp:managedBy"] == STACK

    assert decommission(local_cloud, record)["status"] == "DECOMMISSIONED"
    assert local_cloud.directconnect.gateways() == []
    assert local_cloud.interconnect.live_resources() == []
    assert refused(local_cloud) == set()


@pytest.mark.parametrize(
    ("tags", "deleted"),
    [
        ({"icp:managedBy": "interconnect-control-plane"}, True),  # created by a release before 0.6.0
        ({"icp:managedBy": "another-stack"}, False),
        (None, False),  # no managedBy tag at all
    ],
)
def test_a_connection_is_deleted_only_when_it_carries_this_stacks_tag_or_the_one_before_0_6_0(
    local_cloud: LocalCloud, tgw: Network, tags: dict[str, str] | None, deleted: bool
):
    # Given: a running connection whose managedBy tag is then changed or removed at AWS
    record = provision(local_cloud, "multicloud-request", tgw)
    interconnect = boto3.client("interconnect")
    arn = interconnect.get_connection(identifier=record["awsConnectionId"])["connection"]["arn"]
    interconnect.untag_resource(arn=arn, tagKeys=["icp:managedBy"])
    if tags:
        interconnect.tag_resource(arn=arn, tags=tags)

    # When: it is decommissioned
    after = decommission(local_cloud, record)

    # Then: deleted with the tag of this stack or of a release before it; refused by IAM otherwise
    state = interconnect.get_connection(identifier=record["awsConnectionId"])["connection"]["state"]
    if deleted:
        assert after["status"] == "DECOMMISSIONED" and state in ("deleting", "deleted")
        assert refused(local_cloud) == set()
    else:
        assert after["status"] != "DECOMMISSIONED" and state == "available"
        assert ("DeleteConnectionFunction", "interconnect:DeleteConnection") in refused(local_cloud)
        assert {action for _, action in refused(local_cloud)} == {"interconnect:DeleteConnection"}
        assert local_cloud.iam is not None
        local_cloud.iam.denials.clear()  # expected here; the suite's ledger fails on any other


@pytest.mark.parametrize("case", ["the request's own existing gateway", "a gateway created before 0.6.0"])
def test_a_teardown_that_would_delete_an_untagged_gateway_is_refused_and_the_gateway_kept(
    local_cloud: LocalCloud, request: pytest.FixtureRequest, case: str
):
    # Given: a record that says the product created a gateway which lacks the stack's tag: the
    # customer's gateway the request named (a record gone wrong), or one made before gateways were tagged
    if case == "the request's own existing gateway":
        vgw: Network = request.getfixturevalue("vgw")
        record = provision(local_cloud, "last-mile-request", vgw)
        assert vgw.dx_gateway_id is not None
        gateway_id = vgw.dx_gateway_id
        set_fields(record["connectionId"], gatewayCreated=True)
    else:
        record = provision(local_cloud, "multicloud-request", request.getfixturevalue("tgw"))
        [gateway] = local_cloud.directconnect.gateways()
        gateway_id = gateway["directConnectGatewayId"]
        boto3.client("directconnect").untag_resource(
            resourceArn=gateway_arn(gateway_id), tagKeys=["icp:managedBy"]
        )

    # When: the connection is decommissioned
    after = decommission(local_cloud, record)

    # Then: IAM refuses the gateway's deletion; the connection is gone, the gateway kept and named
    assert refused(local_cloud) == {
        ("MarkDecommissionedFunction", "directconnect:DeleteDirectConnectGateway")
    }
    assert local_cloud.directconnect.gateway_exists(gateway_id)
    assert after["status"] == "DECOMMISSIONED"
    assert f"Direct Connect gateway {gateway_id} kept" in after["statusReason"]
    assert local_cloud.interconnect.live_resources() == []
    assert local_cloud.iam is not None
    local_cloud.iam.denials.clear()  # expected here; the suite's ledger fails on any other
