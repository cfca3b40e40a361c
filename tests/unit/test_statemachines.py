"""Static checks of every ASL file: the things that otherwise fail only when a state runs."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from icp import errors

ROOT = Path(__file__).resolve().parents[2]
ASL_FILES = sorted((ROOT / "statemachines").glob("*.asl.json"))
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


class _Loader(yaml.SafeLoader):
    pass


# template.yaml uses CloudFormation short forms (!Ref, !GetAtt, ...): read them as plain values.
_Loader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        loader.construct_scalar(node)
        if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
    ),
)


def _template() -> dict:
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_Loader)


def _states(definition: dict) -> dict[str, dict]:
    """Every state, including those inside Parallel branches and Map iterators."""
    found = dict(definition["States"])
    for state in definition["States"].values():
        for branch in state.get("Branches", []):
            found.update(_states(branch))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                found.update(_states(state[key]))
    return found


def test_there_are_state_machines_to_check():
    assert ASL_FILES, "no statemachines/*.asl.json found"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_next_and_default_names_an_existing_state(path: Path):
    definition = json.loads(path.read_text())
    states = _states(definition)
    assert definition["StartAt"] in states
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Catch", [])]
        targets += [c.get("Next") for c in state.get("Choices", [])]
        for target in filter(None, targets):
            assert target in states, f"{path.name}: {name!r} goes to missing state {target!r}"
        if state["Type"] not in ("Succeed", "Fail", "Choice"):
            assert state.get("End") or state.get("Next"), f"{name!r} neither ends nor has a Next"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_lambda_task_retries_lambda_service_errors(path: Path):
    for name, state in _states(json.loads(path.read_text())).items():
        if state["Type"] == "Task" and ":lambda:" in state["Resource"]:
            retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
            missing = LAMBDA_SERVICE_ERRORS - retried
            assert not missing, f"{path.name}: {name!r} does not retry {sorted(missing)}"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_substitution_is_provided_by_the_template(path: Path):
    used = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", path.read_text()))
    machines = [
        r
        for r in _template()["Resources"].values()
        if r["Type"] == "AWS::Serverless::StateMachine"
        and r["Properties"].get("DefinitionUri") == f"statemachines/{path.name}"
    ]
    assert machines, f"no state machine in template.yaml uses {path.name}"
    provided = set(machines[0]["Properties"].get("DefinitionSubstitutions", {}))
    assert used <= provided, f"{path.name}: no substitution for {sorted(used - provided)}"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_caught_or_retried_domain_error_exists_in_the_core(path: Path):
    for name, state in _states(json.loads(path.read_text())).items():
        for rule in [*state.get("Retry", []), *state.get("Catch", [])]:
            for error in rule["ErrorEquals"]:
                if "." in error:  # States.* and Lambda.* are Step Functions' own
                    continue
                assert isinstance(getattr(errors, error, None), type), (
                    f"{path.name}: {name!r} handles {error!r}, which icp.errors does not define"
                )


def test_the_provision_machine_rejects_on_every_check_failure():
    definition = json.loads((ROOT / "statemachines" / "provision.asl.json").read_text())
    caught = {
        e
        for c in definition["States"]["Validate Request"]["Catch"]
        for e in c["ErrorEquals"]
        if c["Next"] == "Request Rejected"
    }
    assert set(errors.REJECTION_ERRORS) <= caught


def test_every_rejection_a_request_check_can_raise_is_caught_by_name_at_validate_request():
    """A RequestRejected subclass missing from the Catch would fail the execution instead of
    ending the request REJECTED with the field and rule named."""
    definition = json.loads((ROOT / "statemachines" / "provision.asl.json").read_text())
    caught = {
        name for catch in definition["States"]["Validate Request"]["Catch"] for name in catch["ErrorEquals"]
    }
    rejections = {
        cls.__name__
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.RequestRejected)
        and cls is not errors.RequestRejected
    }
    assert rejections - caught == set()


# --- workflows composed of small ones (README, "How it works"), built from statemachines/src/
_spec = importlib.util.spec_from_file_location("build_asl", ROOT / "scripts" / "build_asl.py")
assert _spec and _spec.loader
build_asl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_asl)
SOURCES = sorted((ROOT / "statemachines" / "src").glob("*.json"))
SYNC = "arn:aws:states:::states:startExecution.sync:2"


def test_every_built_state_machine_is_what_its_source_makes():
    assert build_asl.stale() == [], (
        "run .venv/bin/python scripts/build_asl.py after editing statemachines/src/"
    )


@pytest.mark.parametrize("path", ASL_FILES + SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_state_machine_file_is_over_300_lines(path: Path):
    assert len(path.read_text().splitlines()) <= 300


def test_the_shared_retry_policy_is_written_once_and_every_lambda_task_names_it():
    sources = "".join(p.read_text() for p in SOURCES if p.name != "policies.json")
    assert "Lambda.ServiceException" not in sources, 'write the Lambda retrier as "@LambdaErrors"'
    assert "States.ALL" not in sources, 'write the catch-all as "@AnyError -> State" (policies.json)'
    for path in SOURCES:
        if path.name == "policies.json":
            continue
        for name, state in _states(json.loads(path.read_text())).items():
            if state["Type"] == "Task" and ":lambda:" in state["Resource"]:
                retry = state["Retry"] if isinstance(state["Retry"], list) else [state["Retry"]]
                assert "@LambdaErrors" in retry, f"{path.name}: {name!r}"


def test_a_marker_naming_no_policy_is_refused():
    policies = json.loads((ROOT / "statemachines" / "src" / "policies.json").read_text())
    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Task", "Resource": "x", "Retry": "@Nope", "End": True}},
    }
    with pytest.raises(ValueError, match="@Nope"):
        build_asl.expand(definition, policies)


def _machines() -> dict[str, dict]:
    return {
        r["Properties"]["DefinitionUri"]: r
        for r in _template()["Resources"].values()
        if r["Type"] == "AWS::Serverless::StateMachine"
    }


def test_every_child_workflow_a_parent_starts_is_granted_as_sync_needs():
    """startExecution.sync:2 needs StartExecution on the child, DescribeExecution and StopExecution
    on its executions, and the managed rule's events actions (docs/conformance.md)."""
    machines = _machines()
    for path in ASL_FILES:
        subs = machines[f"statemachines/{path.name}"]["Properties"]["DefinitionSubstitutions"]
        children = [
            subs[state["Parameters"]["StateMachineArn"][2:-1]]
            for state in _states(json.loads(path.read_text())).values()
            if state["Type"] == "Task" and state["Resource"] == SYNC
        ]
        statements = [
            s
            for p in machines[f"statemachines/{path.name}"]["Properties"]["Policies"]
            for s in (p.get("Statement", []) if isinstance(p, dict) else [])
        ]
        granted = json.dumps(statements)
        for child in children:
            name = next(
                r["Properties"]["Name"] for logical, r in _template()["Resources"].items() if logical == child
            )
            suffix = name.split("}", 1)[1]  # ${AWS::StackName}-activate -> -activate
            assert f'stateMachine:${{AWS::StackName}}{suffix}"' in granted, (path.name, child)
            assert f"execution:${{AWS::StackName}}{suffix}:*" in granted, (path.name, child)
        if children:
            assert "StepFunctionsGetEventsForStepFunctionsExecutionRule" in granted, path.name
            assert {
                "states:DescribeExecution",
                "states:StopExecution",
                "events:PutRule",
                "events:PutTargets",
                "events:DescribeRule",
            } <= set(re.findall(r"\"((?:states|events):\w+)\"", granted)), path.name


def test_provision_and_replace_share_the_activate_workflow_and_only_it_reads_the_activation_window():
    starts = {
        path.name: [
            s["Parameters"]["StateMachineArn"]
            for s in _states(json.loads(path.read_text())).values()
            if s["Type"] == "Task" and s["Resource"] == SYNC
        ]
        for path in ASL_FILES
    }
    assert starts["provision.asl.json"] == ["${ActivateStateMachineArn}"]
    assert starts["replace.asl.json"] == ["${ActivateStateMachineArn}"]
    window = {p.name for p in ASL_FILES if "${ActivationWindowSeconds}" in p.read_text()}
    assert window == {"provision.asl.json", "replace.asl.json"}  # each passes it to activate
    activate = _states(json.loads((ROOT / "statemachines" / "activate.asl.json").read_text()))
    waits = [s for s in activate.values() if s.get("Resource", "").endswith(".waitForTaskToken")]
    assert len(waits) == 3 and all(s["TimeoutSecondsPath"] == "$.activationWindowSeconds" for s in waits)
    provision = json.loads((ROOT / "statemachines" / "provision.asl.json").read_text())["States"]
    assert not any(
        "waitFor" in json.dumps(s) and "partner-acceptance" in json.dumps(s) for s in provision.values()
    )


def test_every_state_machine_logs_to_its_own_vended_log_group_with_the_stacks_retention():
    resources = _template()["Resources"]
    for uri, machine in _machines().items():
        name = machine["Properties"]["Name"]  # ${AWS::StackName}-<workflow>, the file's name
        assert uri == f"statemachines/{name.split('}-', 1)[1]}.asl.json"
        (destination,) = machine["Properties"]["Logging"]["Destinations"]
        group = resources[destination["CloudWatchLogsLogGroup"]["LogGroupArn"].split(".")[0]]["Properties"]
        assert group["LogGroupName"] == f"/aws/vendedlogs/states/{name}"
        assert group["RetentionInDays"] == "LogRetentionDays"
