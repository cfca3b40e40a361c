"""The destructive actions of template.yaml's roles carry conditions (issue 9, item 2): deleting a
connection or a Direct Connect gateway needs this stack's ``icp:managedBy`` tag on it, creating
one needs the tag in the request, and routes are written in the stack's own Region only. Each
case is the request the local cloud's enforcer builds (icp_local.iam_actions) held against the
roles of the translated template, resolved for a stack named ``icp`` in us-east-1."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from icp_local.cloud import DEFAULT_TEMPLATE
from icp_local.iam import Decision, evaluate
from icp_local.iam_actions import Lookup, request_for
from icp_local.sar import role_policies
from icp_local.template import Resolver, load

ACCOUNT = "123456789012"
GATEWAY = "5f0c2a9e-1b7d-4c3e-9a8f-2d6e4b1c0a97"
ROUTE_TABLE = "rtb-0123456789abcdef0"
DESTRUCTIVE = {
    "interconnect:DeleteConnection",
    "interconnect:UpdateConnection",
    "directconnect:DeleteDirectConnectGateway",
}


@cache
def roles() -> dict[str, list[dict[str, Any]]]:
    """Each function's role, its statements resolved (those naming resources not built here skipped)."""
    stack = load(DEFAULT_TEMPLATE, "us-east-1", "icp")
    resolver = Resolver(stack)
    found: dict[str, list[dict[str, Any]]] = {}
    for logical, resource in stack.resources.items():
        if resource["Type"] != "AWS::IAM::Role" or not logical.endswith("FunctionRole"):
            continue
        statements = []
        for _, document in role_policies(stack.resources, logical):
            for statement in document["Statement"]:
                try:
                    statements.append(resolver.resolve(statement))
                except KeyError:  # a Ref or GetAtt to a resource only the local cloud builds
                    continue
        found[logical.removesuffix("Role")] = [{"Statement": statements}]
    return found


def decide(
    function: str,
    service: str,
    operation: str,
    params: dict[str, Any],
    region: str = "us-east-1",
    connection_tags: dict[str, str] | None = None,
    gateway_tags: dict[str, str] | None = None,
) -> Decision:
    arn = f"arn:aws:interconnect:{region}:{ACCOUNT}:connection/mcc-abcd1234"
    lookup = Lookup(
        region,
        ACCOUNT,
        connection=lambda identifier, r: {"arn": arn, "tags": connection_tags or {}},
        gateway_tags=lambda gateway: gateway_tags or {},
    )
    request = request_for(service, operation, params, region, lookup)
    context = {**request.context, "aws:requestedregion": [region]}
    decisions = [
        evaluate(roles()[function], action, resource.arn, {**context, **resource.context})
        for action in [request.action, *request.also]
        for resource in request.resources
    ]
    return Decision.ALLOW if all(d is Decision.ALLOW for d in decisions) else Decision.IMPLICIT_DENY


DELETE = {"identifier": "mcc-abcd1234", "clientToken": "t"}


@pytest.mark.parametrize(
    "function", ["DeleteConnectionFunction", "CleanUpFunction", "ReplaceConnectionFunction"]
)
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"icp:managedBy": "icp"}, Decision.ALLOW),
        ({"icp:managedBy": "interconnect-control-plane"}, Decision.ALLOW),  # made before 0.6.0
        ({"icp:managedBy": "another-stack"}, Decision.IMPLICIT_DENY),
        ({}, Decision.IMPLICIT_DENY),
    ],
)
def test_a_connection_is_deleted_only_when_tagged_by_this_stack_or_a_release_before_it(
    function, tags, expected
):
    assert decide(function, "interconnect", "DeleteConnection", DELETE, connection_tags=tags) is expected


@pytest.mark.parametrize("function", ["CleanUpFunction", "MarkDecommissionedFunction"])
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"icp:managedBy": "icp"}, Decision.ALLOW),
        (
            {"icp:managedBy": "interconnect-control-plane"},
            Decision.IMPLICIT_DENY,
        ),  # gateways were never tagged so
        ({}, Decision.IMPLICIT_DENY),
    ],
)
def test_a_gateway_is_deleted_only_when_this_stack_tagged_it(function, tags, expected):
    assert (
        decide(
            function,
            "directconnect",
            "DeleteDirectConnectGateway",
            {"directConnectGatewayId": GATEWAY},
            gateway_tags=tags,
        )
        is expected
    )


def test_only_the_teardown_functions_may_delete_gateways_and_every_destructive_grant_has_a_condition():
    deleting = set()
    for function, documents in roles().items():
        for statement in documents[0]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            destructive = DESTRUCTIVE & set(actions)
            if destructive:
                assert "Condition" in statement, (function, destructive)
            if "directconnect:DeleteDirectConnectGateway" in actions:
                deleting.add(function)
    assert deleting == {"CleanUpFunction", "MarkDecommissionedFunction"}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([{"key": "icp:managedBy", "value": "icp"}], Decision.ALLOW),
        ([{"key": "icp:managedBy", "value": "another-stack"}], Decision.IMPLICIT_DENY),
        (None, Decision.IMPLICIT_DENY),
    ],
)
def test_a_gateway_is_created_only_with_this_stacks_tag(tags, expected):
    params: dict[str, Any] = {"directConnectGatewayName": "icp-gw", "amazonSideAsn": 64512}
    if tags is not None:
        params["tags"] = tags
    assert decide("EnsureGatewayFunction", "directconnect", "CreateDirectConnectGateway", params) is expected


@pytest.mark.parametrize("function", ["CreateConnectionFunction", "ReplaceConnectionFunction"])
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"icp:connectionId": "icc-1", "icp:managedBy": "icp"}, Decision.ALLOW),
        (
            {"icp:connectionId": "icc-1", "icp:managedBy": "interconnect-control-plane"},
            Decision.IMPLICIT_DENY,
        ),
        ({"icp:connectionId": "icc-1"}, Decision.IMPLICIT_DENY),
    ],
)
def test_a_connection_is_created_only_with_this_stacks_tag(function, tags, expected):
    params = {
        "environmentId": "mce-aws-gcp-iad",
        "bandwidth": "1Gbps",
        "clientToken": "t",
        "tags": tags,
        "attachPoint": {"directConnectGateway": GATEWAY},
    }
    assert decide(function, "interconnect", "CreateConnection", params) is expected


@pytest.mark.parametrize(
    "function", ["PropagateRoutesFunction", "FailOverFunction", "ReplaceConnectionFunction"]
)
def test_routes_are_written_in_the_stacks_own_region_only(function):
    vpc = {"RouteTableId": ROUTE_TABLE, "DestinationCidrBlock": "10.128.0.0/16", "GatewayId": "vgw-1"}
    tgw = {"TransitGatewayRouteTableId": "tgw-rtb-0123456789abcdef0", "DestinationCidrBlock": "10.128.0.0/16"}
    for operation, params in (("CreateRoute", vpc), ("CreateTransitGatewayRoute", tgw)):
        assert decide(function, "ec2", operation, params, region="us-east-1") is Decision.ALLOW, operation
        assert decide(function, "ec2", operation, params, region="eu-west-2") is Decision.IMPLICIT_DENY, (
            operation
        )
