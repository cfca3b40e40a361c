"""`icp list`, `show`, `resize`, `decommission`, and what an unknown id or a refused operation gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_support import Local, last_mile, multicloud, serving
from lifecycle_paths import PROVISIONED

from icp_local.scenario import transit_gateway_network, virtual_private_gateway_network


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving() as local:
        yield local


@pytest.fixture(scope="module")
def active(local: Local) -> dict:
    """One ACTIVE multicloud connection."""
    local.submit(multicloud(transit_gateway_network(cidr="10.11.0.0/16"), 11))
    local.cloud.run_until_idle()
    record = local.cloud.connection("REQ-CLI-MC-11")
    assert record["status"] == "ACTIVE"
    return record


def test_list_shows_each_connection_with_its_pair_bandwidth_status_and_age(local: Local, active: dict):
    result = local.icp("list")

    assert result.exit_code == 0, result.output
    header, *rows = [line.split() for line in result.stdout.splitlines() if line.strip() and "──" not in line]
    assert header == ["ID", "TYPE", "PAIR", "BANDWIDTH", "STATUS", "AWS", "STATE", "AGE"]
    row = next(r for r in rows if r[0] == active["connectionId"])
    assert row[1:8] == [
        "multicloud",
        "us-east-1",
        "↔",
        "us-east4",
        active["bandwidth"],
        "ACTIVE",
        "available",
    ]
    assert row[8][-1] in "smhd"  # an age such as 42s, 5m, 3h or 178d


def test_list_as_json_gives_the_records(local: Local, active: dict):
    listed = local.icp_json("list")["connections"]

    mine = next(r for r in listed if r["connectionId"] == active["connectionId"])
    assert (mine["requestId"], mine["status"], mine["awsState"]) == ("REQ-CLI-MC-11", "ACTIVE", "available")
    assert mine["latest"]["to"] == "ACTIVE" and mine["historyCount"] >= 7  # a list item's latest entry


def test_show_gives_the_record_its_history_and_its_execution(local: Local, active: dict):
    result = local.icp("show", "REQ-CLI-MC-11")  # a requestId works as well as the connectionId

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{active['connectionId']} (request REQ-CLI-MC-11)" in out
    assert "multicloud with google-cloud, us-east-1 ↔ us-east4" in out
    assert "ACTIVE: routes verified on both sides" in out
    assert f"{active['awsConnectionId']} (available)" in out
    history = out[out.index("History") : out.index("execution ")]
    assert [s for s in PROVISIONED if s in history] == PROVISIONED
    assert "activation key handed to google-cloud" in history
    assert "provision SUCCEEDED" in out and "current step  none (the execution is not running)" in out
    assert "Mark Active" in out[out.index("Steps") :]


def test_show_as_json_gives_the_record_and_the_execution(local: Local, active: dict):
    shown = local.icp_json("show", active["connectionId"])

    assert shown["connection"]["connectionId"] == active["connectionId"]
    assert len(shown["connection"]["history"]) >= 7
    execution = shown["execution"]
    assert execution["workflow"] in ("provision", "resize") and execution["status"] == "SUCCEEDED"
    assert execution["currentStep"] is None and execution["steps"][-1]["status"] == "succeeded"


def test_resize_starts_the_resize_workflow_and_the_connection_ends_at_the_new_bandwidth(
    local: Local, active: dict
):
    result = local.icp("resize", active["connectionId"], "2Gbps")

    assert result.exit_code == 0, result.output
    assert f"{active['connectionId']}: RESIZING to 2Gbps; execution arn:aws:states:" in result.stdout
    local.cloud.run_until_idle()
    assert (
        local.cloud.connection(active["connectionId"])["status"],
        local.cloud.connection(active["connectionId"])["bandwidth"],
    ) == ("ACTIVE", "2Gbps")

    answer = local.icp_json("resize", active["connectionId"], "5Gbps")
    assert (answer["status"], answer["bandwidth"]) == ("RESIZING", "5Gbps")
    assert answer["executionArn"].split(":")[-2] == "icp-resize"
    local.cloud.run_until_idle()
    assert local.cloud.connection(active["connectionId"])["bandwidth"] == "5Gbps"


def test_a_resize_the_api_refuses_names_the_rule(local: Local, active: dict):
    result = local.icp("resize", active["connectionId"], "3Gbps")

    assert result.exit_code == 2
    assert "field: bandwidth   rule: offered-bandwidth   HTTP 422 BandwidthNotOffered" in result.stderr


def test_drill_fails_over_to_the_backup_path_and_back_and_a_drill_without_one_names_the_field(
    local: Local, active: dict
):
    result = local.icp("drill", active["connectionId"], "--reason", "game day")

    assert result.exit_code == 0, result.output
    assert f"{active['connectionId']}: failover drill started; execution arn:aws:states:" in result.stdout
    local.cloud.run_until_idle()
    record = local.cloud.connection(active["connectionId"])
    assert record["status"] == "ACTIVE"
    assert record["statusReason"] == "failover drill finished: routes back on the connection and verified"
    assert any("game day" in (h["reason"] or "") and h["to"] == "DEGRADED" for h in record["history"])

    no_backup = local.submit(multicloud(transit_gateway_network(cidr="10.13.0.0/16", vpn_backup=False), 13))
    local.cloud.run_until_idle()
    refused = local.icp("drill", no_backup)
    assert refused.exit_code == 2, refused.output
    assert "field: aws.backupTarget   rule: backup-path-required   HTTP 422 NoBackupPath" in refused.stderr


def test_decommission_with_yes_takes_the_connection_down(local: Local):
    network = virtual_private_gateway_network(cidr="10.12.0.0/16", dx_gateway_name="cli-dxgw-12")
    connection_id = local.submit(last_mile(network, 12))
    local.cloud.run_until_idle()

    result = local.icp("decommission", connection_id, "--yes")

    assert result.exit_code == 0, result.output
    assert f"{connection_id}: DECOMMISSIONING; execution arn:aws:states:" in result.stdout
    local.cloud.run_until_idle()
    assert local.cloud.connection(connection_id)["status"] == "DECOMMISSIONED"
    again = local.icp("decommission", connection_id, "--yes", "--output", "json")
    assert again.exit_code == 1  # a conflict: an operation that failed
    assert '"rule": "not-already-decommissioning"' in again.stdout


def test_decommission_without_yes_is_refused_when_nobody_can_confirm(local: Local, active: dict):
    result = local.icp("decommission", active["connectionId"])

    assert result.exit_code == 2
    assert f"refusing to decommission {active['connectionId']} without --yes" in result.stderr
    assert local.cloud.connection(active["connectionId"])["status"] == "ACTIVE"


def test_retry_of_a_connection_that_has_not_failed_is_refused(local: Local, active: dict):
    result = local.icp("retry", active["connectionId"])

    assert result.exit_code == 1
    assert "only FAILED connections are retried" in result.stderr and "rule: failed" in result.stderr


def test_decommission_asks_first_when_run_interactively_and_no_keeps_the_connection(
    local: Local, active: dict, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("icp_cli.main._interactive", lambda: True)

    result = local.icp("decommission", active["connectionId"], input="n\n")

    assert result.exit_code == 1
    assert f"Decommission {active['connectionId']}? Its traffic stops [y/N]: n" in result.stdout
    assert "error: not decommissioned" in result.stderr
    assert local.cloud.connection(active["connectionId"])["status"] == "ACTIVE"


@pytest.mark.parametrize(
    "args",
    [
        ("show", "REQ-NOBODY"),
        ("resize", "REQ-NOBODY", "2Gbps"),
        ("decommission", "REQ-NOBODY", "--yes"),
        ("approve", "REQ-NOBODY"),
        ("retry", "REQ-NOBODY"),
        ("watch", "REQ-NOBODY", "--grace", "0"),
        ("drill", "REQ-NOBODY"),
    ],
    ids=lambda args: args[0],
)
def test_an_unknown_id_is_not_found_with_exit_3(local: Local, args: tuple[str, ...]):
    result = local.icp(*args)
    as_json = local.icp(*args, "--output", "json")

    assert result.exit_code == 3, result.output
    assert "error: no connection" in result.stderr and "REQ-NOBODY" in result.stderr
    assert "field: connectionId   rule: exists   HTTP 404 ConnectionNotFound" in result.stderr
    assert as_json.exit_code == 3
    assert '"error": "ConnectionNotFound"' in as_json.stdout and '"status": 404' in as_json.stdout
