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
    assert "created connections" in result.stdout and "google-cloud-us-east4" in result.stdout
    assert "No problems" in result.stdout
    assert account["region"] == "us-east-1" and account["problems"] == []
    quotas = {q["name"]: q for q in account["quotas"]}
    assert quotas["created connections"]["left"] == quotas["created connections"]["limit"] - \
        quotas["created connections"]["used"]
    environments = {e["environmentId"]: e for e in account["environments"]}
    assert environments["lumen-new-york"]["state"] == "available" and "10Gbps" in \
        environments["lumen-new-york"]["bandwidths"]


def test_doctor_refuses_a_region_that_does_not_exist(local: Local):
    result = local.icp("doctor", "--region", "moon-central-1")

    assert result.exit_code == 2
    assert "field: region   rule: known-region" in result.stderr


def test_a_failed_connection_is_a_doctor_problem_and_retry_provisions_it_again(local: Local):
    local.cloud.partner("lumen").reject("site not ready")
    network = virtual_private_gateway_network(cidr="10.31.0.0/16", dx_gateway_name="cli-dxgw-31")
    connection_id = local.submit(last_mile(network, 31))
    local.cloud.run_until_idle()
    assert local.cloud.connection(connection_id)["status"] == "FAILED"

    doctor = local.icp("doctor")
    doctor_json = local.icp("doctor", "--output", "json")
    watched = local.icp("watch", connection_id, "--interval", "0.05")

    assert doctor.exit_code == 1 and doctor_json.exit_code == 1
    assert f"{connection_id} is FAILED: " in doctor.stdout and "rejected the activation" in doctor.stdout
    assert any(p.startswith(f"{connection_id} is FAILED:") for p in json.loads(doctor_json.stdout)[
        "problems"])
    assert watched.exit_code == 1
    assert watched.stdout.splitlines()[-1].startswith("execution FAILED")
    assert f"connection {connection_id} is FAILED" in watched.stdout.splitlines()[-1]

    local.cloud.partner("lumen").accept_after(60)
    retried = local.icp_json("retry", connection_id)

    assert retried["connectionId"] == connection_id and retried["status"] == "FAILED"
    assert "provision-retry" in retried["executionArn"]
    local.cloud.run_until_idle()
    record = local.cloud.connection(connection_id)
    assert record["status"] == "ACTIVE"
    assert any(h["reason"] == "retried by an operator" for h in record["history"])
    assert local.icp("doctor").exit_code == 0
