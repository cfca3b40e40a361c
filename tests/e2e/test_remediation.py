"""Remediation in the local cloud, driven through events, with the partner and the clock scripted."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from icp_local import LocalCloud
from icp_local.scenario import Network, request_for, transit_gateway_network

GRACE = 120
SWEEP = 60


def detection(cloud: LocalCloud) -> int:
    """How long the watcher takes to act on a change: two agreeing reads (a sweep each), after
    however many sweeps the list lags (docs/conformance.md, "Variants")."""
    return SWEEP * (2 + cloud.variants.list_lag)


@pytest.fixture
def active(local_cloud: LocalCloud) -> tuple[LocalCloud, Network, dict[str, Any]]:
    network = transit_gateway_network()
    request = request_for("multicloud-request", network)
    local_cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    local_cloud.run_until_idle()
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE"
    return local_cloud, network, record


def route_kinds(network: Network) -> dict[str, list[str]]:
    routes = boto3.client("ec2").search_transit_gateway_routes(
        TransitGatewayRouteTableId=network.route_table_id, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"]
    return {
        r["DestinationCidrBlock"]: [a["ResourceType"] for a in r["TransitGatewayAttachments"]] for r in routes
    }


def remediations(cloud: LocalCloud) -> list[dict[str, Any]]:
    return [e for e in cloud.executions() if ":icp-remediate:" in e["executionArn"]]


def route_writes(cloud: LocalCloud) -> int:
    return sum(
        n
        for (service, op), n in cloud.api_calls.items()
        if service == "ec2" and op in ("CreateTransitGatewayRoute", "ReplaceTransitGatewayRoute")
    )


def users_own_alarm(cloud: LocalCloud, connection_id: str, kind: str) -> None:
    """An alarm a user made on their own Network Synthetic Monitor probe, named so that
    remediation takes it as a signal (the control plane creates no probe: README)."""
    boto3.client("cloudwatch", region_name=cloud.region).put_metric_alarm(
        AlarmName=f"{cloud.stack_name}-{connection_id}-{kind}",
        Namespace="AWS/NetworkMonitor",
        MetricName="PacketLoss",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=5,
        Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "Monitor", "Value": "users-probe"}],
    )


def test_mark_active_creates_only_the_utilization_alarm_named_after_the_stack(active):
    cloud, _, record = active
    alarms = boto3.client("cloudwatch", region_name=cloud.region).describe_alarms(
        AlarmNamePrefix=f"{cloud.stack_name}-{record['connectionId']}"
    )["MetricAlarms"]

    assert [a["AlarmName"] for a in alarms] == [f"{cloud.stack_name}-{record['connectionId']}-utilization"]


def test_a_link_down_fails_over_within_the_grace_period_and_comes_back_with_its_incident(active):
    cloud, network, record = active
    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}

    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    cloud.advance(GRACE + detection(cloud) + 1)
    assert route_kinds(network) == {"10.128.0.0/16": ["vpn"]}, "on the backup path within grace + detection"
    assert cloud.connection(record["connectionId"])["status"] == "DEGRADED"
    incidents = cloud.servicenow.tickets("incident")
    assert len(incidents) == 1 and incidents[0]["state"] != "6"

    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle()
    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"
    assert cloud.servicenow.tickets("incident")[0]["state"] == "6", "resolved"
    assert [e["status"] for e in remediations(cloud)] == ["SUCCEEDED"]


def test_a_link_that_recovers_within_the_grace_period_changes_no_route(active):
    cloud, _network, record = active
    writes = route_writes(cloud)
    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    cloud.advance(detection(cloud) + 30)  # the watcher has seen it down
    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle()

    assert route_writes(cloud) == writes
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"
    assert cloud.servicenow.tickets("incident") == []
    (execution,) = remediations(cloud)
    assert "recovered-within-grace" in str(execution["history"])


def link_event(cloud: LocalCloud, record: dict[str, Any], before: str, after: str) -> None:
    """What a watcher sweep publishes when it sees the link change (a sweep a minute cannot see
    transitions 15 s apart, so the test publishes each one, as a faster observer would)."""
    cloud.put_event(
        "interconnect-control-plane",
        "Interconnect Link State Changed",
        {
            "connectionId": record["connectionId"],
            "awsConnectionId": record["awsConnectionId"],
            "from": before,
            "to": after,
            "observedAt": cloud.clock.now().isoformat(),
        },
    )


def test_a_flapping_link_fails_over_once_holds_on_the_backup_path_and_comes_back_once(active):
    cloud, network, record = active
    writes = route_writes(cloud)
    partner = cloud.partner("google-cloud")
    for _ in range(10):  # 20 transitions in 5 minutes
        partner.link_down(record["awsConnectionId"])
        link_event(cloud, record, "available", "down")
        cloud.advance(15)
        partner.link_up(record["awsConnectionId"])
        link_event(cloud, record, "down", "available")
        cloud.advance(15)
    assert route_kinds(network) == {"10.128.0.0/16": ["vpn"]}, "held on the backup path while it flaps"
    cloud.run_until_idle()

    history = cloud.connection(record["connectionId"])["history"]
    assert sum(h["to"] == "DEGRADED" for h in history) == 1
    assert route_writes(cloud) - writes == 2, "one failover and one restore"
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"
    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}
    assert len(cloud.servicenow.tickets("incident")) == 1, "escalated once"
    assert len(remediations(cloud)) == 1


def test_sustained_utilization_grows_bandwidth_one_tier_at_a_time_never_above_the_maximum(active):
    cloud, _, record = active
    assert (record["bandwidth"], record["request"]["maxBandwidth"]) == ("1Gbps", "5Gbps")
    for expected in ("2Gbps", "5Gbps", "5Gbps"):
        cloud.set_alarm_state(record["connectionId"], "utilization", "ALARM")
        cloud.set_alarm_state(record["connectionId"], "utilization", "OK")
        cloud.set_alarm_state(record["connectionId"], "utilization", "ALARM")  # the same alarm again
        cloud.run_until_idle()
        current = cloud.connection(record["connectionId"])
        assert (current["status"], current["bandwidth"]) == ("ACTIVE", expected)
    resizes = [e for e in cloud.executions() if ":icp-resize:" in e["executionArn"]]
    assert len(resizes) == 2, "one resize per tier, none above maxBandwidth"


def test_a_deleted_route_is_put_back(active):
    cloud, network, record = active
    boto3.client("ec2").delete_transit_gateway_route(
        TransitGatewayRouteTableId=network.route_table_id, DestinationCidrBlock="10.128.0.0/16"
    )
    assert route_kinds(network) == {}
    cloud.run_until_idle()

    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}
    statuses = [h["to"] for h in cloud.connection(record["connectionId"])["history"]]
    assert statuses[-2:] == ["ROUTES_PROPAGATING", "ACTIVE"]


def test_announced_maintenance_suppresses_failover_and_is_recorded(active):
    cloud, network, record = active
    now = cloud.clock.time()
    cloud.announce_maintenance(record["awsConnectionId"], now + 60, now + 3600)
    cloud.run_until_idle()
    cloud.advance(120)
    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    cloud.advance(GRACE + detection(cloud) + SWEEP)

    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}
    current = cloud.connection(record["connectionId"])
    assert current["status"] == "ACTIVE"
    reasons = [h["reason"] for h in current["history"]]
    assert any("announced maintenance" in r and "suppressed" in r for r in reasons)
    assert any("during announced maintenance" in r and "no failover" in r for r in reasons)
    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle()


def test_duplicated_and_simultaneous_events_cause_one_execution_and_one_set_of_route_changes(active):
    cloud, _network, record = active
    writes = route_writes(cloud)
    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    down = {
        "connectionId": record["connectionId"],
        "awsConnectionId": record["awsConnectionId"],
        "from": "available",
        "to": "down",
        "observedAt": cloud.clock.now().isoformat(),
    }
    cloud.put_event("interconnect-control-plane", "Interconnect Link State Changed", down)
    cloud.put_event("interconnect-control-plane", "Interconnect Link State Changed", down)  # delivered twice
    users_own_alarm(cloud, record["connectionId"], "packet-loss")
    cloud.set_alarm_state(record["connectionId"], "packet-loss", "ALARM")  # another signal, at once
    cloud.advance(GRACE + detection(cloud) + SWEEP)
    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle()

    assert len(remediations(cloud)) == 1
    assert route_writes(cloud) - writes == 2, "one failover and one restore"
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"


def test_a_connection_aws_reports_failed_is_replaced_once_then_escalated(active):
    cloud, network, record = active
    cloud.interconnect.fail_connection(record["awsConnectionId"])
    cloud.run_until_idle()

    replaced = cloud.connection(record["connectionId"])
    assert replaced["status"] == "ACTIVE"
    assert replaced["awsConnectionId"] != record["awsConnectionId"], (
        "a new connection, with a new client token"
    )
    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}
    assert [c["state"] for c in cloud.interconnect.live_resources()] == ["available"]

    cloud.interconnect.fail_connection(replaced["awsConnectionId"])
    cloud.run_until_idle()
    assert cloud.connection(record["connectionId"])["awsConnectionId"] == replaced["awsConnectionId"]
    assert len(cloud.servicenow.tickets("incident")) == 1, "the second failure is escalated"
    assert "escalated" in str(
        [e["detail"] for e in cloud.events_seen if e["detail-type"] == "Interconnect Remediation Completed"]
    )


def test_a_requester_is_reminded_when_the_partner_has_not_accepted_past_the_interval():
    import json
    import time

    from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    from icp_local.scenario import servicenow_ticket

    with LocalCloud(parameters={"ReminderSeconds": "3600"}) as cloud:
        cloud.partner("google-cloud").ignore()
        ticket = servicenow_ticket("request-item-multicloud", transit_gateway_network(cidr="10.40.0.0/16"))
        body, stamp = json.dumps(ticket).encode(), str(int(time.time()))
        status, _ = cloud.api(
            "POST",
            "/v1/webhooks/servicenow",
            body=body,
            signed=False,
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign(cloud.servicenow_webhook_secret, stamp, body),
            },
        )
        assert status == 202
        cloud.advance(3 * 3600 + 1200)  # past the third interval and the next 15-minute check
        reminders = [
            n for n in cloud.servicenow.work_notes("sc_req_item", ticket["sys_id"]) if "Reminder" in n
        ]
        assert len(reminders) == 3, "one per interval, not one per check"
        assert " hours for google-cloud to accept its activation" in reminders[0]


def test_alarms_carry_the_stack_name_another_stacks_are_ignored_and_decommission_removes_older_ones():
    with LocalCloud(stack_name="ops") as cloud:
        network = transit_gateway_network()
        request = request_for("multicloud-request", network)
        cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
        cloud.run_until_idle()
        connection_id = cloud.connection(request["requestId"])["connectionId"]
        cloudwatch = boto3.client("cloudwatch", region_name=cloud.region)
        assert [
            a["AlarmName"]
            for a in cloudwatch.describe_alarms(AlarmNamePrefix=f"ops-{connection_id}")["MetricAlarms"]
        ] == [f"ops-{connection_id}-utilization"]
        # Alarms as a release before 0.6.0 made them, which also look like another stack's named "icp".
        for kind in ("utilization", "latency", "packet-loss"):
            cloudwatch.put_metric_alarm(
                AlarmName=f"icp-{connection_id}-{kind}",
                Namespace="AWS/NetworkMonitor",
                MetricName="RTT",
                Statistic="Average",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1.0,
                ComparisonOperator="GreaterThanThreshold",
            )
        cloud._aws_event(
            "aws.cloudwatch",
            "CloudWatch Alarm State Change",
            {"alarmName": f"icp-{connection_id}-latency", "state": {"value": "ALARM"}},
        )
        cloud.run_until_idle()
        assert not [e for e in cloud.executions() if ":ops-remediate:" in e["executionArn"]]

        cloud.put_event(
            "com.example.network", "Interconnect Decommission Requested", {"connectionId": connection_id}
        )
        cloud.run_until_idle()

        assert cloud.connection(connection_id)["status"] == "DECOMMISSIONED"
        left = [
            a["AlarmName"]
            for a in cloudwatch.describe_alarms()["MetricAlarms"]
            if connection_id in a["AlarmName"]
        ]
        assert left == []
