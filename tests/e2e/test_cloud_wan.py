"""Cloud WAN in the local cloud (README, "Cloud WAN"): the Direct Connect gateway attached to a
core network segment, its routes verified there, a failover escalated and recovered, a
decommission that deletes the attachment; and the attachment's acceptance, both ways."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest

from icp_local import LocalCloud
from icp_local.scenario import sample_event

GRACE = 120
SWEEP = 60
REMOTE = "10.140.0.0/16"
VPC = "10.20.0.0/16"

POLICY: dict[str, Any] = {
    "version": "2021.12",
    "core-network-configuration": {
        "asn-ranges": ["64512-64555"],
        "edge-locations": [{"location": "us-east-1"}, {"location": "us-west-2"}],
    },
    "segments": [
        {"name": "prod", "require-attachment-acceptance": False},
        {"name": "shared", "edge-locations": ["us-west-2"], "require-attachment-acceptance": True},
    ],
    "attachment-policies": [
        {
            "rule-number": 100,
            "condition-logic": "or",
            "conditions": [{"type": "tag-exists", "key": "segment"}],
            "action": {"association-method": "tag", "tag-value-of-key": "segment"},
        }
    ],
}


@pytest.fixture
def core(local_cloud: LocalCloud) -> str:
    """A core network whose segments hold a VPC with the request's AWS CIDR."""
    core_id = local_cloud.networkmanager.add_core_network(POLICY)
    local_cloud.networkmanager.add_segment_route(core_id, "prod", VPC)
    local_cloud.networkmanager.add_segment_route(core_id, "shared", VPC)
    return core_id


def cloud_wan_request(core_id: str, request_id: str, **aws: Any) -> dict[str, Any]:
    detail = copy.deepcopy(sample_event("cloud-wan-request")["detail"])
    detail["requestId"] = request_id
    merged = {**detail["aws"], "gatewayId": core_id, **aws}
    detail["aws"] = {k: v for k, v in merged.items() if v is not None}  # None: leave the field out
    return detail


def segment_routes(cloud: LocalCloud, core_id: str, segment: str, edge: str) -> dict[str, list[str]]:
    client = boto3.client("networkmanager", region_name="us-west-2")
    global_id = client.get_core_network(CoreNetworkId=core_id)["CoreNetwork"]["GlobalNetworkId"]
    routes = client.get_network_routes(
        GlobalNetworkId=global_id,
        RouteTableIdentifier={
            "CoreNetworkSegmentEdge": {"CoreNetworkId": core_id, "SegmentName": segment, "EdgeLocation": edge}
        },
    )["NetworkRoutes"]
    return {r["DestinationCidrBlock"]: [d["ResourceType"] for d in r["Destinations"]] for r in routes}


def test_a_cloud_wan_connection_reaches_active_with_its_segment_routes_then_fails_over_and_is_decommissioned(
    local_cloud: LocalCloud, core: str
):
    cloud = local_cloud
    request = cloud_wan_request(core, "REQ-CLOUD-WAN-1")

    status, body = cloud.api("POST", "/v1/connections", json=request)
    assert status == 202, body
    cloud.run_until_idle()

    record = cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    [attachment] = cloud.networkmanager.attachments()
    assert (attachment["State"], attachment["SegmentName"], attachment["EdgeLocations"]) == (
        "AVAILABLE",
        "prod",
        ["us-east-1"],
    )
    tags = {t["Key"]: t["Value"] for t in attachment["Tags"]}
    assert tags["segment"] == "prod" and tags["icp:managedBy"] == cloud.stack_name
    assert segment_routes(cloud, core, "prod", "us-east-1") == {
        REMOTE: ["direct-connect-gateway"],
        VPC: ["vpc"],
    }
    steps = [h["to"] for h in record["history"]]
    assert steps[-3:] == ["PROVISIONING", "ROUTES_PROPAGATING", "ACTIVE"]

    # Failover: Cloud WAN takes no backup target; the link's routes leave the segment, and the
    # control plane escalates, then verifies them back in the segment on recovery.
    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    cloud.advance(GRACE + SWEEP * (2 + cloud.variants.list_lag) + 1)
    degraded = cloud.connection(record["connectionId"])
    assert degraded["status"] == "DEGRADED"
    assert "no backup path configured: escalated" in degraded["statusReason"]
    assert REMOTE not in segment_routes(cloud, core, "prod", "us-east-1"), "BGP withdrew it"

    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle()
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"
    assert segment_routes(cloud, core, "prod", "us-east-1")[REMOTE] == ["direct-connect-gateway"]

    status, _ = cloud.api("DELETE", f"/v1/connections/{request['requestId']}")
    assert status == 202
    cloud.run_until_idle()
    gone = cloud.connection(record["connectionId"])
    assert gone["status"] == "DECOMMISSIONED", gone["statusReason"]
    assert cloud.networkmanager.attachments() == []
    assert REMOTE not in segment_routes(cloud, core, "prod", "us-east-1")
    assert cloud.directconnect.gateways() == [], "the gateway it created went once the attachment had"


def test_cloud_wan_requests_name_their_segment_and_edge_locations(local_cloud: LocalCloud, core: str):
    cloud = local_cloud
    checks = [
        ({"segment": None}, 400, "aws.segment"),
        ({"routeTableIds": ["rtb-0123456789abcdef0"]}, 400, "aws.routeTableIds"),
        ({"backupTarget": {"gatewayId": "vgw-0123456789abcdef0"}}, 400, "aws.backupTarget"),
        ({"segment": "dev"}, 400, "aws.segment"),
        ({"segment": "shared", "edgeLocations": ["us-east-1"]}, 400, "aws.edgeLocations"),
    ]
    for n, (aws, want_status, field) in enumerate(checks):
        status, body = cloud.api(
            "POST", "/v1/connections", json=cloud_wan_request(core, f"REQ-CW-BAD-{n}", **aws)
        )
        assert (status, body.get("field")) == (want_status, field), body
    status, body = cloud.api(
        "POST", "/v1/connections", json=cloud_wan_request("core-network-0000000000000000f", "REQ-CW-BAD-9")
    )
    assert (status, body.get("field"), body.get("rule")) == (422, "aws.gatewayId", "exists"), body
    assert cloud.networkmanager.attachments() == []


def _until_pending_acceptance(cloud: LocalCloud, limit: int = 120) -> dict[str, Any]:
    for _ in range(limit):
        cloud.advance(60)
        found = cloud.networkmanager.attachments()
        if found and found[0]["State"] == "PENDING_ATTACHMENT_ACCEPTANCE":
            return found[0]
    raise AssertionError("the attachment never awaited acceptance")


def test_an_attachment_the_segment_makes_wait_is_accepted_by_the_owner_then_active(
    local_cloud: LocalCloud, core: str
):
    cloud = local_cloud
    request = cloud_wan_request(core, "REQ-CLOUD-WAN-2", segment="shared", edgeLocations=["us-west-2"])
    cloud.put_event("com.example.network", "Interconnect Connection Requested", request)

    attachment = _until_pending_acceptance(cloud)
    cloud.advance(SWEEP)
    waiting = cloud.connection(request["requestId"])
    assert waiting["status"] == "ROUTES_PROPAGATING"
    assert "awaits acceptance by the core network's owner" in waiting["history"][-1]["reason"]

    boto3.client("networkmanager", region_name="us-west-2").accept_attachment(
        AttachmentId=attachment["AttachmentId"]
    )
    cloud.run_until_idle()
    assert cloud.connection(request["requestId"])["status"] == "ACTIVE"
    assert REMOTE in segment_routes(cloud, core, "shared", "us-west-2")


def test_an_attachment_nobody_accepts_fails_the_request_and_is_rejected_and_deleted(
    local_cloud: LocalCloud, core: str
):
    cloud = local_cloud
    request = cloud_wan_request(core, "REQ-CLOUD-WAN-3", segment="shared", edgeLocations=["us-west-2"])
    cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    _until_pending_acceptance(cloud)

    cloud.run_until_idle()  # the activation window runs out
    failed = cloud.connection(request["requestId"])
    assert failed["status"] == "FAILED"
    assert "Cloud WAN attachment was not AVAILABLE within the activation window" in failed["statusReason"]
    assert cloud.networkmanager.attachments() == [], "rejected, then deleted"
