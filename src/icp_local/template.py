"""Reads the real template.yaml and resolves it (icp_local.stack_build builds its resources in moto).

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

from icp_local.process_caches import transformed, yaml_parse

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
    return transformed(sam, region, lambda: _transform(sam, region))


def _transform(sam: dict[str, Any], region: str) -> dict[str, Any]:
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region  # samtranslator reads the Region from boto
    try:
        return dict(transform(sam, {}, _NoManagedPolicies()))
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
        return {
            "AWS::Region": self.stack.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack.name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }.get(name)

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
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.stack.attributes[(logical, attribute)]
            if key == "Fn::Sub":
                template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                return re.sub(
                    r"\$\{([^}]+)\}", lambda m: str(self._sub_variable(m.group(1), variables)), template
                )
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
    stack = Stack(
        name=stack_name,
        region=region,
        root=template_path.parent,
        parameters=parameters,
        resources=cfn["Resources"],
    )
    stack.outputs = cfn.get("Outputs", {})
    stack.conditions = cfn.get("Conditions", {})
    stack.list_parameters = {
        name for name, spec in cfn.get("Parameters", {}).items() if spec.get("Type") == "CommaDelimitedList"
    }
    return stack
