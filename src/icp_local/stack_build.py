"""Builds a loaded template's resources in moto (icp_local.template reads and resolves it):
with boto3 calls, in dependency order, each resource by the builder of its type. Nothing here
lists the application's wiring: it all comes from the template.
"""

from __future__ import annotations

import json
import re
from typing import Any

from icp_local.build_clients import client_for, iam_backend, logs_backend
from icp_local.hardening import BUILDERS as HARDENING
from icp_local.template import ACCOUNT_ID, FunctionSpec, Resolver, RestApi, RuleSpec, Stack

# Within what can be built, kinds are made in this order.
_ORDER = [
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Role",
    "AWS::DynamoDB::Table",
    "AWS::Events::EventBus",
    "AWS::SQS::Queue",
    "AWS::Logs::LogGroup",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::ApiGateway::RestApi",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Function",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::StepFunctions::StateMachine",
    "AWS::Events::Rule",
    "AWS::Lambda::Permission",
    "AWS::SQS::QueuePolicy",
    "AWS::Events::EventBusPolicy",
]
# Kinds with no behaviour in the local cloud.
_SKIPPED = {"AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage"}


def build(stack: Stack, session: Any) -> None:
    """Create every resource, each once what it refers to exists (the template's own Ref/GetAtt
    graph decides the order, as CloudFormation's does)."""
    builders = {**_BUILDERS, **HARDENING}
    resolver = Resolver(stack)
    # A resource whose Condition is false is not created, as in CloudFormation.
    pending = {
        k: v
        for k, v in stack.resources.items()
        if v["Type"] not in _SKIPPED and ("Condition" not in v or resolver.condition(v["Condition"]))
    }
    unknown = {v["Type"] for v in pending.values()} - set(builders)
    if unknown:
        raise NotImplementedError(f"the local cloud cannot build {sorted(unknown)} yet")
    while pending:
        progressed = False
        for logical, resource in sorted(pending.items(), key=lambda item: _ORDER.index(item[1]["Type"])):
            try:
                props = resolver.resolve(resource.get("Properties", {}))
            except KeyError:
                continue  # refers to something not built yet
            builders[resource["Type"]](stack, session, logical, props)
            del pending[logical]
            progressed = True
        if not progressed:
            raise ValueError(f"cannot resolve references of {sorted(pending)}")
    stack.outputs = {k: str(resolver.resolve(v["Value"])) for k, v in stack.outputs.items()}


def _role(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = f"{stack.name}-{logical}"[:64]
    iam = iam_backend(ACCOUNT_ID)
    arn = iam.create_role(
        role_name=name,
        assume_role_policy_document=json.dumps(props.get("AssumeRolePolicyDocument", {})),
        path=props.get("Path", "/"),
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration=None,
    ).arn
    # The inline policies are what the local cloud enforces (icp_local.iam), read back from moto.
    for policy in props.get("Policies", []):
        # AWS takes a document without a Version (as the old 2008-10-17 grammar); moto insists on one.
        document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
        iam.put_role_policy(name, policy["PolicyName"], json.dumps(document))
    managed = [str(a) for a in props.get("ManagedPolicyArns", [])]
    for policy_arn in managed:  # the stack's own (AWS managed ones are not loaded; docs/iam.md)
        if policy_arn.split(":")[4] == ACCOUNT_ID:
            iam.attach_role_policy(policy_arn, name)
    stack.managed_policies[arn] = managed
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = arn
    stack.roles[arn] = logical


def _managed_policy(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    """A customer managed policy, shared by the roles that attach it; Ref gives its ARN."""
    name = props.get("ManagedPolicyName") or f"{stack.name}-{logical}"[:128]
    document = {"Version": "2012-10-17", **props["PolicyDocument"]}
    arn = (
        iam_backend(ACCOUNT_ID)
        .create_policy(
            description=props.get("Description", ""),
            path=props.get("Path", "/"),
            policy_document=json.dumps(document),
            policy_name=name,
            tags=[],
        )
        .arn
    )
    stack.physical[logical] = arn


def _picked(props: dict[str, Any], names: str) -> dict[str, Any]:
    """The properties among the space-separated ``names`` that the template sets, for an API call
    that takes them under the same names."""
    return {name: props[name] for name in names.split() if name in props}


def _table(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("TableName") or f"{stack.name}-{logical}"
    params = _picked(
        props, "AttributeDefinitions KeySchema BillingMode GlobalSecondaryIndexes DeletionProtectionEnabled"
    )
    if "SSESpecification" in props:  # CloudFormation and the API spell this one differently
        params["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
    table = client_for(session, "dynamodb").create_table(TableName=name, **params)["TableDescription"]
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = table["TableArn"]


def _bus(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    arn = client_for(session, "events").create_event_bus(Name=props["Name"])["EventBusArn"]
    stack.physical[logical] = props["Name"]
    stack.attributes[(logical, "Arn")] = arn
    stack.attributes[(logical, "Name")] = props["Name"]


def _queue(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    sqs = client_for(session, "sqs")
    url = sqs.create_queue(QueueName=props.get("QueueName") or f"{stack.name}-{logical}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.physical[logical] = url
    stack.attributes[(logical, "Arn")] = arn
    stack.attributes[(logical, "QueueName")] = arn.rsplit(":", 1)[-1]


def _log_group(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("LogGroupName") or f"/icp-local/{stack.name}/{logical}"
    logs = logs_backend(ACCOUNT_ID, stack.region)
    logs.create_log_group(name, {})
    if "RetentionInDays" in props:
        logs.put_retention_policy(name, int(props["RetentionInDays"]))
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = f"arn:aws:logs:{stack.region}:{ACCOUNT_ID}:log-group:{name}:*"


def _layer(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    # The core is imported from the project itself (installed into the environment).
    arn = f"arn:aws:lambda:{stack.region}:{ACCOUNT_ID}:layer:{logical}:1"
    stack.physical[logical] = arn


def _function(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    import io
    import zipfile

    name = props.get("FunctionName") or f"{stack.name}-{logical}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "# runs in-process in the local cloud\n")
    env = props.get("Environment", {}).get("Variables", {})
    created = client_for(session, "lambda").create_function(
        FunctionName=name,
        Runtime=props.get("Runtime", "python3.12"),
        Role=props["Role"],
        Handler=props["Handler"],
        Code={"ZipFile": buffer.getvalue()},
        Environment={"Variables": {k: str(v) for k, v in env.items()}},
        Timeout=int(props.get("Timeout", 3)),
        MemorySize=int(props.get("MemorySize", 128)),
        Architectures=props.get("Architectures", ["x86_64"]),
    )
    code = props["Code"]
    key = code["S3Key"] if isinstance(code, dict) and "S3Key" in code else str(code)
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = created["FunctionArn"]
    stack.functions[logical] = FunctionSpec(
        logical_id=logical,
        name=name,
        arn=created["FunctionArn"],
        code_dir=stack.root / key,
        handler=props["Handler"],
        environment={k: str(v) for k, v in env.items()},
        timeout=int(props.get("Timeout", 3)),
        memory=int(props.get("MemorySize", 128)),
        dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("TargetArn"),
        role_arn=props["Role"],
    )


def _state_machine(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    definition = props["DefinitionString"]
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + key + "}", str(value))
    leftover = re.findall(r"\$\{[A-Za-z0-9_]+\}", definition)
    if leftover:
        raise ValueError(f"{logical}: no substitution for {sorted(set(leftover))}")
    name = props.get("StateMachineName") or logical
    arn = client_for(session, "stepfunctions").create_state_machine(
        name=name,
        definition=definition,
        roleArn=props["RoleArn"],
        type=props.get("StateMachineType", "STANDARD"),
    )["stateMachineArn"]
    stack.physical[logical] = arn
    stack.attributes[(logical, "Name")] = name
    stack.state_machines[logical] = arn
    stack.state_machine_roles[logical] = props["RoleArn"]


def _rule(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    events = client_for(session, "events")
    bus = props.get("EventBusName", "default")
    params: dict[str, Any] = {
        "Name": f"{stack.name}-{logical}"[:64],
        "EventBusName": bus,
        "State": props.get("State", "ENABLED"),
    }
    if "EventPattern" in props:
        params["EventPattern"] = json.dumps(props["EventPattern"])
    if "ScheduleExpression" in props:
        params["ScheduleExpression"] = props["ScheduleExpression"]
    arn = events.put_rule(**params)["RuleArn"]
    targets = [
        {
            k: v
            for k, v in t.items()
            if k
            in (
                "Id",
                "Arn",
                "RoleArn",
                "Input",
                "InputPath",
                "InputTransformer",
                "DeadLetterConfig",
                "RetryPolicy",
            )
        }
        for t in props.get("Targets", [])
    ]
    if targets:
        events.put_targets(Rule=params["Name"], EventBusName=bus, Targets=targets)
    stack.physical[logical] = params["Name"]
    stack.attributes[(logical, "Arn")] = arn
    stack.rules.append(
        RuleSpec(logical, bus, props.get("EventPattern"), props.get("ScheduleExpression"), targets)
    )


def _permission(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    """A Lambda resource-based policy statement: who else may invoke the function."""
    params = {k: props[k] for k in ("SourceArn", "SourceAccount") if k in props}
    client_for(session, "lambda").add_permission(
        FunctionName=props["FunctionName"],
        StatementId=logical,
        Action=props["Action"],
        Principal=props["Principal"],
        **params,
    )
    stack.physical[logical] = logical


def _queue_policy(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    sqs = client_for(session, "sqs")
    for url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    stack.physical[logical] = logical


def _bus_policy(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    """A statement of the bus's resource-based policy (the local cloud evaluates it on PutEvents:
    icp_local.bus_policy)."""
    statement = {**props["Statement"], "Sid": props["StatementId"]}
    client_for(session, "events").put_permission(
        EventBusName=props.get("EventBusName", "default"),
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    stack.physical[logical] = props["StatementId"]


def _secret(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    import secrets as random_source

    generate = props.get("GenerateSecretString")
    if "SecretString" in props:
        value = props["SecretString"]
    elif generate and "SecretStringTemplate" in generate:
        value = json.dumps(
            {
                **json.loads(generate["SecretStringTemplate"]),
                generate["GenerateStringKey"]: random_source.token_urlsafe(24),
            }
        )
    else:
        value = random_source.token_urlsafe(int((generate or {}).get("PasswordLength", 32)))
    name = props.get("Name") or f"{stack.name}-{logical}"
    arn = client_for(session, "secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    stack.physical[logical] = arn


def _alarm(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("AlarmName") or f"{stack.name}-{logical}"
    params = _picked(
        props,
        "AlarmDescription Namespace MetricName Dimensions Statistic Period EvaluationPeriods Threshold "
        "ComparisonOperator TreatMissingData AlarmActions OKActions",
    )
    params["Period"], params["EvaluationPeriods"] = int(params["Period"]), int(params["EvaluationPeriods"])
    params["Threshold"] = float(params["Threshold"])
    client_for(session, "cloudwatch").put_metric_alarm(AlarmName=name, **params)
    stack.physical[logical] = name


def _dashboard(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("DashboardName") or f"{stack.name}-{logical}"
    client_for(session, "cloudwatch").put_dashboard(DashboardName=name, DashboardBody=props["DashboardBody"])
    stack.physical[logical] = name


def _rest_api(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    # Served by the local cloud itself (LocalCloud.api, `icp local serve`), from this body.
    stack.apis[logical] = RestApi(logical, props["Body"])
    stack.physical[logical] = logical.lower()


_BUILDERS = {
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Role": _role,
    "AWS::DynamoDB::Table": _table,
    "AWS::Events::EventBus": _bus,
    "AWS::SQS::Queue": _queue,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Lambda::LayerVersion": _layer,
    "AWS::Lambda::Function": _function,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::Events::Rule": _rule,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::Lambda::Permission": _permission,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::Events::EventBusPolicy": _bus_policy,
}
