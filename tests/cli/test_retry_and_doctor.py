"""`icp doctor` on a healthy account and on one with a FAILED connection, and `icp retry`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cli_support import Local, last_mile, serving

from icp_local.scenario import virtual_private_gateway_network


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving() as local:
        yield local


def test_doctor_on_a_healthy_account_shows_quotas_environments_and_no_problems(local: Local):
    result = local.icp("doctor")
    account = local.icp_json("doctor", "--region", "us-east-1")

    assert result.exit_code == 0, result.output
    assert "Quotas in us-east-1" in result.stdout
    assert "created connections" in result.stdout and "mce-aws-gcp-iad" in result.stdout
    assert "No problems" in result.stdout
    assert account["region"] == "us-east-1" and account["problems"] == []
    quotas = {q["name"]: q for q in account["quotas"]}
    assert (
        quotas["created connections"]["left"]
        == quotas["created connections"]["limit"] - quotas["created connections"]["used"]
    )
    environments = {e["environmentId"]: e for e in account["environments"]}
    assert (
        environments["lmce-aws-lumen-new-york"]["state"] == "available"
        and "10Gbps" in environments["lmce-aws-lumen-new-york"]["bandwidths"]
    )


def test_doctor_refuses_a_region_that_does_not_exist(local: Local):
    result = local.icp("doctor", "--region", "moon-central-1")

    assert result.exit_code == 2
    assert "field: region   rule: known-region" in result.stderr


def _failed(local: Local, n: int) -> str:
    """A last-mile connection the partner rejects: FAILED, with what it created cleaned up."""
    local.cloud.partner("lumen").reject("site not ready")
    network = virtual_private_gateway_network(
        cidr=f"10.{30 + n}.0.0/16", dx_gateway_name=f"cli-dxgw-{30 + n}"
    )
    connection_id = local.submit(last_mile(network, 30 + n))
    local.cloud.run_until_idle()
    assert local.cloud.connection(connection_id)["status"] == "FAILED"
    local.cloud.partner("lumen").accept_after(60)
    return connection_id


def test_a_failed_connection_is_a_doctor_problem_and_retry_starts_a_new_provision_run(local: Local):
    connection_id = _failed(local, 1)
    failed_run = local.cloud.connection(connection_id)["executionArn"]

    doctor = local.icp("doctor")
    doctor_json = local.icp("doctor", "--output", "json")
    watched = local.icp("watch", connection_id, "--interval", "0.05")
    retried = local.icp("retry", connection_id)

    assert doctor.exit_code == 1 and doctor_json.exit_code == 1
    assert f"{connection_id} is FAILED: " in doctor.stdout and "rejected the activation" in doctor.stdout
    assert any(
        p.startswith(f"{connection_id} is FAILED: ") for p in json.loads(doctor_json.stdout)["problems"]
    )
    assert watched.exit_code == 1
    assert watched.stdout.splitlines()[-1].startswith("execution FAILED")
    assert f"connection {connection_id} is FAILED" in watched.stdout.splitlines()[-1]
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.startswith(f"{connection_id}: retrying; execution arn:aws:states:")
    retry_run = retried.stdout.rsplit(" ", 1)[-1].strip()
    assert "provision-retry" in retry_run and retry_run != failed_run

    local.cloud.advance(60)
    shown = local.icp_json("show", connection_id)
    assert shown["execution"]["executionArn"] == retry_run
    reasons = [h["reason"] for h in shown["connection"]["history"]]
    assert reasons.index("retried by an operator") < len(reasons) - 1  # and the new run went on from there
    assert reasons[reasons.index("retried by an operator") + 1] == "all checks passed"
    local.cloud.run_until_idle()


def test_a_retried_connection_ends_active(local: Local):
    connection_id = _failed(local, 2)

    answer = local.icp_json("retry", connection_id)
    local.cloud.run_until_idle()

    assert answer["connectionId"] == connection_id
    assert local.cloud.connection(connection_id)["status"] == "ACTIVE"
    problems = json.loads(local.icp("doctor", "--output", "json").stdout)["problems"]
    assert not [p for p in problems if connection_id in p], problems
