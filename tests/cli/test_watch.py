"""`icp watch`: the steps of a running execution as they pass.

The local cloud is driven from this (the main) thread only; `icp watch` runs as its own
process and only makes HTTP calls to the local API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from cli_support import Lines, Local, last_mile, multicloud, serving

from icp_local.scenario import transit_gateway_network, virtual_private_gateway_network

PROVISION_STEPS = [
    "Validate Request",
    "Approval Required?",
    "Ensure Gateway",
    "Proposal?",
    "Create Connection",
    "Hand Off Activation Key",
    "Wait For Partner Acceptance",
    "Wait Until Available",
    "Propagate Routes",
    "Core Network Attachment?",
    "Verify Routes",
    "Mark Active",
]


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving() as local:
        yield local


def _step(line: str) -> tuple[str, str] | None:
    """(step name, state) of a watch line `[  1.23s] Name  state  detail`."""
    if not line.startswith("["):
        return None
    body = line.split("] ", 1)[1]
    for name in sorted(PROVISION_STEPS, key=len, reverse=True):
        if body.startswith(name + " "):
            return name, body[len(name) :].split()[0]
    return None


def test_watch_shows_the_steps_as_they_pass_with_what_a_waiting_step_waits_on(local: Local):
    local.cloud.partner("google-cloud").accept_after(600)
    connection_id = local.submit(multicloud(transit_gateway_network(cidr="10.41.0.0/16"), 41))
    watch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "icp_cli",
            "watch",
            connection_id,
            "--endpoint",
            local.url,
            "--interval",
            "0.05",
            "--timeout",
            "120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = Lines(watch)
        local.cloud.advance(60)  # the run goes as far as the partner's acceptance and parks there
        partner = lines.wait_for(lambda line: _step(line) == ("Wait For Partner Acceptance", "waiting"))
        for _ in range(20):  # ten minutes pass, a minute at a time, until AWS is the one waited on
            local.cloud.advance(60)
            if local.cloud.connection(connection_id)["status"] == "PROVISIONING":
                break
        # The step is shown waiting on AWS once it has parked its token (until then, for a poll or
        # two, the line still names the partner's wait that the record held last).
        aws = lines.wait_for(
            lambda line: _step(line) == ("Wait Until Available", "waiting") and "on aws:" in line
        )
        local.cloud.run_until_idle()
        output = lines.rest()
        assert watch.wait(timeout=30) == 0, watch.stderr.read() if watch.stderr else ""
    finally:
        watch.kill()

    assert (
        output[0].startswith("watching the provision run REQ-CLI-MC-41-provision-")
        and connection_id in output[0]
    )
    assert "on partner: the partner to accept the activation key (since 20" in partner
    assert "on aws: AWS to report the connection available (since 20" in aws
    steps = [s for s in map(_step, output) if s]
    first_seen = list(dict.fromkeys(name for name, _ in steps))
    assert first_seen == PROVISION_STEPS
    assert steps.index(("Wait For Partner Acceptance", "waiting")) < steps.index(
        ("Wait For Partner Acceptance", "done")
    )
    assert steps.index(("Wait For Partner Acceptance", "done")) < steps.index(
        ("Wait Until Available", "waiting")
    )
    assert steps.index(("Wait Until Available", "waiting")) < steps.index(("Wait Until Available", "done"))
    assert steps[-1] == ("Mark Active", "done")
    assert all(line.split()[-1].endswith("s") for line in output if _step(line) and _step(line)[1] == "done")
    assert output[-1].startswith("execution SUCCEEDED after ")
    assert output[-1].endswith(f"; connection {connection_id} is ACTIVE (routes verified on both sides)")


def test_watch_gives_up_after_its_timeout_with_exit_1(local: Local):
    local.cloud.partner("lumen").accept_after(600)
    network = virtual_private_gateway_network(cidr="10.42.0.0/16", dx_gateway_name="cli-dxgw-42")
    connection_id = local.submit(last_mile(network, 42))
    local.cloud.advance(60)  # parked: waiting for the partner, and the clock does not move

    result = local.icp("watch", connection_id, "--interval", "0.05", "--timeout", "0.3")

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert ("Wait For Partner Acceptance", "waiting") in [_step(line) for line in lines]
    assert lines[-1] == "gave up after 0.3s: the execution is still RUNNING at Wait For Partner Acceptance"
    local.cloud.run_until_idle()
    assert local.cloud.connection(connection_id)["status"] == "ACTIVE"


def test_watch_as_json_prints_one_object_per_step_and_the_end(local: Local):
    connection_id = local.submit(multicloud(transit_gateway_network(cidr="10.43.0.0/16"), 43))
    local.cloud.run_until_idle()

    result = local.icp("watch", connection_id, "--interval", "0.05", "--output", "json")

    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "execution" and events[0]["connectionId"] == connection_id
    steps = [e for e in events if e["event"] == "step"]
    assert [s["name"] for s in steps] == PROVISION_STEPS
    assert all(s["durationSeconds"] is not None and s["durationSeconds"] >= 0 for s in steps)
    assert events[-1] == {**events[-1], "event": "end", "status": "SUCCEEDED", "connectionStatus": "ACTIVE"}
