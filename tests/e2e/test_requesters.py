"""Who may ask (README, "Who may ask"): the bus policy names the principals that may put the two
request detail-types, and an approver may not approve their own request or decommission.

While an execution waits for an approver the clock is moved with `advance`, never
`run_until_idle`, which would run the approval window out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from icp_local import LocalCloud
from icp_local.scenario import request_for, transit_gateway_network

# Who may request and approve (the bus policy, the API's IAM auth), not what AWS answers: the
# default reading only (tests/e2e/conftest.py).
pytestmark = pytest.mark.default_reading

REQUESTED = "Interconnect Connection Requested"
DECOMMISSION = "Interconnect Decommission Requested"
SOURCE = "com.example.network"
ACCOUNT = "123456789012"
ALICE = f"arn:aws:sts::{ACCOUNT}:assumed-role/network-team/alice"
BOB = f"arn:aws:sts::{ACCOUNT}:assumed-role/network-team/bob"
MALLORY = f"arn:aws:sts::{ACCOUNT}:assumed-role/intruder/mallory"


@contextmanager
def cloud_with(**parameters: str) -> Iterator[LocalCloud]:
    with LocalCloud(
        parameters={
            "LogLevel": "WARNING",
            "RequesterPrincipals": f"arn:aws:iam::{ACCOUNT}:role/network-*",
            **parameters,
        }
    ) as cloud:
        yield cloud


def a_request(n: int) -> dict[str, Any]:
    return request_for(
        "multicloud-request", transit_gateway_network(cidr=f"10.{60 + n}.0.0/16"), requestId=f"REQ-ASK-{n}"
    )


def provision_executions(cloud: LocalCloud) -> list[dict[str, Any]]:
    return [e for e in cloud.executions() if ":icp-provision:" in e["executionArn"]]


def test_a_principal_not_in_requester_principals_is_refused_and_nothing_is_created():
    with cloud_with() as cloud:
        request = a_request(1)
        with cloud.as_principal(MALLORY), pytest.raises(ValueError, match="AccessDeniedException"):
            cloud.put_event(SOURCE, REQUESTED, request)
        with cloud.as_principal(MALLORY):
            answer = boto3.client("events").put_events(
                Entries=[
                    {
                        "EventBusName": cloud.stack.outputs["EventBusName"],
                        "Source": SOURCE,
                        "DetailType": DECOMMISSION,
                        "Detail": '{"connectionId": "icc-0a1b2c3d4e5f60718293"}',
                    },
                    {
                        "EventBusName": cloud.stack.outputs["EventBusName"],
                        "Source": SOURCE,
                        "DetailType": "Inventory Note",
                        "Detail": "{}",
                    },
                ]
            )
        cloud.run_until_idle()

        assert answer["FailedEntryCount"] == 1
        refused, passed = answer["Entries"]
        assert refused["ErrorCode"] == "AccessDeniedException"
        assert refused["ErrorMessage"].startswith(
            f"User: {MALLORY} is not authorized to perform: events:PutEvents"
        )
        assert "explicit deny in a resource-based policy" in refused["ErrorMessage"]
        assert "EventId" in passed  # a refusal is per entry: the rest of the call goes on
        assert cloud.connection(request["requestId"]) is None
        assert provision_executions(cloud) == []
        assert {d.caller_arn for d in cloud.iam.caller_denials} == {MALLORY}
        assert cloud.iam.denials == []  # no function of the control plane was refused


def test_a_principal_in_requester_principals_is_taken_and_recorded_as_the_event_account_and_source():
    with cloud_with() as cloud:
        request = a_request(2)
        with cloud.as_principal(ALICE):
            cloud.put_event(SOURCE, REQUESTED, request)
        cloud.run_until_idle()

        record = cloud.connection(request["requestId"])
        assert record["status"] == "ACTIVE", record["statusReason"]
        assert record["requestedBy"] == [f"events:{ACCOUNT}/{SOURCE}"]


def test_the_operator_is_refused_once_requester_principals_leaves_it_out_and_allowed_by_default():
    with cloud_with() as cloud, pytest.raises(ValueError, match="AccessDeniedException"):
        cloud.put_event(SOURCE, REQUESTED, a_request(3))
    with LocalCloud(parameters={"LogLevel": "WARNING"}) as cloud:  # default: any IAM principal of the account
        cloud.put_event(SOURCE, REQUESTED, a_request(3))
        cloud.advance(60)
        assert cloud.connection("REQ-ASK-3") is not None


def active_connection_asked_by_alice(cloud: LocalCloud, n: int) -> tuple[str, str]:
    """(connectionId, AWS connection id) of a connection Alice asked for, ACTIVE."""
    with cloud.as_principal(ALICE):
        _, accepted = cloud.api("POST", "/v1/connections", json=a_request(n))
    cloud.run_until_idle()
    record = cloud.connection(accepted["connectionId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    return record["connectionId"], record["awsConnectionId"]


def _approve(
    cloud: LocalCloud, who: str, connection_id: str, decision: str = "approve", reason: str | None = None
) -> tuple[int, Any]:
    with cloud.as_principal(who):
        return cloud.api(
            "POST",
            f"/v1/connections/{connection_id}/approval",
            json={"decision": decision, **({"reason": reason} if reason else {})},
        )


def test_a_requester_may_not_approve_their_own_request_and_someone_else_may():
    with cloud_with(RequireApproval="true") as cloud:
        with cloud.as_principal(ALICE):
            status, accepted = cloud.api("POST", "/v1/connections", json=a_request(4))
        assert status == 202, accepted
        cloud.advance(60)
        before = cloud.connection(accepted["connectionId"])

        status, refused = _approve(cloud, ALICE, accepted["connectionId"])

        assert before["requestedBy"] == [ALICE] and before["waitFor"] == "approval"
        assert status == 403
        assert (refused["error"], refused["field"], refused["rule"]) == (
            "SelfApproval",
            "approver",
            "approver-is-not-requester",
        )
        assert "an approver may not approve their own request" in refused["message"]
        assert cloud.connection(accepted["connectionId"]) == before  # nothing written
        status, decided = _approve(cloud, BOB, accepted["connectionId"])  # same role, another person
        assert (status, decided["decision"]) == (200, "approved")
        cloud.run_until_idle()
        record = cloud.connection(accepted["connectionId"])
        assert record["status"] == "ACTIVE", record["statusReason"]
        assert any(h["reason"] == f"approved by {BOB}" for h in record["history"])


def test_a_decommission_waits_for_an_approver_other_than_its_requester_and_a_rejection_changes_nothing():
    with cloud_with(RequireDecommissionApproval="true") as cloud:
        connection_id, aws_id = active_connection_asked_by_alice(cloud, 5)
        with cloud.as_principal(ALICE):
            status, held = cloud.api("DELETE", f"/v1/connections/{connection_id}")
            again, conflict = cloud.api("DELETE", f"/v1/connections/{connection_id}")
        cloud.advance(60)
        waiting = cloud.connection(connection_id)
        self_status, refused = _approve(cloud, ALICE, connection_id)
        reject_status, _ = _approve(cloud, BOB, connection_id, "reject", "still carrying traffic")
        cloud.advance(60)
        after_rejection = cloud.connection(connection_id)

        assert (status, held["status"], held["awaiting"]) == (202, "ACTIVE", "approval")
        assert (again, conflict["rule"]) == (409, "not-waiting")
        assert (waiting["status"], waiting["decommissionRequestedBy"]) == ("ACTIVE", [ALICE])
        assert waiting["decommissionHeldSince"] is not None and waiting["waitFor"] is None
        assert (self_status, refused["rule"]) == (403, "approver-is-not-requester")
        assert reject_status == 200
        assert after_rejection["status"] == "ACTIVE" and after_rejection["decommissionHeldSince"] is None
        assert any(
            h["reason"] == f"decommission rejected by {BOB}: still carrying traffic"
            for h in after_rejection["history"]
        )
        assert any(c["id"] == aws_id for c in cloud.interconnect.live_resources())

        # Asked again by an event, approved by someone else: it proceeds.
        with cloud.as_principal(ALICE):
            cloud.put_event(SOURCE, DECOMMISSION, {"connectionId": connection_id})
        cloud.advance(60)
        held_by_event = cloud.connection(connection_id)
        status, _ = _approve(cloud, BOB, connection_id)
        cloud.run_until_idle()

        assert held_by_event["decommissionRequestedBy"] == [f"events:{ACCOUNT}/{SOURCE}"]
        assert held_by_event["decommissionHeldSince"] is not None
        assert status == 200
        assert cloud.connection(connection_id)["status"] == "DECOMMISSIONED"


def test_a_link_that_fails_while_a_decommission_waits_for_approval_is_remediated_and_the_approval_still_counts():
    with cloud_with(RequireDecommissionApproval="true") as cloud:
        connection_id, aws_id = active_connection_asked_by_alice(cloud, 6)
        with cloud.as_principal(ALICE):
            status, held = cloud.api("DELETE", f"/v1/connections/{connection_id}")
        cloud.advance(60)

        # The link fails while the approver decides: remediation parks on its own wait.
        cloud.partner("google-cloud").link_down(aws_id)
        cloud.advance(600)
        during = cloud.connection(connection_id)
        cloud.partner("google-cloud").link_up(aws_id)
        cloud.advance(900)  # not run_until_idle: that would run the approval wait out too
        recovered = cloud.connection(connection_id)
        approved, decided = _approve(cloud, BOB, connection_id)
        cloud.run_until_idle()

        assert (status, held["awaiting"]) == (202, "approval")
        assert during["status"] == "DEGRADED" and during["decommissionHeldSince"] is not None
        assert recovered["status"] == "ACTIVE" and recovered["decommissionHeldSince"] is not None
        assert (approved, decided["decision"]) == (200, "approved")
        assert cloud.connection(connection_id)["status"] == "DECOMMISSIONED"
