"""IAM policy evaluation (docs/iam.md): whether a set of identity or resource-based policy
documents allows an action on a resource, with its conditions, as AWS's evaluation logic does
for one account: an explicit deny wins, then an allow, else the implicit deny.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import Enum
from functools import lru_cache
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit deny"
    EXPLICIT_DENY = "explicit deny"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: * is any run of characters, ? is one; nothing else is special.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"{regex}\\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).match(value) is not None


def _arn_like(pattern: str, arn: str) -> bool:
    """ARN matching: segment by segment for partition, service, Region and account (a
    wildcard does not cross a colon there), then the resource part as a whole."""
    if pattern == "*":
        return True
    want, have = pattern.split(":", 5), arn.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return _like(pattern, arn)
    return all(_like(w, h) for w, h in zip(want, have, strict=True))


def _action_matches(patterns: Any, action: str) -> bool:
    return any(_like(str(p), action, ignore_case=True) for p in _as_list(patterns))


def _resource_matches(patterns: Any, resource: str) -> bool:
    if resource == "*":  # an action with no resource type: only "*" covers it
        return any(p == "*" for p in _as_list(patterns))
    return any(_arn_like(str(p), resource) for p in _as_list(patterns))


def _principal_matches(spec: Any, caller: str) -> bool:
    """``caller`` is a role session ARN or a service principal (``events.amazonaws.com``)."""
    if spec == "*":
        return True
    if not isinstance(spec, dict):
        return False
    for kind, values in spec.items():
        for value in _as_list(values):
            if value == "*" or value == caller:
                return True
            if kind == "AWS" and caller.startswith("arn:aws:sts::") and value.endswith(":root"):
                return value.split(":")[4] == caller.split(":")[4]  # the account trusts its own roles
    return False


_STRING = {
    "StringEquals": lambda want, have: want == have,
    "StringNotEquals": lambda want, have: want == have,
    "StringEqualsIgnoreCase": lambda want, have: want.lower() == have.lower(),
    "StringNotEqualsIgnoreCase": lambda want, have: want.lower() == have.lower(),
    "StringLike": lambda want, have: _like(want, have),
    "StringNotLike": lambda want, have: _like(want, have),
    "ArnEquals": lambda want, have: want == have,
    "ArnNotEquals": lambda want, have: want == have,
    "ArnLike": _arn_like,
    "ArnNotLike": _arn_like,
    "Bool": lambda want, have: want.lower() == have.lower(),
    "NumericEquals": lambda want, have: float(want) == float(have),
    "NumericLessThan": lambda want, have: float(have) < float(want),
    "NumericLessThanEquals": lambda want, have: float(have) <= float(want),
    "NumericGreaterThan": lambda want, have: float(have) > float(want),
    "NumericGreaterThanEquals": lambda want, have: float(have) >= float(want),
}


def _condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, list[str]]) -> bool:
    values = context.get(key.lower())
    if operator == "Null":
        return (values is None) == (str(_as_list(wanted)[0]).lower() == "true")
    quantifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in _STRING:
        raise NotImplementedError(f"the local cloud does not evaluate the condition operator {operator}")
    negated = "Not" in base
    if values is None:
        # An absent key matches nothing: a positive test fails, a negated one holds (IAM's rule).
        return if_exists or negated
    match = _STRING[base]
    wanted_values = [str(w) for w in _as_list(wanted)]

    def one(have: str) -> bool:
        hit = any(match(w, have) for w in wanted_values)
        return not hit if negated else hit

    if quantifier == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)  # single-valued keys, and ForAnyValue


def _conditions_hold(
    conditions: Mapping[str, Mapping[str, Any]] | None, context: Mapping[str, list[str]]
) -> bool:
    return all(
        _condition_holds(operator, key, wanted, context)
        for operator, block in (conditions or {}).items()
        for key, wanted in block.items()
    )


def evaluate(
    documents: list[dict[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, list[str]],
    caller: str | None = None,
) -> Decision:
    """AWS's policy logic for one action on one resource. ``context`` holds the request's
    condition keys (lower case) with their values; ``caller``, for resource-based policies,
    is who asks (statements with a ``Principal`` must name it)."""
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement", [])):
            if "Principal" in statement and (
                caller is None or not _principal_matches(statement["Principal"], caller)
            ):
                continue
            if "NotPrincipal" in statement:
                raise NotImplementedError("the local cloud does not evaluate NotPrincipal")
            if "Action" in statement:
                if not _action_matches(statement["Action"], action):
                    continue
            elif _action_matches(statement.get("NotAction", []), action):
                continue
            if "Resource" in statement:
                if not _resource_matches(statement["Resource"], resource):
                    continue
            elif "NotResource" in statement and _resource_matches(statement["NotResource"], resource):
                continue
            if not _conditions_hold(statement.get("Condition"), context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def denial_message(caller_arn: str, action: str, resource: str, decision: Decision) -> str:
    """AWS's wording (CloudTrail and the SDKs show it this way since 2021)."""
    on = "" if resource == "*" else f" on resource: {resource}"
    why = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {caller_arn} is not authorized to perform: {action}{on} {why}"


def parse_document(text: str | dict[str, Any]) -> dict[str, Any]:
    return text if isinstance(text, dict) else _parse_cached(text)


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> dict[str, Any]:
    return dict(json.loads(text))
