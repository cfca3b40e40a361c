"""Builders for the template's hardening resources (README, "Deploying"): the alarm topic, its
key and subscription, the optional WAF web ACL, and Lambda's asynchronous invoke settings.

What moto has is created in moto, so a test can read it back (the topic and its policy, the
key, the web ACL). What nothing in the local cloud would act on is recorded only: a web ACL's
association with the API stage (the local API is not served by moto, so WAF never sees a
request), and the e-mail subscription (moto keeps it pending, as AWS does until confirmed).
``icp_local.stack_build.build`` takes these builders beside its own.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from icp_local.build_clients import client_for


class Stack(Protocol):
    """What these builders read and write of ``icp_local.template.Stack``."""

    name: str
    physical: dict[str, str]
    attributes: dict[tuple[str, str], str]

    def function_by_name(self, name: str) -> Any: ...


def _key(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    kms = client_for(session, "kms")
    key = kms.create_key(Description=props.get("Description", ""), Policy=json.dumps(props["KeyPolicy"]))[
        "KeyMetadata"
    ]
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=key["KeyId"])
    stack.physical[logical] = key["KeyId"]
    stack.attributes[(logical, "Arn")] = key["Arn"]
    stack.attributes[(logical, "KeyId")] = key["KeyId"]


def _topic(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("TopicName") or f"{stack.name}-{logical}"
    attributes = {"KmsMasterKeyId": str(props["KmsMasterKeyId"])} if props.get("KmsMasterKeyId") else {}
    arn = client_for(session, "sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    stack.physical[logical] = arn
    stack.attributes[(logical, "TopicArn")] = arn
    stack.attributes[(logical, "TopicName")] = name


def _topic_policy(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    for arn in props["Topics"]:
        client_for(session, "sns").set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(props["PolicyDocument"])
        )
    stack.physical[logical] = logical


def _subscription(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    arn = client_for(session, "sns").subscribe(
        TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"]
    )["SubscriptionArn"]
    stack.physical[logical] = arn


def _web_acl(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    rules = [{**rule, "Statement": _numbers(rule["Statement"])} for rule in props.get("Rules", [])]
    summary = client_for(session, "wafv2").create_web_acl(
        Name=props["Name"],
        Scope=props["Scope"],
        DefaultAction=props["DefaultAction"],
        Rules=rules,
        VisibilityConfig=props["VisibilityConfig"],
        Description=props.get("Description", ""),
    )["Summary"]
    stack.physical[logical] = "|".join((summary["Name"], summary["Id"], props["Scope"]))
    stack.attributes[(logical, "Arn")] = summary["ARN"]
    stack.attributes[(logical, "Id")] = summary["Id"]


def _numbers(statement: dict[str, Any]) -> dict[str, Any]:
    """A rate-based statement's Limit comes from a parameter, as a string; the API wants a number."""
    rate = statement.get("RateBasedStatement")
    return {**statement, "RateBasedStatement": {**rate, "Limit": int(rate["Limit"])}} if rate else statement


def _web_acl_association(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    # Recorded, not made: moto has no stage for it (the local cloud serves the API itself).
    stack.physical[logical] = f"{props['WebACLArn']}|{props['ResourceArn']}"


def _event_invoke_config(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    """How often Lambda retries a failed asynchronous invocation (LocalCloud.invoke_async)."""
    spec = stack.function_by_name(str(props["FunctionName"]))
    if spec is None:
        raise ValueError(f"{logical}: no function {props['FunctionName']!r}")
    if "MaximumRetryAttempts" in props:
        spec.async_retries = int(props["MaximumRetryAttempts"])
    stack.physical[logical] = f"{spec.name}:{props.get('Qualifier', '$LATEST')}"


BUILDERS = {
    "AWS::KMS::Key": _key,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SNS::Subscription": _subscription,
    "AWS::WAFv2::WebACL": _web_acl,
    "AWS::WAFv2::WebACLAssociation": _web_acl_association,
    "AWS::Lambda::EventInvokeConfig": _event_invoke_config,
}
