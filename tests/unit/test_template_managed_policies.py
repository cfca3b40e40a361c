"""Shared IAM in template.yaml (issue 10): a statement that two functions need is one
AWS::IAM::ManagedPolicy, attached only where every action of it is used, and within IAM's quota
of managed policies per role (docs/iam.md, "Shared managed policies")."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from typing import Any

from icp_local.cloud import DEFAULT_TEMPLATE
from icp_local.sar import role_policies
from icp_local.template import translate

# Managed policies attached to a role: 10 by default (docs/conformance.md, "IAM rules the product relies on").
MANAGED_POLICIES_PER_ROLE = 10


@cache
def resources() -> dict[str, Any]:
    return dict(translate(DEFAULT_TEMPLATE, "us-east-1")["Resources"])


def roles() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources().items() if v["Type"] == "AWS::IAM::Role"}


def test_no_role_attaches_more_managed_policies_than_the_iam_quota():
    counts = {
        logical: len(role["Properties"].get("ManagedPolicyArns", [])) for logical, role in roles().items()
    }
    assert max(counts.values()) <= MANAGED_POLICIES_PER_ROLE, counts


def test_every_managed_policy_of_the_stack_is_attached_to_two_functions_or_more():
    attached: dict[str, set[str]] = defaultdict(set)
    for logical, role in roles().items():
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            if isinstance(arn, dict):
                attached[arn["Ref"]].add(logical)
    shared = {k for k, v in resources().items() if v["Type"] == "AWS::IAM::ManagedPolicy"}
    assert shared and shared == set(attached)
    assert {policy: sorted(users) for policy, users in attached.items() if len(users) < 2} == {}


def test_no_inline_statement_of_a_function_stands_again_in_another_function():
    """What two functions share belongs in a managed policy (the Sid aside)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for logical, role in roles().items():
        if not logical.endswith("FunctionRole"):
            continue
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                body = {k: v for k, v in statement.items() if k != "Sid"}
                seen[json.dumps(body, sort_keys=True)].add(logical)
    # SAM's own policy templates (EventBridgePutEventsPolicy, the dead-letter queue's) expand alike by design.
    repeated = {
        body: sorted(users)
        for body, users in seen.items()
        if len(users) > 1 and "events:PutEvents" not in body and "sqs:SendMessage" not in body
    }
    assert repeated == {}


def test_the_managed_policies_are_held_with_the_inline_ones():
    policies = dict(role_policies(resources(), "ValidateRequestFunctionRole"))
    assert "ConnectionRecordsPolicy" in policies
    granted = {
        a
        for document in policies.values()
        for s in document["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"dynamodb:PutItem", "interconnect:ListEnvironments", "events:PutEvents"} <= granted
