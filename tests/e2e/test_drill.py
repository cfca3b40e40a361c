"""Failover drills through the API (`POST /v1/connections/{id}/drill`) in the local cloud: a
route table change to the backup path and back, never an outage of the link."""

from __future__ import annotations

from typing import Any

import pytest
from test_remediation import remediations, route_kinds, route_writes

from icp_local import LocalCloud
from icp_local.iam import running_as
from icp_local.scenario import Network, request_for, transit_gateway_network


def provision(cloud: LocalCloud, network: Network, **changes: Any) -> dict[str, Any]:
    request = request_for("multicloud-request", network, **changes)
    status, answer = cloud.api("POST", "/v1/connections", json=request)
    assert status == 202, answer
    cloud.run_until_idle()
    record = cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE"
    return record


@pytest.fixture
def active(local_cloud: LocalCloud) -> tuple[LocalCloud, Network, dict[str, Any]]:
    network = transit_gateway_network()
    return local_cloud, network, provision(local_cloud, network)


def test_a_drill_moves_the_routes_to_the_backup_path_and_back_and_ends_active(active):
    cloud, network, record = active
    writes = route_writes(cloud)
    seen: list[tuple[str, dict[str, list[str]]]] = []

    def on_status(event: dict[str, Any]) -> None:  # the routes as each status change is published
        if event["detail-type"] == "Interconnect Connection Status Changed":
            with running_as(None):  # read as the operator, not as the function publishing
                seen.append((event["detail"]["to"], route_kinds(network)))

    cloud.on_event(on_status)
    status, answer = cloud.api(
        "POST", f"/v1/connections/{record['connectionId']}/drill", json={"reason": "quarterly drill"}
    )
    assert status == 202, answer
    assert answer["action"] == "drill" and ":icp-remediate:" in answer["executionArn"]
    cloud.run_until_idle()

    assert seen == [
        ("DEGRADED", {"10.128.0.0/16": ["vpn"]}),
        ("ACTIVE", {"10.128.0.0/16": ["direct-connect-gateway"]}),
    ]
    current = cloud.connection(record["connectionId"])
    assert current["status"] == "ACTIVE"
    assert route_writes(cloud) - writes == 2, "one move to the backup path and one back"
    drill = [h for h in current["history"] if "drill" in (h["reason"] or "")]
    assert [(h["from"], h["to"]) for h in drill] == [
        ("ACTIVE", "DEGRADED"),
        ("DEGRADED", "DEGRADED"),
        ("DEGRADED", "ACTIVE"),
    ]
    assert "quarterly drill" in drill[0]["reason"] and "backup path" in drill[0]["reason"]
    assert "verified on the backup path" in drill[1]["reason"]
    assert drill[2]["reason"] == "failover drill finished: routes back on the connection and verified"
    assert cloud.servicenow.tickets("incident") == [], "a drill is no outage: no incident"
    assert [e["status"] for e in remediations(cloud)] == ["SUCCEEDED"]
    completed = [
        e["detail"] for e in cloud.events_seen if e["detail-type"] == "Interconnect Remediation Completed"
    ]
    assert completed == [{"connectionId": record["connectionId"], "action": "drill", "outcome": "restored"}]
    assert cloud.interconnect.live_resources()[0]["state"] == "available", "the link itself never went down"


def test_a_drill_without_a_body_is_accepted_and_a_second_one_while_it_runs_is_a_conflict(active):
    cloud, _network, record = active
    status, _ = cloud.api("POST", f"/v1/connections/{record['requestId']}/drill")
    assert status == 202
    status, answer = cloud.api("POST", f"/v1/connections/{record['connectionId']}/drill")
    # The first drill holds the lease; once its execution has moved the connection off ACTIVE
    # (it runs on a thread of its own, so that may come first), the status check refuses it.
    assert status == 409 and answer["rule"] in {"no-remediation-running", "active"}, answer
    cloud.run_until_idle()
    assert cloud.connection(record["connectionId"])["status"] == "ACTIVE"
    assert [e["status"] for e in remediations(cloud)] == ["SUCCEEDED"], "one drill ran"


def test_a_drill_of_a_connection_without_a_backup_path_is_refused_naming_aws_backup_target(local_cloud):
    network = transit_gateway_network(vpn_backup=False)
    record = provision(local_cloud, network)
    writes = route_writes(local_cloud)

    status, answer = local_cloud.api("POST", f"/v1/connections/{record['connectionId']}/drill", json={})
    assert status == 422
    assert (answer["error"], answer["field"], answer["rule"]) == (
        "NoBackupPath",
        "aws.backupTarget",
        "backup-path-required",
    )
    local_cloud.run_until_idle()
    assert remediations(local_cloud) == [] and route_writes(local_cloud) == writes, "nothing written"
    assert local_cloud.connection(record["connectionId"])["history"] == record["history"]


def test_a_drill_whose_backup_vpn_is_gone_is_refused_as_no_available_backup_path(local_cloud):
    import boto3

    network = transit_gateway_network()
    record = provision(local_cloud, network)
    ec2 = boto3.client("ec2")
    for vpn in ec2.describe_vpn_connections()["VpnConnections"]:
        ec2.delete_vpn_connection(VpnConnectionId=vpn["VpnConnectionId"])

    status, answer = local_cloud.api("POST", f"/v1/connections/{record['connectionId']}/drill")
    assert (status, answer["field"], answer["rule"]) == (422, "aws.backupTarget", "backup-path-available"), (
        answer
    )


def test_a_drill_of_a_connection_that_is_not_active_is_a_conflict(local_cloud):
    local_cloud.partner("google-cloud").ignore()
    request = request_for("multicloud-request", transit_gateway_network())
    status, answer = local_cloud.api("POST", "/v1/connections", json=request)
    assert status == 202
    local_cloud.advance(600)
    assert local_cloud.connection(answer["connectionId"])["status"] == "AWAITING_ACTIVATION"

    status, refused = local_cloud.api(
        "POST", f"/v1/connections/{answer['connectionId']}/drill", json={"reason": "too early"}
    )
    assert (status, refused["error"], refused["field"], refused["rule"]) == (
        409,
        "Conflict",
        "connectionId",
        "active",
    )
    assert "AWAITING_ACTIVATION" in refused["message"]


def test_a_drill_body_with_an_unknown_field_is_malformed_before_anything_is_looked_up(local_cloud):
    status, answer = local_cloud.api("POST", "/v1/connections/REQ-NOBODY/drill", json={"force": True})
    assert status == 400 and answer["field"] == "force", answer
    assert remediations(local_cloud) == []
