"""The hardening template.yaml promises (README, "Deploying"), read from the translated
template: alarms notify a topic, logs expire, the watcher never overlaps itself, the API is
regional and throttled, and the ServiceNow secret starts empty."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from icp_local.template import load

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@cache
def resources() -> dict[str, dict[str, Any]]:
    return load(TEMPLATE, "us-east-1", "icp").resources


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v.get("Properties", {}) for k, v in resources().items() if v["Type"] == kind}


def schedule_seconds(expression: str) -> int:
    match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    assert match, f"a rate() schedule, not {expression!r}"
    return int(match.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[match.group(2)]


def test_the_watcher_runs_one_sweep_at_a_time_and_ends_before_the_next_is_due():
    template = load(TEMPLATE, "us-east-1", "icp")
    watcher = template.resources["WatchLinksFunction"]["Properties"]
    retries = of_type("AWS::Lambda::EventInvokeConfig")["WatchLinksFunctionEventInvokeConfig"]

    assert watcher["ReservedConcurrentExecutions"] == 1
    assert retries["MaximumRetryAttempts"] == 0
    assert int(watcher["Timeout"]) < schedule_seconds(template.parameters["WatcherSchedule"])


def test_every_alarm_notifies_the_alarm_topic_which_cloudwatch_may_publish_to():
    alarms = of_type("AWS::CloudWatch::Alarm")
    topic = resources()["AlarmTopic"]["Properties"]
    policy = of_type("AWS::SNS::TopicPolicy")["AlarmTopicPolicy"]["PolicyDocument"]["Statement"][0]

    assert alarms
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], name
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}, "not alias/aws/sns: CloudWatch cannot use it"
    assert policy["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(policy["Condition"]) == {"StringEquals", "ArnLike"}
    assert resources()["AlarmEmailSubscription"]["Condition"] == "SubscribeAlarmEmail"


def test_every_log_group_keeps_events_for_the_retention_parameter():
    groups = of_type("AWS::Logs::LogGroup")
    functions = of_type("AWS::Lambda::Function")

    assert all(g["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())
    for name, function in functions.items():
        assert function["LoggingConfig"]["LogGroup"]["Ref"] in groups, f"{name} logs to a declared group"
    machines = of_type("AWS::StepFunctions::StateMachine")
    for name, machine in machines.items():
        (destination,) = machine["LoggingConfiguration"]["Destinations"]
        assert destination["CloudWatchLogsLogGroup"]["LogGroupArn"] == {"Fn::GetAtt": [f"{name}Logs", "Arn"]}


def test_the_api_is_regional_throttled_access_logged_and_its_function_capped():
    api = of_type("AWS::ApiGateway::RestApi")["Api"]
    stage = of_type("AWS::ApiGateway::Stage")["ApiapiStage"]
    throttled = {(m["ResourcePath"], m["HttpMethod"]): m for m in stage["MethodSettings"]}

    assert api["EndpointConfiguration"]["Types"] == ["REGIONAL"]
    assert throttled[("/*", "*")]["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    for path in ("/~1v1~1webhooks~1servicenow", "/~1v1~1partners~1{provider}~1callback"):
        assert throttled[(path, "POST")]["ThrottlingRateLimit"] == {"Ref": "WebhookThrottleRate"}
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    assert json.loads(stage["AccessLogSetting"]["Format"])["requestId"] == "$context.requestId"
    assert resources()["ApiFunction"]["Properties"]["ReservedConcurrentExecutions"] == {
        "Ref": "ApiReservedConcurrency"
    }


def test_the_web_acl_exists_only_with_a_rate_limit_and_guards_the_api_stage():
    acl, association = resources()["ApiWebAcl"], resources()["ApiWebAclAssociation"]

    assert acl["Condition"] == association["Condition"] == "UseWaf"
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Statement"]["RateBasedStatement"] == {
        "Limit": {"Ref": "WafRateLimit"},
        "AggregateKeyType": "IP",
    }
    assert "stages/api" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_the_servicenow_secret_starts_as_an_empty_placeholder_with_nothing_from_parameters():
    secret = resources()["ServiceNowCredentials"]["Properties"]

    assert "GenerateSecretString" not in secret
    assert json.loads(secret["SecretString"]) == {"password": ""}
