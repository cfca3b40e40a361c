"""What public evidence says the real services may do, played in the local cloud: the product
reaches the same outcomes whichever reading the emulators play (docs/conformance.md)."""

from __future__ import annotations

import boto3
import pytest

from icp_local import LocalCloud
from icp_local.scenario import request_for, transit_gateway_network
from icp_local.variants import Variants

DAY = 86400


def provision(cloud: LocalCloud, **changes):
    network = transit_gateway_network()
    request = request_for("multicloud-request", network, **changes)
    cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    cloud.run_until_idle()
    return network, cloud.connection(request["requestId"])


def test_a_multicloud_request_without_any_mtu_runs_at_the_google_networks_mtu(local_cloud: LocalCloud):
    local_cloud.google.set_network_mtu("acme-network-prod", "shared-vpc", 1500)
    _, record = provision(local_cloud)
    assert "mtu" not in record["request"]["aws"] and "mtu" not in record["request"]["remote"]
    assert record["status"] == "ACTIVE", record["statusReason"]


def test_a_google_network_whose_mtu_the_connection_cannot_carry_is_rejected_naming_both_values(
    local_cloud: LocalCloud,
):
    local_cloud.google.set_network_mtu("acme-network-prod", "shared-vpc", 8896)
    _, record = provision(local_cloud)
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith("remote.mtu: mtu-within-connection")
    assert "8896" in record["statusReason"] and "8500" in record["statusReason"]
    assert local_cloud.interconnect.live_resources() == [], "nothing created"


def test_an_aws_mtu_that_differs_from_the_google_network_is_rejected_naming_both(local_cloud: LocalCloud):
    network = transit_gateway_network()
    request = request_for("multicloud-request", network)
    request["aws"]["mtu"] = 8500  # the Google network runs at its default, 1460
    local_cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    local_cloud.run_until_idle()
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "REJECTED"
    assert record["statusReason"].startswith("remote.mtu: mtu-aligned")
    assert "8500" in record["statusReason"] and "1460" in record["statusReason"]


def test_create_connection_carries_the_google_project_as_the_remote_account(local_cloud: LocalCloud):
    _, record = provision(local_cloud)
    (connection,) = [
        c for c in local_cloud.interconnect.connections() if c["id"] == record["awsConnectionId"]
    ]
    found = local_cloud.interconnect.find_by_activation_key(connection["activationKey"])
    assert found["remoteAccount"] == "acme-network-prod"
    assert connection["provider"] == {"cloudServiceProvider": "gcp"}


def test_a_link_down_for_eight_days_then_up_ends_active_on_the_connection_with_the_incident_resolved(
    local_cloud: LocalCloud,
):
    network, record = provision(local_cloud)
    route_table = network.route_table_id

    def route_kinds():
        routes = boto3.client("ec2").search_transit_gateway_routes(
            TransitGatewayRouteTableId=route_table, Filters=[{"Name": "type", "Values": ["static"]}]
        )["Routes"]
        return {
            r["DestinationCidrBlock"]: [a["ResourceType"] for a in r["TransitGatewayAttachments"]]
            for r in routes
        }

    down_since = local_cloud.clock.time()
    local_cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    local_cloud.run_until_idle()  # fail over, then wait for recovery until the wait runs out (7 days)
    assert local_cloud.clock.time() - down_since < 8 * DAY
    local_cloud.clock.advance(8 * DAY - (local_cloud.clock.time() - down_since))  # down for 8 days in all
    degraded = local_cloud.connection(record["connectionId"])
    assert degraded["status"] == "DEGRADED" and route_kinds() == {"10.128.0.0/16": ["vpn"]}
    reasons = " ".join(h["reason"] or "" for h in degraded["history"])
    assert "the link did not recover within the wait" in reasons
    assert "activation window" not in reasons

    local_cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    local_cloud.run_until_idle()
    restored = local_cloud.connection(record["connectionId"])
    assert restored["status"] == "ACTIVE", restored["statusReason"]
    assert route_kinds() == {"10.128.0.0/16": ["direct-connect-gateway"]}
    (incident,) = local_cloud.servicenow.tickets("incident")
    assert incident["state"] == "6", "resolved"


@pytest.mark.own_readings
def test_a_slow_partner_under_the_pending_first_order_is_waited_for_within_the_activation_window():
    with LocalCloud(variants=Variants(state_order="pending-first")) as cloud:
        cloud.partner("google-cloud").accept_after(3 * DAY)  # longer than the old fixed 48 hours
        _, record = provision(cloud)
        assert record["status"] == "ACTIVE", record["statusReason"]
        states = [e["to"] for e in record["history"]]
        assert "FAILED" not in states


def test_a_connection_that_goes_down_while_provisioning_fails_with_a_named_reason(local_cloud: LocalCloud):
    local_cloud.partner("google-cloud").accept_after(60)
    network = transit_gateway_network()
    request = request_for("multicloud-request", network)
    local_cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    for _ in range(20):  # until the partner has accepted and AWS is provisioning the link
        local_cloud.advance(30)
        record = local_cloud.connection(request["requestId"])
        try:
            local_cloud.interconnect.set_link_state(record["awsConnectionId"], "down")
            break
        except ValueError:
            continue
    else:
        raise AssertionError("the partner never accepted")
    local_cloud.run_until_idle()
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "FAILED"
    assert record["statusReason"].startswith("AWS reports the connection down")
    assert f"connection {record['awsConnectionId']}" in record["cleanedUp"]


@pytest.mark.own_readings
def test_reads_that_miss_a_new_connection_and_a_lagging_list_do_not_end_in_clean_up():
    variants = Variants(
        read_after_create_errors=(
            "ResourceNotFoundException",
            "AccessDeniedException",
            "ResourceNotFoundException",
        ),
        list_lag=2,
    )
    with LocalCloud(variants=variants) as cloud:
        _, record = provision(cloud)
        assert record["status"] == "ACTIVE", record["statusReason"]
        assert record["cleanedUp"] == []
