"""`icp accept KEY --file rest.yaml` and `icp request` with an activationKey (README, "Proposals"),
and what the plan and `icp show` say a connection costs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Local, icp, multicloud, serving, write_request

from icp_local.scenario import transit_gateway_network


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving() as local:
        yield local


def _proposal(local: Local, n: int) -> tuple[dict, str]:
    """The rest of a request (no bandwidth, no location) and the key a Google transport generated."""
    request = multicloud(transit_gateway_network(cidr=f"10.{50 + n}.0.0/16"), n)
    del request["bandwidth"], request["remoteLocation"], request["maxBandwidth"]
    key = local.cloud.partner("google-cloud").propose(
        aws_region="us-east-1",
        location="us-east4",
        bandwidth="2Gbps",
        project=request["remote"]["project"],
        network=request["remote"]["network"],
        cidrs=request["remote"]["cidrs"],
    )
    return request, key


def test_a_dry_run_of_a_proposal_plans_an_acceptance_and_says_the_tier_is_not_known_yet(
    local: Local, tmp_path: Path
):
    request, key = _proposal(local, 31)
    result = icp(
        "accept", key, "--file", str(write_request(tmp_path, request)), "--dry-run", "--output", "json"
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)["plan"]
    assert plan["connection"]["origin"] == "accept-proposal"
    assert plan["connection"]["bandwidth"] == "from the proposal"
    assert plan["connection"]["billing"]["billingTier"] is None
    assert plan["connection"]["billing"]["tierMeaning"] == "unknown until AWS creates the connection"
    assert key not in result.output


def test_icp_accept_submits_the_key_and_the_connection_shows_its_billing_tier(local: Local, tmp_path: Path):
    request, key = _proposal(local, 32)
    result = local.icp("accept", key, "--file", str(write_request(tmp_path, request)))
    assert result.exit_code == 0, result.output
    assert key not in result.output
    local.cloud.run_until_idle()

    shown = local.icp_json("show", request["requestId"])["connection"]
    assert shown["status"] == "ACTIVE", shown["statusReason"]
    assert shown["bandwidth"] == "2Gbps"
    assert shown["billing"]["billingTier"] == shown["billingTier"] is not None
    assert shown["billing"]["pathScope"] == {"from": "us-east-1", "to": "us-east4"}
    table = local.icp("show", request["requestId"])
    assert f"tier {shown['billingTier']} (not published by AWS), path us-east-1 → us-east4" in table.stdout


def test_icp_request_takes_a_file_holding_the_activation_key(local: Local, tmp_path: Path):
    request, key = _proposal(local, 33)
    result = local.icp("request", str(write_request(tmp_path, {**request, "activationKey": key})))
    assert result.exit_code == 0, result.output
    assert key not in result.output
    local.cloud.run_until_idle()
    assert local.cloud.connection(request["requestId"])["status"] == "ACTIVE"
