"""Least privilege, proven in the local cloud (issue 9): every call a function makes is covered by
its own role, and a permission a flow needs, taken away, makes the flow fail with AccessDenied
naming the function and the action."""

from __future__ import annotations

import io
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from samtranslator.yaml_helper import yaml_parse

from icp_cli.main import main as icp
from icp_local import LocalCloud, demo, sar
from icp_local.cloud import DEFAULT_TEMPLATE
from icp_local.iam import Decision, evaluate
from icp_local.scenario import request_for, transit_gateway_network
from icp_local.template import translate

# Every local cloud of the run, hostile ones included, enforces IAM and feeds the suite's ledger
# (tests/conftest.py), which fails on any refused call: here, the default reading only.
pytestmark = pytest.mark.default_reading

pytestmark = pytest.mark.e2e
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
SEED = 20260409  # fixed: the same permission is taken away on every run


def role_policies(resources: dict[str, Any], logical: str) -> list[dict[str, Any]]:
    """A function's inline and attached managed policies, as the translated template gives them."""
    return [document for _, document in sar.role_policies(resources, f"{logical}Role")]


def granted_actions(documents: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for document in documents:
        for statement in document["Statement"]:
            if statement.get("Effect") == "Allow" and "Action" in statement:
                value = statement["Action"]
                actions.update([value] if isinstance(value, str) else value)
    return actions


@pytest.fixture(scope="module")
def demo_calls() -> dict[str, Any]:
    """What the demo scenario (every kind of connection, a failover, icp list and show) called."""
    seen: dict[str, Any] = {}

    def record(cloud: LocalCloud) -> None:
        assert cloud.iam is not None
        seen["calls"] = dict(cloud.iam.calls)
        seen["denials"] = list(cloud.iam.denials)
        seen["functions"] = {spec.logical_id for spec in cloud.stack.functions.values()}

    assert demo.run(Console(file=io.StringIO(), width=120), inspect=record, operator=icp) == 0
    return seen


def test_the_demo_makes_no_call_its_role_does_not_cover(demo_calls: dict[str, Any]):
    assert demo_calls["denials"] == []
    used = {principal for principal, _ in demo_calls["calls"]}
    assert {
        "ValidateRequestFunction",
        "WatchLinksFunction",
        "ApiFunction",
        "FailOverFunction",
        "ProvisionStateMachine",
        "RemediateStateMachine",
    } <= used


def test_every_recorded_call_is_allowed_by_the_template_roles(demo_calls: dict[str, Any], tmp_path: Path):
    """The pairs are held against the translated template's roles, not the local cloud's own
    record of them, and the grants no recorded call uses are listed for trimming."""
    resources = translate(DEFAULT_TEMPLATE, "us-east-1")["Resources"]
    by_function: dict[str, set[str]] = defaultdict(set)
    for principal, action in demo_calls["calls"]:
        if principal in demo_calls["functions"]:
            by_function[principal].add(action)
    uncovered = {
        (function, action)
        for function, actions in by_function.items()
        for action in actions
        if not _granted(role_policies(resources, function), action)
    }
    assert not uncovered
    unused = {
        function: sorted(granted_actions(role_policies(resources, function)) - actions)
        for function, actions in by_function.items()
    }
    report = {
        "pairs": sorted(f"{f} {a}" for f, actions in by_function.items() for a in actions),
        "grantedButUnusedByTheDemo": {f: a for f, a in sorted(unused.items()) if a},
    }
    (tmp_path / "iam-pairs.json").write_text(json.dumps(report, indent=1))
    print(
        f"{len(report['pairs'])} (function, action) pairs recorded; granted but unused by the demo: "
        f"{sum(len(a) for a in unused.values())}"
    )


def _granted(documents: list[dict[str, Any]], action: str) -> bool:
    """Whether an Allow statement names the action (the local cloud has judged resources and
    conditions already; this holds the pair against the template itself)."""
    loose = [
        {
            "Statement": [
                {"Effect": s["Effect"], "Action": s["Action"], "Resource": "*"}
                for s in d["Statement"]
                if "Action" in s
            ]
        }
        for d in documents
    ]
    return evaluate(loose, action, "*", {}) is Decision.ALLOW


# --- one permission taken away ------------------------------------------------------------------
def template_without(function: str, action: str, directory: Path) -> Path:
    """A copy of template.yaml where ``function``'s role lacks ``action`` (its SAM policy templates
    and the managed policies it attaches written out as the statements they hold, minus that action)."""
    sam = yaml_parse(DEFAULT_TEMPLATE.read_text())
    documents = role_policies(translate(DEFAULT_TEMPLATE, "us-east-1")["Resources"], function)
    policies = []
    for document in documents:
        statements = []
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            kept = [a for a in actions if a.lower() != action.lower()]
            if kept:
                statements.append({**statement, "Action": kept})
        if statements:
            policies.append({"Statement": statements})
    sam["Resources"][function]["Properties"]["Policies"] = policies
    for folder in ("functions", "layers", "statemachines", "api", "dashboards"):
        (directory / folder).symlink_to(DEFAULT_TEMPLATE.parent / folder)
    copy = directory / "template.yaml"
    copy.write_text(yaml.safe_dump(sam, sort_keys=False))
    return copy


def provision(cloud: LocalCloud) -> dict[str, Any]:
    request = request_for("multicloud-request", transit_gateway_network())
    cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    cloud.run_until_idle()
    record = cloud.connection(request["requestId"])
    assert record is not None
    return record


def test_taking_away_one_permission_the_flow_needs_fails_it_with_access_denied(tmp_path: Path):
    with LocalCloud(parameters={"LogLevel": "ERROR"}) as cloud:
        assert provision(cloud)["status"] == "ACTIVE"
        assert cloud.iam is not None and cloud.iam.denials == []
        functions = {spec.logical_id: spec.name for spec in cloud.stack.functions.values()}
        needed = sorted((p, a) for p, a in cloud.iam.calls if p in functions)
    function, action = random.Random(SEED).choice(needed)

    with LocalCloud(template_without(function, action, tmp_path), parameters={"LogLevel": "ERROR"}) as cloud:
        record = provision(cloud)
        assert cloud.iam is not None
        denials = [d for d in cloud.iam.denials if (d.principal, d.action) == (function, action)]
        assert denials, f"taking {action} from {function} went unnoticed"
        denial = denials[0]
        assert denial.code in DENIED
        assert functions[function] in denial.message and action in denial.message
        assert record["status"] != "ACTIVE" or cloud.runtime.errors[function] > 0, (
            f"the flow finished although {function} was refused {action}"
        )


# --- what EventBridge needs: the function's resource policy, the queue's policy ------------------
STATUS_CHANGED = "Interconnect Connection Status Changed"


def test_an_event_its_function_may_not_receive_goes_to_the_dead_letter_queue_whose_policy_lets_eventbridge(
    local_cloud: LocalCloud,
):
    import boto3

    # Given: the notification rule may no longer invoke its function
    function = local_cloud.stack.functions["NotifyServiceNowFunction"]
    boto3.client("lambda").remove_permission(
        FunctionName=function.name, StatementId="NotifyServiceNowFunctionStatusChangedPermission"
    )
    queue = local_cloud.stack.physical["NotificationDeadLetterQueue"]
    sqs = boto3.client("sqs")

    # When: a status change is published, then again once the queue's policy is gone too
    local_cloud.put_event(
        "interconnect-control-plane", STATUS_CHANGED, {"connectionId": "icc-1", "to": "ACTIVE"}
    )
    local_cloud.run_until_idle()
    parked = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": ""})
    local_cloud.put_event(
        "interconnect-control-plane", STATUS_CHANGED, {"connectionId": "icc-2", "to": "ACTIVE"}
    )
    local_cloud.run_until_idle()

    # Then: the first is parked on the queue (its policy names the rule), the second is lost
    assert [json.loads(m["Body"])["detail"]["connectionId"] for m in parked] == ["icc-1"]
    assert sqs.receive_message(QueueUrl=queue).get("Messages", []) == []
    assert local_cloud.iam is not None
    refused = [(d.principal, d.action) for d in local_cloud.iam.denials]
    assert refused == [("events.amazonaws.com", "lambda:InvokeFunction")] * 2 + [
        ("events.amazonaws.com", "sqs:SendMessage")
    ]
    assert local_cloud.runtime.invocations[function.logical_id] == 0
    local_cloud.iam.denials.clear()  # expected here; the suite's ledger fails on any other
