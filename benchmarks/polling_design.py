"""The polling design that benchmarks/lifecycle_cost.py compares with the shipped token-wait
design (benchmarks/README.md, table 2): generated, never hand-copied, from the shipped
`statemachines/provision.asl.json` and its `activate` child, with each `.waitForTaskToken`
wait on a connection state rewritten as *Wait 60 s -> Get Connection -> Choice*.

    .venv/bin/python benchmarks/polling_design.py   # prints the two generated definitions

Nothing here is deployed. The poll task is `poll_connection/app.py`, registered at run time.
"""

from __future__ import annotations

import copy
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
from lifecycle_metering import Cost, metered_cloud, partner_request, run_provisioning

from icp_local import LocalCloud
from icp_local.template import FunctionSpec

HERE = Path(__file__).resolve().parent
STATEMACHINES = HERE.parent / "statemachines"
POLL_CODE = HERE / "poll_connection"
POLL_LOGICAL = "PollConnectionFunction"
POLL_NAME = "icp-PollConnection"
POLL_SECONDS = 60
REGION = "us-east-1"
TOKEN_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"
CHILD = "ActivateStateMachineArn"

# Per `waitFor`: the AWS states that keep polling, and those that go on to the wait's Next;
# any other state (down, deleted, rejected...) fails the run, which the parent cleans up.
# The approval wait is not on a connection state (a person answers it) and stays as shipped;
# RequireApproval is off by default, so the benchmark never enters it.
POLLED = {
    "partner-acceptance": (["requested"], ["pending", "available", "updating"]),
    "available": (["requested", "pending"], ["available"]),
}
CONNECTION_FAILED = {
    "Type": "Fail",
    "Error": "ConnectionFailed",
    "Cause": "AWS reports the connection as neither waiting nor available (failed, down or gone).",
}


def _choice(states: list[str], next_state: str) -> dict[str, Any]:
    return {"Or": [{"Variable": "$.poll.state", "StringEquals": s} for s in states], "Next": next_state}


def _poll_loop(name: str, wait: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The states that replace the token wait ``name``: the loop starts under its name, so every
    state that went to the wait goes to the loop."""
    payload = {k: v for k, v in wait["Parameters"]["Payload"].items() if k != "taskToken.$"}
    keep_polling, go_on = POLLED[payload["waitFor"]]
    get, check = f"{name}: Get Connection", f"{name}: Check State"
    poll = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "${PollConnectionFunctionArn}", "Payload": payload},
        "ResultSelector": {"state.$": "$.Payload.state"},
        "ResultPath": "$.poll",
        "Retry": wait.get("Retry", []),
        "Next": check,
    }
    if "Catch" in wait:
        poll["Catch"] = wait["Catch"]
    return {
        name: {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": get},
        get: poll,
        check: {
            "Type": "Choice",
            "Choices": [_choice(keep_polling, name), _choice(go_on, wait["Next"])],
            "Default": "Connection Failed",
        },
    }


def polling_version(definition: dict[str, Any]) -> dict[str, Any]:
    """``definition`` with each token wait on a connection state written as a polling loop."""
    polled = copy.deepcopy(definition)
    polled["Comment"] = "BENCHMARK ONLY, never deployed: " + definition.get("Comment", "")
    states: dict[str, Any] = {}
    for name, state in definition["States"].items():
        wait_for = state.get("Parameters", {}).get("Payload", {}).get("waitFor")
        if state.get("Resource") == TOKEN_WAIT and wait_for in POLLED:
            states |= _poll_loop(name, state)
            states["Connection Failed"] = CONNECTION_FAILED
        else:
            states[name] = copy.deepcopy(state)
    polled["States"] = states
    return polled


def polling_machines() -> dict[str, dict[str, Any]]:
    """The generated machines, child first: provision starts polling-activate where the shipped
    one starts activate (its ``${ActivateStateMachineArn}`` is substituted at creation)."""
    return {
        f"polling-{name}": polling_version(json.loads((STATEMACHINES / f"{name}.asl.json").read_text()))
        for name in ("activate", "provision")
    }


def substituted(definition: dict[str, Any], values: dict[str, Any]) -> str:
    text = json.dumps(definition)
    for key, value in values.items():
        text = text.replace("${" + key + "}", str(value))
    assert "${" not in text, "unsubstituted placeholder in a polling ASL"
    return text


def add_poll_function(cloud: LocalCloud, role_arn: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "# runs in-process in the local cloud\n")
    arn = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=POLL_NAME,
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=10,
        MemorySize=256,
    )["FunctionArn"]
    cloud.stack.functions[POLL_LOGICAL] = FunctionSpec(
        logical_id=POLL_LOGICAL,
        name=POLL_NAME,
        arn=arn,
        code_dir=POLL_CODE,
        handler="app.lambda_handler",
        environment={},
        timeout=10,
        memory=256,
    )
    return arn


def create_polling_machines(cloud: LocalCloud, role_arn: str) -> str:
    """Create the poll function and the generated machines in moto; the parent's ARN."""
    values: dict[str, Any] = {f"{logical}Arn": spec.arn for logical, spec in cloud.stack.functions.items()}
    values[f"{POLL_LOGICAL}Arn"] = add_poll_function(cloud, role_arn)
    for parameter in ("ActivationWindowSeconds", "RequireApproval"):
        values[parameter] = cloud.stack.parameters[parameter]
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = ""
    for name, definition in polling_machines().items():
        arn = sfn.create_state_machine(
            name=name, definition=substituted(definition, values), roleArn=role_arn
        )["stateMachineArn"]
        values[CHILD] = arn
    return arn


def polling_lifecycle(label: str, delay: int, timeout: float) -> Cost:
    # The polling machines are a comparison the template does not declare, so no role of the
    # template's grants them what they call: IAM is not enforced for them (docs/iam.md).
    with metered_cloud(enforce_iam=False) as (cloud, meter):
        role_arn = boto3.client("iam", region_name=REGION).list_roles()["Roles"][0]["Arn"]
        machine = create_polling_machines(cloud, role_arn)
        request = partner_request(cloud, delay, f"bench-poll-{delay}")
        sfn = boto3.client("stepfunctions", region_name=REGION)

        def start() -> str:
            return str(
                sfn.start_execution(
                    stateMachineArn=machine, name=f"poll-{delay}", input=json.dumps({"detail": request})
                )["executionArn"]
            )

        return run_provisioning(
            cloud, meter, label, request, start, timeout=timeout, poll_function=POLL_LOGICAL
        )


if __name__ == "__main__":
    json.dump(polling_machines(), sys.stdout, indent=2)
    print()
