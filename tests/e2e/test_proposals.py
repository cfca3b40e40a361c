"""Proposals (README, "Proposals"): a Google Cloud transport generates an activation key, and a
request carrying it is accepted rather than created, through every entrance."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from lifecycle_paths import PROVISIONED

from icp_local import LocalCloud
from icp_local.scenario import Network, request_for, transit_gateway_network, virtual_private_gateway_network

REQUESTED = "Interconnect Connection Requested"
SOURCE = "com.example.network"


def propose(cloud: LocalCloud, request: dict[str, Any], bandwidth: str = "2Gbps", **more: Any) -> str:
    """The key a transport made on Google's side generates, in the request's project and network."""
    remote = request["remote"]
    return str(
        cloud.partner("google-cloud").propose(
            aws_region="us-east-1",
            location="us-east4",
            bandwidth=bandwidth,
            project=remote["project"],
            network=remote["network"],
            cidrs=remote["cidrs"],
            **more,
        )
    )


def proposal_request(tgw: Network, **changes: Any) -> dict[str, Any]:
    return request_for("multicloud-proposal", tgw, **changes)


def secrets_left(cloud: LocalCloud) -> list[str]:
    listed = boto3.client("secretsmanager", region_name="us-east-1").list_secrets()["SecretList"]
    return [s["Name"] for s in listed if "/proposals/" in s["Name"]]


def test_a_google_initiated_connection_runs_from_propose_to_active_with_routes_on_both_sides(
    local_cloud: LocalCloud, tgw: Network
):
    request = proposal_request(tgw)
    key = propose(local_cloud, request)
    request["activationKey"] = key
    # Google's side shows the transport, once created, waiting for its key to be taken to AWS.
    local_cloud.clock.advance(15)
    transports = local_cloud.google.list_transports("projects/acme-network-prod/locations/us-east4")
    assert [t["state"] for t in transports] == ["PENDING_KEY"]
    proposal = boto3.client("interconnect", region_name="us-east-1").describe_connection_proposal(
        activationKey=key
    )
    assert proposal["bandwidth"] == "2Gbps" and proposal["location"] == "us-east4"

    local_cloud.put_event(SOURCE, REQUESTED, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    assert [h["to"] for h in record["history"]] == PROVISIONED
    # Bandwidth and location came from the proposal; the connection is the accepted one.
    assert record["bandwidth"] == "2Gbps" and record["remoteLocation"] == "us-east4"
    assert record["request"]["bandwidth"] == "2Gbps" and "activationKey" not in record["request"]
    (connection,) = local_cloud.interconnect.connections()
    assert connection["id"] == record["awsConnectionId"] and connection["state"] == "available"
    assert connection["tags"]["icp:connectionId"] == record["connectionId"]
    # No connection was created from AWS, and no transport of ours was made on Google's side.
    assert local_cloud.api_calls.get(("interconnect", "CreateConnection"), 0) == 0
    (transport,) = local_cloud.google.list_transports("projects/acme-network-prod/locations/us-east4")
    assert transport["state"] == "ACTIVE" and transport["name"] == record["remoteRefs"]["googleTransport"]
    # Routes on the AWS side: the remote CIDRs toward the connection, the AWS CIDRs advertised.
    routes = boto3.client("ec2").search_transit_gateway_routes(
        TransitGatewayRouteTableId=tgw.route_table_id, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"]
    assert {r["DestinationCidrBlock"] for r in routes if r["State"] == "active"} == set(
        request["remote"]["cidrs"]
    )
    # ... and on Google's side: the customer network learned the AWS CIDRs through the peering.
    learned = {r["destRange"] for r in local_cloud.google.routes("acme-network-prod", "shared-vpc")}
    assert set(request["aws"]["cidrs"]) <= learned
    assert secrets_left(local_cloud) == [], "the key was deleted once accepted"


def test_a_proposal_whose_bandwidth_disagrees_with_the_request_is_rejected_naming_bandwidth(
    local_cloud: LocalCloud, tgw: Network
):
    request = proposal_request(tgw, bandwidth="1Gbps")
    request["activationKey"] = propose(local_cloud, request, bandwidth="2Gbps")

    local_cloud.put_event(SOURCE, REQUESTED, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith("bandwidth: matches-proposal:")
    assert local_cloud.interconnect.live_resources() == [] and local_cloud.directconnect.gateways() == []
    assert secrets_left(local_cloud) == []


@pytest.mark.own_readings
@pytest.mark.parametrize("used_error", ["ResourceNotFoundException", "InterconnectValidationException"])
def test_an_unknown_or_used_key_is_rejected_naming_activation_key(used_error: str):
    with LocalCloud(variants=f"used_proposal_error={used_error}") as cloud:
        network = transit_gateway_network()
        unknown = proposal_request(network, requestId="REQ-unknown-key", activationKey="n" * 64)
        cloud.put_event(SOURCE, REQUESTED, unknown)
        used = proposal_request(network, requestId="REQ-used-key")
        used["activationKey"] = propose(cloud, used)
        boto3.client("interconnect", region_name="us-east-1").accept_connection_proposal(
            attachPoint={"directConnectGateway": _gateway(cloud)}, activationKey=used["activationKey"]
        )
        cloud.put_event(SOURCE, REQUESTED, used)
        cloud.run_until_idle()

        for request in (unknown, used):
            record = cloud.connection(request["requestId"])
            assert record["status"] == "REJECTED"
            assert record["statusReason"].startswith("activationKey: open-proposal:"), record["statusReason"]
        assert secrets_left(cloud) == []


def _gateway(cloud: LocalCloud) -> str:
    dx = boto3.client("directconnect", region_name="us-east-1")
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="elsewhere", amazonSideAsn=65001)
    gateway_id = str(gateway["directConnectGateway"]["directConnectGatewayId"])
    while not cloud.directconnect.gateway_exists(gateway_id):
        cloud.clock.advance(5)
    return gateway_id


def test_the_api_accepts_a_proposal_and_answers_422_naming_the_field_of_a_mismatch(
    local_cloud: LocalCloud, tgw: Network
):
    request = proposal_request(tgw, remoteLocation="us-west2")
    request["activationKey"] = propose(local_cloud, request)
    status, body = local_cloud.api("POST", "/v1/connections", json=request)
    assert status == 422 and body["field"] == "remoteLocation", body
    assert local_cloud.connection(request["requestId"]) is None and secrets_left(local_cloud) == []

    del request["remoteLocation"]
    status, body = local_cloud.api("POST", "/v1/connections", json=request)
    assert status == 202, body
    local_cloud.run_until_idle()
    assert local_cloud.connection(request["requestId"])["status"] == "ACTIVE"


def test_a_request_without_a_key_still_needs_bandwidth_and_remote_location(
    local_cloud: LocalCloud, tgw: Network
):
    request = proposal_request(tgw)
    del request["activationKey"]
    status, body = local_cloud.api("POST", "/v1/connections", json=request)
    assert status == 400 and body["field"] == "remoteLocation", body


def test_a_proposal_an_approver_rejects_is_rejected_and_its_key_deleted_unaccepted():
    approver = "arn:aws:sts::123456789012:assumed-role/network-team/bob"
    with LocalCloud(parameters={"LogLevel": "WARNING", "RequireApproval": "true"}) as cloud:
        request = proposal_request(transit_gateway_network())
        request["activationKey"] = propose(cloud, request)
        cloud.put_event(SOURCE, REQUESTED, request)
        cloud.advance(60)  # not run_until_idle: that would run the approval window out
        record = cloud.connection(request["requestId"])
        assert record["waitFor"] == "approval" and secrets_left(cloud) != []

        with cloud.as_principal(approver):
            status, _ = cloud.api(
                "POST",
                f"/v1/connections/{record['connectionId']}/approval",
                json={"decision": "reject", "reason": "not this quarter"},
            )
        assert status == 200
        cloud.advance(60)

        assert cloud.connection(request["requestId"])["status"] == "REJECTED"
        assert secrets_left(cloud) == [] and cloud.interconnect.live_resources() == []
        proposal = boto3.client("interconnect", region_name="us-east-1").describe_connection_proposal(
            activationKey=request["activationKey"]
        )
        assert proposal["bandwidth"] == "2Gbps", "the proposal is still open: nothing accepted it"


def test_a_last_mile_connection_ordered_at_the_partners_portal_is_accepted_and_reaches_active(
    local_cloud: LocalCloud,
):
    # Given a Lumen portal order for a site (AWS's last-mile guide: "Accepting a new last mile
    # Interconnect created on the partner console"), and a request naming its key
    network = virtual_private_gateway_network()
    request = request_for("last-mile-request", network)
    lumen = local_cloud.partner("lumen")
    request["activationKey"] = lumen.propose(aws_region="us-east-1", location="new-york", bandwidth="5Gbps")
    del request["bandwidth"]  # the proposal's

    local_cloud.put_event(SOURCE, REQUESTED, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    assert [h["to"] for h in record["history"]] == PROVISIONED
    assert record["bandwidth"] == "5Gbps" and record["awsConnectionId"].startswith("lmcc-")
    assert local_cloud.api_calls.get(("interconnect", "CreateConnection"), 0) == 0
    # The portal's order, found by the accepted connection's sharedId, carries the routes.
    (order,) = lumen.orders()
    assert order["sharedId"] == record["sharedId"] and order["state"] == "accepted"
    assert order["awsPrefixes"] == request["aws"]["cidrs"]
    assert order["sitePrefixes"] == request["remote"]["cidrs"]
    assert record["remoteRefs"]["partnerActivation"] == f"lumen/{record['sharedId']}"
    assert secrets_left(local_cloud) == [], "the key was deleted once accepted"

    # Decommissioning withdraws the order as for a connection AWS created.
    status, _ = local_cloud.api("DELETE", f"/v1/connections/{record['connectionId']}")
    assert status == 202
    local_cloud.run_until_idle()
    assert local_cloud.connection(record["connectionId"])["status"] == "DECOMMISSIONED"
    assert lumen.orders() == [] and local_cloud.interconnect.live_resources() == []
