"""Who owns what: the ``icp:managedBy`` tag this control plane puts on every AWS resource it
creates, and the Region its stack runs in. The template grants the destructive actions only on
resources carrying the tag with this stack's name (docs/iam.md, "Tag conditions")."""

from __future__ import annotations

from icp import config

MANAGED_BY = "icp:managedBy"
# The value releases before 0.6.0 put on every connection they created, whatever the stack's
# name; the template still lets those be deleted and resized (README, "Upgrading to 0.6.0").
LEGACY_MANAGED_BY = "interconnect-control-plane"


def name() -> str:
    """The stack's name (``STACK_NAME``, set by the template from ``AWS::StackName``)."""
    return config.settings().stack_name or LEGACY_MANAGED_BY


def home_region() -> str | None:
    """The Region the stack runs in (``AWS_REGION``, which Lambda sets); route tables must be here."""
    return config.settings().aws_region


def tags(**more: str) -> dict[str, str]:
    """The tags of a resource this control plane creates, as a map."""
    return {**more, MANAGED_BY: name()}


def tag_list(**more: str) -> list[dict[str, str]]:
    """The same, in the ``[{"key", "value"}]`` form Direct Connect takes."""
    return [{"key": k, "value": v} for k, v in tags(**more).items()]


def is_managed(found: list[dict[str, str]] | dict[str, str] | None) -> bool:
    """Whether tags read back (either form) say this stack manages the resource."""
    if isinstance(found, dict):
        return found.get(MANAGED_BY) == name()
    return any(t.get("key") == MANAGED_BY and t.get("value") == name() for t in found or [])
