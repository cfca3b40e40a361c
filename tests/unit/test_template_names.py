"""Every name template.yaml gives a resource that must be unique in an account or Region
carries the stack's name, and stays within its service's limit for the longest stack name
CloudFormation allows (README, "Deploying"; limits in docs/conformance.md, "Hardening").

The template is translated offline with samtranslator, as `sam` does, and each name resolved
for a 64-character stack name (CloudFormation allows 128; the project promises 64). A resource with no name of its own gets one from
CloudFormation (stack name, logical id and a random suffix, cut to the service's limit).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from icp.aws import alarms

from icp_local.template import Resolver, Stack, load

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
STACK = "interconnect-control-plane-" + "p" * 37  # 64 characters: the longest the project supports (issue 9)
# Resource type -> (the property that names it, the longest name the service takes).
LIMITS: dict[str, tuple[str, int]] = {
    "AWS::SQS::Queue": ("QueueName", 80),
    "AWS::Lambda::Function": ("FunctionName", 64),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", 80),
    "AWS::Events::EventBus": ("Name", 256),
    "AWS::Events::Rule": ("Name", 64),
    "AWS::SecretsManager::Secret": ("Name", 512),
    "AWS::Logs::LogGroup": ("LogGroupName", 512),
    "AWS::CloudWatch::Alarm": ("AlarmName", 255),
    "AWS::CloudWatch::Dashboard": ("DashboardName", 255),
    "AWS::SNS::Topic": ("TopicName", 256),
    "AWS::WAFv2::WebACL": ("Name", 128),
    "AWS::IAM::Role": ("RoleName", 64),
    "AWS::DynamoDB::Table": ("TableName", 255),
}


@cache
def stack(**parameters: str) -> Stack:
    return load(TEMPLATE, "us-east-1", STACK, parameters)


def named(**parameters: str) -> dict[str, tuple[str, str]]:
    """logical id -> (type, resolved name) for every resource the template names itself."""
    built = stack(**parameters)
    resolver = Resolver(built)
    names = {}
    for logical, resource in built.resources.items():
        prop = LIMITS.get(resource["Type"], ("", 0))[0]
        value = resource.get("Properties", {}).get(prop)
        if value is not None:
            names[logical] = (resource["Type"], str(resolver.resolve(value)))
    return names


def test_the_stack_name_is_the_longest_the_project_supports():
    assert len(STACK) == 64


@pytest.mark.parametrize("parameters", [{}, {"EventBusName": "shared-bus"}], ids=["defaults", "named-bus"])
def test_every_name_the_template_gives_carries_the_stack_name_and_fits_its_limit(parameters):
    names = named(**parameters)

    assert names, "the template names some resources"
    for logical, (kind, name) in names.items():
        limit = LIMITS[kind][1]
        assert len(name) <= limit, f"{logical}: {len(name)} characters, over {kind}'s {limit}"
        if logical == "EventBus" and parameters.get("EventBusName"):
            continue  # the operator chose the name
        assert STACK in name, f"{logical}: {name!r} does not carry the stack name"


def test_the_event_bus_is_named_after_the_stack_unless_a_name_is_given():
    assert named()["EventBus"][1] == STACK
    assert named(EventBusName="shared-bus")["EventBus"][1] == "shared-bus"


def test_resources_of_unique_kinds_without_a_name_are_named_by_cloudformation():
    # Nothing else in the template takes a name that must be unique (a KMS key, a policy,
    # a permission or a subscription has none).
    unnamed = {
        logical: r["Type"]
        for logical, r in stack().resources.items()
        if r["Type"] in LIMITS and LIMITS[r["Type"]][0] not in r.get("Properties", {})
    }
    assert {"AWS::SQS::Queue", "AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Events::Rule"} <= set(
        unnamed.values()
    )
    assert "EventBus" not in unnamed and "AlarmTopic" not in unnamed


def test_state_machine_log_groups_are_vended_log_groups():
    names = named()
    for machine in ("Provision", "Decommission", "Resize", "Remediate"):
        assert names[f"{machine}StateMachineLogs"][1] == f"/aws/vendedlogs/states/{STACK}-{machine.lower()}"


def test_per_connection_alarm_names_carry_the_stack_and_fit():
    connection = "icc-" + "0" * 20
    for kind in alarms.KINDS:
        name = alarms.alarm_name(connection, kind, stack=STACK)
        assert len(name) <= alarms.NAME_LIMIT
        assert alarms.parse_alarm_name(name, stack=STACK) == (connection, kind)


def test_an_alarm_of_another_stack_or_of_no_stack_is_not_ours():
    connection = "icc-" + "0" * 20
    assert alarms.parse_alarm_name(f"other-{connection}-utilization", stack=STACK) is None
    assert alarms.parse_alarm_name(f"{STACK}-extra-{connection}-utilization", stack=STACK) is None
    assert alarms.parse_alarm_name(f"{STACK}-{connection}-cpu", stack=STACK) is None


def test_functions_find_the_bus_and_the_stack_by_the_names_the_template_gives():
    built = stack()
    env: dict[str, Any] = built.resources["WatchLinksFunction"]["Properties"]["Environment"]["Variables"]
    assert env["EVENT_BUS_NAME"] == {"Ref": "EventBus"}
    assert env["STACK_NAME"] == {"Ref": "AWS::StackName"}
