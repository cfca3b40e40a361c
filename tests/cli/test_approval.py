"""`icp approve` and `icp reject` with the approval gate on (RequireApproval).

While an execution waits for approval the clock is moved with `advance`, never
`run_until_idle`: that would run the approval timeout out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_support import Local, multicloud, serving

from icp_local.scenario import transit_gateway_network


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving({"RequireApproval": "true"}) as local:
        yield local


REQUESTER = "arn:aws:sts::123456789012:assumed-role/network-team/alice"


def _held(local: Local, n: int) -> str:
    """A request from someone else than the operator that `icp` runs as (so it may approve)."""
    with local.cloud.as_principal(REQUESTER):
        connection_id = local.submit(multicloud(transit_gateway_network(cidr=f"10.{20 + n}.0.0/16"), 20 + n))
    local.cloud.advance(60)
    return connection_id


def test_a_held_request_shows_it_waits_for_an_approver_and_approve_lets_it_provision(local: Local):
    connection_id = _held(local, 1)

    shown = local.icp("show", connection_id)
    result = local.icp("approve", connection_id, "--reason", "change CHG0042 approved")

    assert "current step  Wait For Approval (waiting)" in shown.stdout
    assert "waiting on    approval: an approver (icp approve / icp reject)" in shown.stdout
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{connection_id}: approved; provisioning goes on"
    local.cloud.run_until_idle()
    record = local.cloud.connection(connection_id)
    assert record["status"] == "ACTIVE"
    notes = [h["reason"] for h in record["history"] if h["from"] == h["to"]]
    assert any(n.startswith("approved by ") and n.endswith(": change CHG0042 approved") for n in notes), notes
    again = local.icp("approve", connection_id)
    assert again.exit_code == 1
    assert "is not waiting for approval" in again.stderr and "rule: awaiting-approval" in again.stderr


def test_reject_ends_a_held_request_rejected_with_nothing_created(local: Local):
    connection_id = _held(local, 2)

    answer = local.icp_json("reject", connection_id, "--reason", "no budget this quarter")

    assert answer == {"connectionId": connection_id, "decision": "rejected"}
    local.cloud.advance(60)
    record = local.cloud.connection(connection_id)
    assert record["status"] == "REJECTED"
    assert "no budget this quarter" in record["statusReason"]
    assert record["awsConnectionId"] is None


def test_reject_needs_a_reason(local: Local):
    result = local.icp("reject", "REQ-ANY")

    assert result.exit_code == 2
    assert "Missing option '--reason'" in result.stderr


def test_icp_approve_by_the_requester_is_refused_naming_the_rule_and_the_request_stays_held(local: Local):
    connection_id = _held(local, 3)

    with local.cloud.as_principal(REQUESTER):  # icp signs with the requester's own keys
        result = local.icp("approve", connection_id)

    assert result.exit_code == 4, result.output
    assert "an approver may not approve their own request" in result.stderr
    assert "rule: approver-is-not-requester" in result.stderr
    record = local.cloud.connection(connection_id)
    assert (record["status"], record["waitFor"]) == ("VALIDATED", "approval")
    assert not any(h["reason"].startswith("approved by") for h in record["history"] if h["reason"])
