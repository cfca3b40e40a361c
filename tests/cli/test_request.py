"""`icp request`: the local checks, the plan, and submitting to the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Local, icp, last_mile, multicloud, serving, write_request

from icp_local.scenario import transit_gateway_network, virtual_private_gateway_network


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving() as local:
        yield local


def test_a_dry_run_checks_the_request_and_shows_the_plan_without_creating_anything(
    local: Local, tmp_path: Path
):
    network = transit_gateway_network(cidr="10.1.0.0/16")
    request = multicloud(network, 1)
    before = local.cloud.connections()

    result = icp("request", str(write_request(tmp_path, request)), "--dry-run")  # needs no endpoint

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Plan for REQ-CLI-MC-1" in out
    assert "create Direct Connect gateway 'icp-cli-1' (Amazon side ASN 64512)" in out
    assert (
        "multicloud with google-cloud, us-east-1 ↔ us-east4, 1Gbps, resized automatically up to 5Gbps" in out
    )
    assert (
        f"associate the gateway with {network.gateway_id} (transit-gateway), advertising 10.101.0.0/16" in out
    )
    assert (
        f"in {network.route_table_id}: 172.17.0.0/16 → the Direct Connect gateway attachment on "
        f"{network.gateway_id}"
    ) in out
    assert "Google Cloud transport projects/acme-network-prod/locations/us-east4/transports/icc-" in out
    assert "VPC peering icp-icc-" in out and "importing 10.101.0.0/16 from AWS" in out
    assert f"172.17.0.0/16 in {network.route_table_id} fail over to {network.gateway_id}" in out
    assert local.cloud.connections() == before


def test_a_dry_run_of_another_accounts_gateway_names_the_account_and_the_proposal(tmp_path: Path):
    request = json.loads(
        (Path(__file__).parents[2] / "events/eventbridge/last-mile-request.json").read_text()
    )["detail"]
    request["aws"]["accountId"] = "210987654321"

    result = icp("request", str(write_request(tmp_path, request, ".json")), "--dry-run")
    as_json = icp("request", str(write_request(tmp_path, request, ".json")), "--dry-run", "--output", "json")

    assert result.exit_code == 0, result.output
    gateway, table = request["aws"]["gatewayId"], request["aws"]["routeTableIds"][0]
    text = " ".join(result.stdout.split())  # the table wraps long cells
    assert f"associate the gateway with {gateway} (virtual-private-gateway in account 210987654321)" in text
    assert "by a proposal that account makes (through the spoke role) and this stack accepts" in text
    assert f"in {table} in account 210987654321:" in text
    plan = json.loads(as_json.stdout)["plan"]
    assert (plan["association"]["account"], plan["association"]["by"]) == ("210987654321", "proposal")
    assert {r["account"] for r in plan["routes"]} == {"210987654321"}


def test_a_dry_run_plan_as_json_names_the_existing_gateway_and_the_partner_order(tmp_path: Path):
    request = json.loads(
        (Path(__file__).parents[2] / "events/eventbridge/last-mile-request.json").read_text()
    )["detail"]

    result = icp("request", str(write_request(tmp_path, request, ".json")), "--dry-run", "--output", "json")

    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    plan = answer["plan"]
    assert answer["dryRun"] is True
    assert plan["requestId"] == "REQ-2026-0002" and plan["connectionId"].startswith("icc-")
    assert plan["gateway"] == {
        "action": "use-existing",
        "directConnectGatewayId": request["attachPoint"]["directConnectGatewayId"],
    }
    assert plan["connection"] == {
        "type": "last-mile",
        "provider": "lumen",
        "awsRegion": "us-east-1",
        "remoteLocation": "new-york",
        "bandwidth": "10Gbps",
        "maxBandwidth": None,
        "mtu": 8500,
        "origin": "create",
        # No connection yet: AWS assigns the tier when it creates one (README, "What a connection costs").
        "billing": {
            "billingTier": None,
            "pathScope": {"from": "us-east-1", "to": "new-york"},
            "tierMeaning": "unknown until AWS creates the connection",
        },
    }
    assert plan["routes"] == [
        {
            "routeTableId": "rtb-0123456789abcdef0",
            "cidrs": ["192.168.40.0/22"],
            "target": "vgw-0123456789abcdef0",
            "account": None,  # the stack's own
        }
    ]
    assert plan["remote"] == {
        "kind": "partner-order",
        "partner": "lumen",
        "location": "new-york",
        "siteName": "NYC-DC-2",
        "remoteAccount": "noc@example.com",
        "sitePrefixes": ["192.168.40.0/22"],
        "awsPrefixes": ["10.20.0.0/16"],
    }
    assert plan["backup"] is None


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (lambda r: r["aws"].update(cidrs=["10.0.0.1/16"]), "aws.cidrs", "value_error"),
        (lambda r: r.pop("bandwidth"), "bandwidth", "missing"),
        (lambda r: r["remote"].update(cidrs=r["aws"]["cidrs"]), "remote.cidrs", "no-overlap"),
        (lambda r: (r["aws"].update(mtu=8500), r["remote"].update(mtu=1500)), "remote.mtu", "mtu-aligned"),
    ],
    ids=["host bits set", "missing field", "sides overlap", "MTU mismatch"],
)
def test_an_invalid_request_file_is_refused_naming_the_field_and_rule(
    local: Local, tmp_path: Path, change, field, rule
):
    request = multicloud(transit_gateway_network(cidr="10.3.0.0/16"), 3)
    change(request)
    path = write_request(tmp_path, request)
    before = local.cloud.connections()

    result = local.icp("request", str(path))
    as_json = local.icp("request", str(path), "--output", "json")

    assert result.exit_code == 2, result.output
    assert f"invalid request {path}" in result.stderr
    assert f"field: {field}" in result.stderr and f"rule: {rule}" in result.stderr
    assert as_json.exit_code == 2
    assert (json.loads(as_json.stdout)["field"], json.loads(as_json.stdout)["rule"]) == (field, rule)
    assert local.cloud.connections() == before


def test_a_file_that_is_not_yaml_is_a_usage_error(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("requestId: [unclosed\n")

    result = icp("request", str(path), "--dry-run")

    assert result.exit_code == 2
    assert f"{path} is not valid YAML" in result.stderr


def test_a_request_the_api_refuses_shows_its_field_and_rule(local: Local, tmp_path: Path):
    request = multicloud(transit_gateway_network(cidr="10.4.0.0/16"), 4, remoteLocation="asia-east1")

    result = local.icp("request", str(write_request(tmp_path, request)))

    assert result.exit_code == 2, result.output
    assert "Plan for REQ-CLI-MC-4" in result.stdout  # the plan is shown before the API is asked
    assert "no available google-cloud environment" in result.stderr
    assert "field: remoteLocation   rule: supported-pair   HTTP 422 UnsupportedPair" in result.stderr
    assert local.cloud.connection("REQ-CLI-MC-4") is None


def test_a_request_is_submitted_and_provisioned(local: Local, tmp_path: Path):
    request = multicloud(transit_gateway_network(cidr="10.5.0.0/16"), 5)

    result = local.icp("request", str(write_request(tmp_path, request)))

    assert result.exit_code == 0, result.output
    local.cloud.run_until_idle()
    record = local.cloud.connection("REQ-CLI-MC-5")
    assert record is not None and record["status"] == "ACTIVE"
    out = result.stdout
    assert "Plan for REQ-CLI-MC-5" in out and "Requested" in out
    assert f"{record['connectionId']} (REQ-CLI-MC-5) RECEIVED" in out
    assert f"{local.url}/v1/connections/{record['connectionId']}" in out
    assert record["executionArn"] in out


def test_a_request_submitted_with_json_output_answers_with_its_ids(local: Local, tmp_path: Path):
    request = last_mile(virtual_private_gateway_network(cidr="10.6.0.0/16", dx_gateway_name="cli-dxgw-6"), 6)

    answer = local.icp_json("request", str(write_request(tmp_path, request, ".json")))

    accepted = answer["accepted"]
    local.cloud.run_until_idle()
    record = local.cloud.connection("REQ-CLI-LM-6")
    assert record["status"] == "ACTIVE"
    assert answer["dryRun"] is False and answer["plan"]["remote"]["kind"] == "partner-order"
    assert accepted["connectionId"] == record["connectionId"] == answer["plan"]["connectionId"]
    assert accepted["status"] == "RECEIVED"
    assert accepted["statusUrl"] == f"{local.url}/v1/connections/{record['connectionId']}"
    assert accepted["executionArn"] == record["executionArn"]
