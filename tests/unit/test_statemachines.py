"""Static checks of every ASL file: the things that otherwise fail only when a state runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from icp import errors

ROOT = Path(__file__).resolve().parents[2]
ASL_FILES = sorted((ROOT / "statemachines").glob("*.asl.json"))
LAMBDA_SERVICE_ERRORS = {"Lambda.ServiceException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}


class _Loader(yaml.SafeLoader):
    pass


# template.yaml uses CloudFormation short forms (!Ref, !GetAtt, ...): read them as plain values.
_Loader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node)
                              if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node)
                              if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node))


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
    machines = [r for r in _template()["Resources"].values()
                if r["Type"] == "AWS::Serverless::StateMachine"
                and r["Properties"].get("DefinitionUri") == f"statemachines/{path.name}"]
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
                    f"{path.name}: {name!r} handles {error!r}, which icp.errors does not define")


def test_the_provision_machine_rejects_on_every_check_failure():
    definition = json.loads((ROOT / "statemachines" / "provision.asl.json").read_text())
    caught = {e for c in definition["States"]["Validate Request"]["Catch"] for e in c["ErrorEquals"]
              if c["Next"] == "Request Rejected"}
    assert set(errors.REJECTION_ERRORS) <= caught


def test_every_rejection_a_request_check_can_raise_is_caught_by_name_at_validate_request():
    """A RequestRejected subclass missing from the Catch would fail the execution instead of
    ending the request REJECTED with the field and rule named."""
    definition = json.loads((ROOT / "statemachines" / "provision.asl.json").read_text())
    caught = {name for catch in definition["States"]["Validate Request"]["Catch"] for name in catch["ErrorEquals"]}
    rejections = {cls.__name__ for cls in vars(errors).values()
                  if isinstance(cls, type) and issubclass(cls, errors.RequestRejected) and cls is not errors.RequestRejected}
    assert rejections - caught == set()
