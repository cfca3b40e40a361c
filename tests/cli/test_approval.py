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


def _held(local: Local, n: int) -> str:
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
