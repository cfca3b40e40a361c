"""The deploy gate's own logic (README, "The deploy gate"): the checkov skip list, the judgement of
checkov's findings, the IAM scoping rule on sample statements, and the package size verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from icp_local import deploy_gate, sar
from icp_local.deploy_gate import Skip, SkipListError, judge_checkov, parse_skips

ROOT = Path(__file__).resolve().parents[2]
ARN = {"Fn::Sub": "arn:${AWS::Partition}:interconnect:*:${AWS::AccountId}:*"}


def role(*statements: dict[str, Any]) -> dict[str, Any]:
    policy = {"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}
    return {"FnRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [policy]}}}


def test_the_template_lists_every_skip_with_a_one_line_reason():
    skips = parse_skips(yaml_parse((ROOT / "template.yaml").read_text()).get("Metadata"))
    assert skips and all(s.reason and "\n" not in s.reason for s in skips)
    assert len({s.id for s in skips}) == len(skips)


def test_a_skip_with_resources_covers_only_those_logical_ids():
    metadata = {
        "icp:checkovSkips": [{"id": "CKV_AWS_116", "reason": "synchronous", "resources": ["ApiFunction"]}]
    }
    [skip] = parse_skips(metadata)
    assert skip.covers("CKV_AWS_116", "AWS::Lambda::Function.ApiFunction")
    assert skip.covers("CKV_AWS_116", "AWS::Serverless::Function.ApiFunction")
    assert not skip.covers("CKV_AWS_116", "AWS::Lambda::Function.WatchLinksFunction")
    assert not skip.covers("CKV_AWS_117", "AWS::Lambda::Function.ApiFunction")


@pytest.mark.parametrize(
    "entry,message",
    [
        ({"id": "CKV_AWS_116"}, r"\[0\]\.reason: CKV_AWS_116 needs a reason"),
        ({"id": "CKV_AWS_116", "reason": "  "}, r"\[0\]\.reason"),
        ({"id": "CKV_AWS_116", "reason": "one\ntwo"}, "must be one line"),
        ({"reason": "why"}, r"\[0\]\.id: must be a checkov check id"),
        ({"id": "CKV_AWS_116", "reason": "why", "resources": "ApiFunction"}, r"\.resources: must be a list"),
        ("CKV_AWS_116", r"\[0\]: must be a mapping"),
    ],
)
def test_a_malformed_skip_entry_is_refused_naming_the_field(entry, message):
    with pytest.raises(SkipListError, match=message):
        parse_skips({"icp:checkovSkips": [entry]})


def test_no_metadata_means_no_skips():
    assert parse_skips(None) == [] and parse_skips({"cfn-lint": {}}) == []


def test_checkov_passes_when_every_failure_is_listed():
    failures = {
        "template.yaml": [("CKV_AWS_117", "AWS::Serverless::Function.ApiFunction")],
        "translated": [("CKV_AWS_117", "AWS::Lambda::Function.ApiFunction")],
    }
    result = judge_checkov(failures, [Skip("CKV_AWS_117", "no VPC resources")])
    assert result.ok and "CKV_AWS_117 x2" in result.summary


def test_checkov_fails_on_a_failure_that_is_not_listed():
    failures = {
        "translated": [
            ("CKV_AWS_117", "AWS::Lambda::Function.ApiFunction"),
            ("CKV_AWS_76", "AWS::ApiGateway::Stage.ApiapiStage"),
        ]
    }
    result = judge_checkov(failures, [Skip("CKV_AWS_117", "no VPC resources")])
    assert not result.ok
    assert result.details == ["translated: CKV_AWS_76 AWS::ApiGateway::Stage.ApiapiStage"]


def test_checkov_fails_on_a_listed_skip_that_no_longer_fails():
    result = judge_checkov({"translated": []}, [Skip("CKV_AWS_76", "hardening in progress")])
    assert not result.ok and result.details == [
        "CKV_AWS_76 is listed but no longer fails: remove it from Metadata.icp:checkovSkips"
    ]


def test_checkov_report_as_a_list_of_frameworks_is_read_too():
    failed = {"check_id": "CKV_AWS_27", "resource": "AWS::SQS::Queue.DeadLetterQueue"}
    report = [{"results": {"failed_checks": [failed]}}, {"results": {}}]
    assert deploy_gate.failed_checks(report) == [("CKV_AWS_27", "AWS::SQS::Queue.DeadLetterQueue")]


def test_a_report_with_parsing_errors_or_no_resources_is_not_a_scan():
    assert deploy_gate.scanned({"summary": {"resource_count": 116, "parsing_errors": 0}})
    assert not deploy_gate.scanned({"summary": {"resource_count": 0, "parsing_errors": 0}})
    assert not deploy_gate.scanned([{"summary": {"resource_count": 3, "parsing_errors": 1}}])


def test_a_list_action_scoped_to_an_arn_is_found():
    resources = role(
        {
            "Sid": "Sweep",
            "Effect": "Allow",
            "Action": ["interconnect:ListConnections", "interconnect:GetConnection"],
            "Resource": ARN,
        }
    )
    assert sar.scoped_without_resource_type(resources) == [
        sar.Scoped("FnRole", "Sweep", "interconnect:ListConnections")
    ]
    assert not deploy_gate.scoping_result(resources).ok


def test_a_wildcard_action_is_expanded_against_the_reference():
    resources = role({"Effect": "Allow", "Action": "interconnect:list*", "Resource": [ARN]})
    found = {s.action for s in sar.scoped_without_resource_type(resources)}
    assert {"interconnect:ListConnections", "interconnect:ListEnvironments"} <= found


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "interconnect:ListConnections", "Resource": "*"},
        {"Effect": "Allow", "Action": ["interconnect:ListConnections"], "Resource": ["*"]},
        {"Effect": "Deny", "Action": "interconnect:ListConnections", "Resource": ARN},
        {"Effect": "Allow", "Action": "interconnect:GetConnection", "Resource": ARN},
        # Checked on the state machine although the reference lists no resource type (docs/iam.md).
        {"Effect": "Allow", "Action": "states:SendTaskSuccess", "Resource": ARN},
    ],
)
def test_statements_that_work_in_aws_are_not_found(statement):
    assert sar.scoped_without_resource_type(role(statement)) == []


def test_an_action_the_reference_does_not_define_is_unknown():
    resources = role(
        {"Effect": "Allow", "Action": ["interconnect:GetConection", "interconnect:Get*"], "Resource": "*"}
    )
    assert sar.unknown_actions(resources) == {("FnRole", "interconnect:GetConection")}


def test_the_package_size_fails_at_lambdas_unzipped_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "CoreLayer").mkdir()
    (tmp_path / "CoreLayer" / "lib.py").write_bytes(b"x" * 600)
    (tmp_path / "ApiFunction").mkdir()
    (tmp_path / "ApiFunction" / "app.py").write_bytes(b"x" * 400)
    monkeypatch.setattr(deploy_gate, "UNZIPPED_LIMIT", 1001)
    assert deploy_gate.size_result(tmp_path, ["ApiFunction", "NotBuilt"]).ok
    monkeypatch.setattr(deploy_gate, "UNZIPPED_LIMIT", 1000)
    result = deploy_gate.size_result(tmp_path, ["ApiFunction"])
    assert not result.ok and "1000 bytes" in result.details[0]


def test_a_missing_layer_fails_the_size_check(tmp_path: Path):
    assert not deploy_gate.size_result(tmp_path, []).ok
