"""Whole provisioning flows in the local cloud, driven through EventBridge events."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from lifecycle_paths import PROVISIONED

from icp_local import LocalCloud
from icp_local.scenario import Network, request_for, transit_gateway_network

REQUESTED = "Interconnect Connection Requested"
SOURCE = "com.example.network"


def submit(cloud: LocalCloud, request: dict[str, Any]) -> None:
    cloud.put_event(SOURCE, REQUESTED, request)


def assert_nothing_created(cloud: LocalCloud, existing_gateways: int = 0) -> None:
    assert cloud.interconnect.live_resources() == []
    assert len(cloud.directconnect.gateways()) == existing_gateways
    assert cloud.directconnect.associations() == []
    assert cloud.google.resources() == []


def existing_connection(
    cloud: LocalCloud, environment: str, accept: bool = True, region: str = "us-east-1"
) -> str:
    """A connection made outside the control plane (another team's), to fill quotas."""
    dx = boto3.client("directconnect", region_name="us-east-1")
    gateway = dx.create_direct_connect_gateway(
        directConnectGatewayName=f"other-{environment}", amazonSideAsn=65000
    )["directConnectGateway"]
    while not cloud.directconnect.gateway_exists(gateway["directConnectGatewayId"]):
        cloud.clock.advance(5)  # new gateways are pending for a while
    remote = "noc@example.com" if environment.startswith("lmce-") else "other-team-project"
    params: dict[str, Any] = {
        "environmentId": environment,
        "bandwidth": "1Gbps",
        "attachPoint": {"directConnectGateway": gateway["directConnectGatewayId"]},
        "remoteAccount": {"identifier": remote},
    }
    connection = boto3.client("interconnect", region_name=region).create_connection(**params)["connection"]
    if accept:
        cloud.interconnect.partner_accept(
            cloud.interconnect.find_by_activation_key(connection["activationKey"])["activationKey"]
        )
    cloud.clock.advance(60)  # another team's connection, made a while before the request
    return connection["id"]


def test_a_multicloud_request_reaches_active_with_routes_on_both_sides(local_cloud: LocalCloud, tgw: Network):
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    assert record["awsConnectionId"].startswith("mcc-") and record["awsState"] == "available"
    assert [h["to"] for h in record["history"]] == PROVISIONED
    routes = boto3.client("ec2").search_transit_gateway_routes(
        TransitGatewayRouteTableId=tgw.route_table_id, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"]
    assert {r["DestinationCidrBlock"] for r in routes if r["State"] == "active"} == set(
        request["remote"]["cidrs"]
    )
    association = local_cloud.directconnect.associations()[0]
    assert {p["cidr"] for p in association["allowedPrefixesToDirectConnectGateway"]} == set(
        request["aws"]["cidrs"]
    )
    assert local_cloud.google.resources(), "the Google transport and peering exist"


def test_a_last_mile_request_reaches_active_on_an_existing_gateway(local_cloud: LocalCloud, vgw: Network):
    request = request_for("last-mile-request", vgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    assert record["awsConnectionId"].startswith("lmcc-")
    tables = boto3.client("ec2").describe_route_tables(RouteTableIds=[vgw.route_table_id])["RouteTables"]
    to_site = [r for r in tables[0]["Routes"] if r.get("DestinationCidrBlock") == "192.168.40.0/22"]
    assert to_site and to_site[0]["GatewayId"] == vgw.gateway_id
    assert len(local_cloud.directconnect.gateways()) == 1, "the existing gateway was used, none created"


def test_a_three_day_partner_wait_costs_no_more_steps_than_a_one_minute_wait():
    transitions = []
    for delay in (60, 3 * 86400):
        with LocalCloud() as cloud:
            network = transit_gateway_network()
            cloud.partner("google-cloud").accept_after(delay)
            submit(cloud, request_for("multicloud-request", network))
            cloud.run_until_idle()
            assert cloud.connection("REQ-2026-0001")["status"] == "ACTIVE"
            (execution,) = cloud.executions()
            transitions.append(len(execution["history"]))
    assert transitions[0] == transitions[1] <= 80, transitions


REJECTIONS = [
    ("unsupported pair", {"remoteLocation": "asia-east1"}, "remoteLocation", "supported-pair"),
    ("bandwidth not offered", {"bandwidth": "3Gbps"}, "bandwidth", "offered-bandwidth"),
    (
        "overlapping CIDR",
        {
            "remote": {
                "project": "acme-network-prod",
                "network": "shared-vpc",
                "cidrs": ["10.10.128.0/17"],
                "mtu": 1460,
            }
        },
        "remote.cidrs",
        "no-overlap",
    ),
    (
        "MTU the connection cannot carry",
        {
            "remote": {
                "project": "acme-network-prod",
                "network": "shared-vpc",
                "cidrs": ["10.128.0.0/16"],
                "mtu": 8896,
            }
        },
        "remote.mtu",
        "mtu-within-connection",
    ),
    (
        "region locality",
        {"awsRegion": "us-west-2", "remoteLocation": "us-west1"},
        "aws.gatewayId",
        "region-locality",
    ),
]


@pytest.mark.parametrize(("case", "changes", "field", "rule"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_a_request_that_fails_a_check_is_rejected_with_nothing_created(
    local_cloud: LocalCloud, tgw: Network, case: str, changes: dict, field: str, rule: str
):
    request = request_for("multicloud-request", tgw, **changes)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith(f"{field}: {rule}:")
    assert_nothing_created(local_cloud)


def test_an_unknown_direct_connect_gateway_is_rejected(local_cloud: LocalCloud, vgw: Network):
    request = request_for(
        "last-mile-request",
        vgw,
        attachPoint={"directConnectGatewayId": "00000000-0000-4000-8000-000000000000"},
    )
    submit(local_cloud, request)
    local_cloud.run_until_idle()
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith("attachPoint.directConnectGatewayId: exists:")


def test_a_request_overlapping_a_running_connection_is_rejected(local_cloud: LocalCloud, tgw: Network):
    submit(local_cloud, request_for("multicloud-request", tgw))
    local_cloud.run_until_idle()
    second = request_for("multicloud-request", tgw, requestId="REQ-2026-0003")
    second["aws"]["cidrs"] = ["10.30.0.0/16"]
    submit(local_cloud, second)
    local_cloud.run_until_idle()
    record = local_cloud.connection("REQ-2026-0003")
    assert record["status"] == "REJECTED"
    assert "no-overlap-with-existing-connections" in record["statusReason"]


QUOTAS = [
    (
        "multicloud per provider",
        ["mce-aws-gcp-iad"] * 2,
        "multicloud-request",
        "provider: quota-multicloud-per-provider",
    ),
    (
        "last mile per provider",
        ["lmce-aws-lumen-new-york"] * 2,
        "last-mile-request",
        "provider: quota-last-mile-per-provider",
    ),
    (
        "outstanding requested",
        ["mce-aws-gcp-iad"] * 2 + ["lmce-aws-lumen-chicago"] * 2,
        "multicloud-request",
        "awsRegion: quota-outstanding-requested",
    ),
]


@pytest.mark.parametrize(("case", "environments", "sample", "reason"), QUOTAS, ids=[q[0] for q in QUOTAS])
def test_a_request_over_a_quota_is_rejected(
    local_cloud: LocalCloud,
    tgw: Network,
    vgw: Network,
    case: str,
    environments: list[str],
    sample: str,
    reason: str,
):
    accept = case != "outstanding requested"
    for environment in environments:
        existing_connection(local_cloud, environment, accept=accept)
    before = {c["id"] for c in local_cloud.interconnect.live_resources()}
    request = request_for(sample, tgw if sample.startswith("multicloud") else vgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith(reason)
    assert {c["id"] for c in local_cloud.interconnect.live_resources()} == before, "nothing new created"


def test_a_request_over_the_account_connection_quota_is_rejected():
    with LocalCloud(
        interconnect_options={
            "max_multicloud_per_provider": 20,
            "max_last_mile_per_provider": 20,
            "max_requested": 20,
        }
    ) as cloud:
        network = transit_gateway_network()
        for index in range(10):
            existing_connection(cloud, ["mce-aws-gcp-iad", "lmce-aws-lumen-seattle"][index % 2])
        request = request_for("multicloud-request", network)
        submit(cloud, request)
        cloud.run_until_idle()
        record = cloud.connection(request["requestId"])
        assert record["status"] == "REJECTED"
        assert record["statusReason"].startswith("awsRegion: quota-created-connections")


def test_connections_in_other_regions_count_against_the_account_wide_quota(
    local_cloud: LocalCloud, tgw: Network
):
    # Given two Google connections in London, made by another team
    for _ in range(2):
        existing_connection(local_cloud, "mce-aws-gcp-lhr", region="eu-west-2")
    # When a Google connection is requested in us-east-1
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()
    # Then the account-wide count rejects it, and the message says the scope
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith("provider: quota-multicloud-per-provider")
    assert "in the account (all Regions" in record["statusReason"]


def test_a_partner_rejection_fails_the_connection_and_frees_the_quota_slot(
    local_cloud: LocalCloud, vgw: Network
):
    local_cloud.partner("lumen").reject("site survey failed")
    request = request_for("last-mile-request", vgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "FAILED"
    assert record["statusReason"].startswith("the partner rejected the activation")
    assert f"connection {record['awsConnectionId']}" in record["cleanedUp"]
    assert local_cloud.interconnect.live_resources() == []


def test_an_expired_activation_window_deletes_the_connection(local_cloud: LocalCloud, tgw: Network):
    local_cloud.partner("google-cloud").ignore()
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "FAILED"
    assert record["statusReason"].startswith("activation window expired")
    assert local_cloud.interconnect.live_resources() == []
    assert local_cloud.directconnect.gateways() == [], "the gateway it created is gone too"
    assert local_cloud.google.resources() == []


def test_the_same_request_sent_twice_makes_one_connection(local_cloud: LocalCloud, tgw: Network):
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    assert len(local_cloud.connections()) == 1
    assert local_cloud.connection(request["requestId"])["status"] == "ACTIVE"
    assert len(local_cloud.interconnect.connections()) == 1
    assert sorted(e["status"] for e in local_cloud.executions()) == ["SUCCEEDED", "SUCCEEDED"]


def test_a_throttled_create_connection_is_retried_and_the_flow_completes(
    local_cloud: LocalCloud, tgw: Network
):
    local_cloud.interconnect.fail_next("CreateConnection", "ThrottlingException", times=2)
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    assert local_cloud.connection(request["requestId"])["status"] == "ACTIVE"
    assert local_cloud.interconnect.calls["CreateConnection"] == 3
    assert len(local_cloud.interconnect.connections()) == 1
