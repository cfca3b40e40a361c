"""Reads the real template.yaml and builds its resources in moto.

The SAM template is translated to plain CloudFormation offline with samtranslator (the
same translator `sam` uses), after inlining the ASL files and code locations that `sam
build` would otherwise resolve. The resulting resources are created with boto3 calls
against moto, in dependency order, resolving the intrinsic functions they use. Nothing
here lists the application's wiring: it all comes from the template.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from icp_local.build_clients import client_for
from icp_local.hardening import BUILDERS as HARDENING

ACCOUNT_ID = "123456789012"
_LOCAL_CODE = "s3://icp-local-code/"


class _NoManagedPolicies:
    """samtranslator asks for AWS managed policy ARNs; offline there are none to look up."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout: int
    memory: int
    dead_letter_arn: str | None = None  # where failed asynchronous invocations go
    role_arn: str = ""  # the execution role the function's code runs with
    async_retries: int = 2  # Lambda's default; a function's EventInvokeConfig may change it


@dataclass
class RestApi:
    """An API Gateway REST API: its OpenAPI body, with intrinsics resolved."""

    logical_id: str
    body: dict[str, Any]


@dataclass
class RuleSpec:
    logical_id: str
    bus: str
    pattern: dict[str, Any] | None
    schedule: str | None
    targets: list[dict[str, Any]]


@dataclass
class Stack:
    """What the local cloud built from the template: physical names, functions, rules."""

    name: str
    region: str
    root: Path
    parameters: dict[str, str]
    resources: dict[str, dict[str, Any]]
    physical: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    state_machine_roles: dict[str, str] = field(default_factory=dict)  # logical id -> role ARN
    roles: dict[str, str] = field(default_factory=dict)  # role ARN -> logical id
    # AWS managed policies a role names (moto does not load them; see docs/iam.md)
    managed_policies: dict[str, list[str]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    apis: dict[str, RestApi] = field(default_factory=dict)
    list_parameters: set[str] = field(default_factory=set)  # CommaDelimitedList: a Ref is a list

    def function_by_name(self, name: str) -> FunctionSpec | None:
        return next((f for f in self.functions.values() if f.name == name), None)


def _inline_includes(value: Any, root: Path) -> Any:
    """Replace ``Fn::Transform: AWS::Include`` with the file it names, as CloudFormation does
    (sam package uploads the file; here it is read from the project)."""
    if isinstance(value, list):
        return [_inline_includes(v, root) for v in value]
    if not isinstance(value, dict):
        return value
    transform_spec = value.get("Fn::Transform")
    if isinstance(transform_spec, dict) and transform_spec.get("Name") == "AWS::Include":
        return yaml_parse((root / transform_spec["Parameters"]["Location"]).read_text())
    return {k: _inline_includes(v, root) for k, v in value.items()}


def translate(template_path: Path, region: str) -> dict[str, Any]:
    root = template_path.parent
    sam = _inline_includes(yaml_parse(template_path.read_text()), root)
    for resource in sam.get("Resources", {}).values():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::Serverless::Function":
            props["CodeUri"] = _LOCAL_CODE + str(props["CodeUri"]).strip("/")
        elif kind == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = _LOCAL_CODE + str(props["ContentUri"]).strip("/")
        elif kind == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            props["Definition"] = json.loads((root / props.pop("DefinitionUri")).read_text())
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region  # samtranslator reads the Region from boto
    try:
        return transform(sam, {}, _NoManagedPolicies())
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


class Resolver:
    """Resolves the intrinsic functions the translated template uses."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.conditions = stack.conditions

    def pseudo(self, name: str) -> str | None:
        return {"AWS::Region": self.stack.region, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
                "AWS::StackName": self.stack.name, "AWS::URLSuffix": "amazonaws.com",
                "AWS::NoValue": None}.get(name)

    def ref(self, name: str) -> Any:
        if name in self.stack.list_parameters:  # CloudFormation splits it; '' is one empty string
            return self.stack.parameters[name].split(",")
        if name in self.stack.parameters:
            return self.stack.parameters[name]
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.stack.physical:
            return self.stack.physical[name]
        raise KeyError(f"Ref to {name}, which is not created yet")

    def _sub_variable(self, name: str, variables: dict[str, Any]) -> Any:
        """``${Name}`` in Fn::Sub: a local variable, ``Logical.Attribute``, or a Ref."""
        if name in variables:
            return variables[name]
        if "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            return self.stack.attributes[(logical, attribute)]
        return self.ref(name)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.stack.attributes[(logical, attribute)]
            if key == "Fn::Sub":
                template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub_variable(m.group(1), variables)), template)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(p) for p in self.resolve(parts))
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                a, b = self.resolve(arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(index)]
        return {k: self.resolve(v) for k, v in value.items()}


def load(template_path: Path, region: str, stack_name: str, overrides: dict[str, str] | None = None) -> Stack:
    cfn = translate(template_path, region)
    parameters = {name: str(spec.get("Default", "")) for name, spec in cfn.get("Parameters", {}).items()}
    parameters.update(overrides or {})
    stack = Stack(name=stack_name, region=region, root=template_path.parent, parameters=parameters,
                  resources=cfn["Resources"])
    stack.outputs = cfn.get("Outputs", {})
    stack.conditions = cfn.get("Conditions", {})
    stack.list_parameters = {name for name, spec in cfn.get("Parameters", {}).items()
                             if spec.get("Type") == "CommaDelimitedList"}
    return stack


# --- building the resources in moto -------------------------------------------------------
# Within what can be built, kinds are made in this order.
_ORDER = [
    "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::DynamoDB::Table", "AWS::Events::EventBus", "AWS::SQS::Queue", "AWS::Logs::LogGroup",
    "AWS::SecretsManager::Secret", "AWS::KMS::Key", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription",
    "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::ApiGateway::RestApi", "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation", "AWS::Lambda::LayerVersion", "AWS::Lambda::Function",
    "AWS::Lambda::EventInvokeConfig", "AWS::StepFunctions::StateMachine", "AWS::Events::Rule",
    "AWS::Lambda::Permission", "AWS::SQS::QueuePolicy", "AWS::Events::EventBusPolicy",
]
# Kinds with no behaviour in the local cloud.
_SKIPPED = {"AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage"}


def build(stack: Stack, session: Any) -> None:
    """Create every resource, each once what it refers to exists (the template's own Ref/GetAtt
    graph decides the order, as CloudFormation's does)."""
    builders = {**_BUILDERS, **HARDENING}
    resolver = Resolver(stack)
    # A resource whose Condition is false is not created, as in CloudFormation.
    pending = {k: v for k, v in stack.resources.items() if v["Type"] not in _SKIPPED
               and ("Condition" not in v or resolver.condition(v["Condition"]))}
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
    iam = client_for(session, "iam")
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(props.get("AssumeRolePolicyDocument", {})))["Role"]["Arn"]
    # The inline policies are what the local cloud enforces (icp_local.iam), read back from moto.
    for policy in props.get("Policies", []):
        # AWS takes a document without a Version (as the old 2008-10-17 grammar); moto insists on one.
        document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
        iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))
    managed = [str(a) for a in props.get("ManagedPolicyArns", [])]
    for policy_arn in managed:  # the stack's own (AWS managed ones are not loaded; docs/iam.md)
        if policy_arn.split(":")[4] == ACCOUNT_ID:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    stack.managed_policies[arn] = managed
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = arn
    stack.roles[arn] = logical


def _managed_policy(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    """A customer managed policy, shared by the roles that attach it; Ref gives its ARN."""
    name = props.get("ManagedPolicyName") or f"{stack.name}-{logical}"[:128]
    document = {"Version": "2012-10-17", **props["PolicyDocument"]}
    arn = client_for(session, "iam").create_policy(
        PolicyName=name, Path=props.get("Path", "/"), Description=props.get("Description", ""),
        PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    stack.physical[logical] = arn


def _table(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("TableName") or f"{stack.name}-{logical}"
    params = {k: v for k, v in props.items() if k in (
        "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes", "DeletionProtectionEnabled")}
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
    logs = client_for(session, "logs")
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in props:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
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
        FunctionName=name, Runtime=props.get("Runtime", "python3.12"), Role=props["Role"],
        Handler=props["Handler"], Code={"ZipFile": buffer.getvalue()},
        Environment={"Variables": {k: str(v) for k, v in env.items()}},
        Timeout=int(props.get("Timeout", 3)), MemorySize=int(props.get("MemorySize", 128)),
        Architectures=props.get("Architectures", ["x86_64"]),
    )
    code = props["Code"]
    key = code["S3Key"] if isinstance(code, dict) and "S3Key" in code else str(code)
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = created["FunctionArn"]
    stack.functions[logical] = FunctionSpec(
        logical_id=logical, name=name, arn=created["FunctionArn"], code_dir=stack.root / key,
        handler=props["Handler"], environment={k: str(v) for k, v in env.items()},
        timeout=int(props.get("Timeout", 3)), memory=int(props.get("MemorySize", 128)),
        dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("TargetArn"), role_arn=props["Role"],
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
        name=name, definition=definition, roleArn=props["RoleArn"], type=props.get("StateMachineType", "STANDARD"),
    )["stateMachineArn"]
    stack.physical[logical] = arn
    stack.attributes[(logical, "Name")] = name
    stack.state_machines[logical] = arn
    stack.state_machine_roles[logical] = props["RoleArn"]


def _rule(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    events = client_for(session, "events")
    bus = props.get("EventBusName", "default")
    params: dict[str, Any] = {"Name": f"{stack.name}-{logical}"[:64], "EventBusName": bus,
                              "State": props.get("State", "ENABLED")}
    if "EventPattern" in props:
        params["EventPattern"] = json.dumps(props["EventPattern"])
    if "ScheduleExpression" in props:
        params["ScheduleExpression"] = props["ScheduleExpression"]
    arn = events.put_rule(**params)["RuleArn"]
    targets = [{k: v for k, v in t.items() if k in ("Id", "Arn", "RoleArn", "Input", "InputPath",
                                                      "InputTransformer", "DeadLetterConfig", "RetryPolicy")}
               for t in props.get("Targets", [])]
    if targets:
        events.put_targets(Rule=params["Name"], EventBusName=bus, Targets=targets)
    stack.physical[logical] = params["Name"]
    stack.attributes[(logical, "Arn")] = arn
    stack.rules.append(RuleSpec(logical, bus, props.get("EventPattern"), props.get("ScheduleExpression"), targets))


def _permission(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    """A Lambda resource-based policy statement: who else may invoke the function."""
    params = {k: props[k] for k in ("SourceArn", "SourceAccount") if k in props}
    client_for(session, "lambda").add_permission(FunctionName=props["FunctionName"], StatementId=logical,
                                            Action=props["Action"], Principal=props["Principal"], **params)
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
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    stack.physical[logical] = props["StatementId"]


def _secret(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    import secrets as random_source

    generate = props.get("GenerateSecretString")
    if "SecretString" in props:
        value = props["SecretString"]
    elif generate and "SecretStringTemplate" in generate:
        value = json.dumps({**json.loads(generate["SecretStringTemplate"]),
                            generate["GenerateStringKey"]: random_source.token_urlsafe(24)})
    else:
        value = random_source.token_urlsafe(int((generate or {}).get("PasswordLength", 32)))
    name = props.get("Name") or f"{stack.name}-{logical}"
    arn = client_for(session, "secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    stack.physical[logical] = arn


def _alarm(stack: Stack, session: Any, logical: str, props: dict[str, Any]) -> None:
    name = props.get("AlarmName") or f"{stack.name}-{logical}"
    params = {k: v for k, v in props.items() if k in (
        "AlarmDescription", "Namespace", "MetricName", "Dimensions", "Statistic", "Period", "EvaluationPeriods",
        "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmActions", "OKActions")}
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
