"""A workflow started by another with startExecution.sync:2, on moto's interpreter with the
local cloud's hooks (icp_local.sfn): moto 5.2.5 alone fails the StartExecution with KeyError
'StateMachineArn', and polls in real time while the child waits in simulated time."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from icp.executions import child_execution, steps, with_children
from icp.lifecycle.clean_up import own_error
from moto import mock_aws

from icp_local import sfn
from icp_local.clock import SimClock

ROLE = "arn:aws:iam::123456789012:role/workflow"
THREE_DAYS = 3 * 24 * 3600


def _sync(child_arn: str, next_state: str | None = None) -> dict[str, Any]:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {
            "StateMachineArn": child_arn,
            "Name.$": "$$.Execution.Name",
            "Input": {
                "connectionId.$": "$.connectionId",
                "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
            },
        },
        "ResultSelector": {"outcome.$": "$.Output.outcome"},
        "ResultPath": "$.result",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
    }
    return {**state, "Next": next_state} if next_state else {**state, "End": True}


@pytest.fixture
def machines() -> Iterator[tuple[Any, SimClock, dict[str, str]]]:
    clock = SimClock()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn.install(clock, lambda name, event: ("{}", False, ""))
        try:
            client = boto3.client("stepfunctions", region_name="us-east-1")

            def create(name: str, states: dict[str, Any], start: str) -> str:
                return str(
                    client.create_state_machine(
                        name=name, roleArn=ROLE, definition=json.dumps({"StartAt": start, "States": states})
                    )["stateMachineArn"]
                )

            grandchild = create(
                "grandchild",
                {
                    "Wait Three Days": {"Type": "Wait", "Seconds": THREE_DAYS, "Next": "Done"},
                    "Done": {"Type": "Pass", "Result": "activated", "ResultPath": "$.outcome", "End": True},
                },
                "Wait Three Days",
            )
            failing = create(
                "failing",
                {"Reject": {"Type": "Fail", "Error": "PartnerRejected", "Cause": "the partner said no"}},
                "Reject",
            )
            child = create(
                "child",
                {
                    "Grandchild": _sync(grandchild, "Done"),
                    "Done": {"Type": "Pass", "Parameters": {"outcome.$": "$.result.outcome"}, "End": True},
                    "Caught": {"Type": "Fail", "Error": "Unexpected"},
                },
                "Grandchild",
            )
            arns = {
                "child": create(
                    "parent", {"Child": _sync(child), "Caught": {"Type": "Pass", "End": True}}, "Child"
                ),
                "failing": create(
                    "parent-of-failing",
                    {"Child": _sync(failing), "Caught": {"Type": "Pass", "End": True}},
                    "Child",
                ),
            }
            yield client, clock, arns
        finally:
            sfn.uninstall()


def _run(client: Any, clock: SimClock, arn: str) -> dict[str, Any]:
    execution = client.start_execution(
        stateMachineArn=arn, name="icc-1-run", input=json.dumps({"connectionId": "icc-1"})
    )["executionArn"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        described = client.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return dict(described)
        if sfn.running_executions() <= clock.blocked_waiters() and clock.next_due() is not None:
            clock.advance_to(clock.next_due() or clock.time())  # every execution parked: time moves
        time.sleep(0.01)
    raise AssertionError("the parent did not finish")


def _history(client: Any, arn: str) -> list[dict[str, Any]]:
    return list(client.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def test_a_parent_waits_in_simulated_time_for_its_child_and_grandchild_and_reads_their_output(machines):
    client, clock, arns = machines
    started = clock.time()
    described = _run(client, clock, arns["child"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["result"] == {"outcome": "activated"}
    assert clock.time() - started >= THREE_DAYS
    merged = with_children(described["executionArn"], lambda arn: _history(client, arn))
    children = [child_execution(e) for e in merged if child_execution(e)]
    assert [arn.split(":")[-2] for arn in children] == ["child", "grandchild"]
    assert all(arn.endswith(":icc-1-run") for arn in children)  # the parent's name, in each machine
    # The execution view shows the work, not the steps that only started it.
    assert [s["name"] for s in steps(merged)] == ["Wait Three Days", "Done", "Done"]


def test_a_failed_child_fails_the_parents_step_with_its_own_error_inside(machines):
    client, clock, arns = machines
    described = _run(client, clock, arns["failing"])
    error = json.loads(described["output"])["error"]
    assert error["Error"] == "States.TaskFailed"
    assert json.loads(error["Cause"])["Status"] == "FAILED"
    assert own_error(error) == {"Error": "PartnerRejected", "Cause": "the partner said no"}
