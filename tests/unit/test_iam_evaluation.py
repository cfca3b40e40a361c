"""The local cloud's IAM policy evaluation (icp_local.iam.evaluate): AWS's rules, one by one."""

from __future__ import annotations

from typing import Any

from icp_local.iam import Decision, denial_message, evaluate

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/icp-ConnectionsTable"
CONNECTION = "arn:aws:interconnect:us-east-1:123456789012:connection/mcc-abcd1234"


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


def test_an_allow_on_the_action_and_resource_allows():
    assert evaluate([allow("dynamodb:PutItem", TABLE)], "dynamodb:PutItem", TABLE, {}) is Decision.ALLOW


def test_nothing_allowing_is_an_implicit_deny():
    assert (
        evaluate([allow("dynamodb:GetItem", TABLE)], "dynamodb:PutItem", TABLE, {}) is Decision.IMPLICIT_DENY
    )
    assert evaluate([], "dynamodb:PutItem", TABLE, {}) is Decision.IMPLICIT_DENY


def test_actions_match_case_insensitively_with_wildcards():
    assert evaluate([allow("DynamoDB:Put*", TABLE)], "dynamodb:PutItem", TABLE, {}) is Decision.ALLOW
    assert evaluate([allow("dynamodb:?etItem", TABLE)], "dynamodb:GetItem", TABLE, {}) is Decision.ALLOW


def test_an_action_with_no_resource_type_is_allowed_only_by_star():
    scoped = allow("interconnect:ListConnections", "arn:aws:interconnect:*:123456789012:*")
    assert evaluate([scoped], "interconnect:ListConnections", "*", {}) is Decision.IMPLICIT_DENY
    assert (
        evaluate([allow("interconnect:ListConnections", "*")], "interconnect:ListConnections", "*", {})
        is Decision.ALLOW
    )


def test_resource_wildcards_match_within_the_arn_segments():
    pattern = "arn:aws:interconnect:us-*:123456789012:connection/*"
    assert (
        evaluate([allow("interconnect:GetConnection", pattern)], "interconnect:GetConnection", CONNECTION, {})
        is Decision.ALLOW
    )
    for other in (
        "arn:aws:interconnect:eu-*:123456789012:connection/*",
        "arn:aws:interconnect:*:210987654321:connection/*",
        "arn:aws:interconnect:*:123456789012:connection/lmcc-*",
    ):
        assert (
            evaluate(
                [allow("interconnect:GetConnection", other)], "interconnect:GetConnection", CONNECTION, {}
            )
            is Decision.IMPLICIT_DENY
        ), other


def test_an_explicit_deny_wins_over_any_allow():
    deny = {"Statement": [{"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}]}
    assert (
        evaluate([allow("dynamodb:PutItem", TABLE), deny], "dynamodb:PutItem", TABLE, {})
        is Decision.EXPLICIT_DENY
    )


def test_not_action_and_not_resource_invert_the_match():
    everything_but_delete = {
        "Statement": [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE}]
    }
    assert evaluate([everything_but_delete], "dynamodb:GetItem", TABLE, {}) is Decision.ALLOW
    assert evaluate([everything_but_delete], "dynamodb:DeleteItem", TABLE, {}) is Decision.IMPLICIT_DENY
    other = {"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "NotResource": TABLE}]}
    assert evaluate([other], "dynamodb:GetItem", TABLE, {}) is Decision.IMPLICIT_DENY


def test_a_tag_condition_allows_only_resources_with_the_tag():
    policy = allow(
        "interconnect:DeleteConnection",
        "arn:aws:interconnect:*:123456789012:connection/*",
        Condition={"StringEquals": {"aws:ResourceTag/icp:managedBy": "interconnect-control-plane"}},
    )
    tagged = {"aws:resourcetag/icp:managedby": ["interconnect-control-plane"]}
    assert evaluate([policy], "interconnect:DeleteConnection", CONNECTION, tagged) is Decision.ALLOW
    assert evaluate([policy], "interconnect:DeleteConnection", CONNECTION, {}) is Decision.IMPLICIT_DENY
    other = {"aws:resourcetag/icp:managedby": ["someone-else"]}
    assert evaluate([policy], "interconnect:DeleteConnection", CONNECTION, other) is Decision.IMPLICIT_DENY


def test_an_absent_key_fails_a_positive_condition_and_passes_a_negated_or_if_exists_one():
    for operator, expected in (
        ("StringEquals", Decision.IMPLICIT_DENY),
        ("StringNotEquals", Decision.ALLOW),
        ("StringEqualsIfExists", Decision.ALLOW),
    ):
        policy = allow("dynamodb:GetItem", TABLE, Condition={operator: {"aws:ResourceTag/team": "network"}})
        assert evaluate([policy], "dynamodb:GetItem", TABLE, {}) is expected, operator


def test_a_resource_policy_allows_a_service_principal_for_its_source_only():
    rule = "arn:aws:events:us-east-1:123456789012:rule/icp-Sweep"
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Condition": {"ArnLike": {"AWS:SourceArn": rule}},
            }
        ]
    }
    function = "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert (
        evaluate(
            [policy],
            "lambda:InvokeFunction",
            function,
            {"aws:sourcearn": [rule]},
            caller="events.amazonaws.com",
        )
        is Decision.ALLOW
    )
    assert (
        evaluate(
            [policy],
            "lambda:InvokeFunction",
            function,
            {"aws:sourcearn": [rule + "-other"]},
            caller="events.amazonaws.com",
        )
        is Decision.IMPLICIT_DENY
    )
    assert (
        evaluate(
            [policy], "lambda:InvokeFunction", function, {"aws:sourcearn": [rule]}, caller="sns.amazonaws.com"
        )
        is Decision.IMPLICIT_DENY
    )


def test_the_denial_names_the_role_session_the_action_and_the_resource_as_aws_does():
    caller = "arn:aws:sts::123456789012:assumed-role/icp-ApiFunctionRole/icp-ApiFunction"
    assert denial_message(
        caller,
        "events:PutEvents",
        "arn:aws:events:us-east-1:123456789012:event-bus/b",
        Decision.IMPLICIT_DENY,
    ) == (
        f"User: {caller} is not authorized to perform: events:PutEvents on resource: "
        "arn:aws:events:us-east-1:123456789012:event-bus/b because no identity-based policy allows the "
        "events:PutEvents action"
    )
    assert denial_message(caller, "interconnect:ListConnections", "*", Decision.EXPLICIT_DENY) == (
        f"User: {caller} is not authorized to perform: interconnect:ListConnections with an explicit deny in an "
        "identity-based policy"
    )
