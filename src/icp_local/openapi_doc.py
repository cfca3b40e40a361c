"""Builds api/openapi.yaml, the one description of the REST API: API Gateway is made from it
(template.yaml includes it), the local cloud serves it, and the tests check the resolver's
routes and the request schema against it. Regenerate after changing a route or the request
model: ``python -m icp_local.openapi_doc``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from icp.models import ConnectionRequest

DOC_PATH = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"


def _openapi30(schema: Any) -> Any:
    """Pydantic writes JSON Schema 2020-12; API Gateway reads OpenAPI 3.0, whose schemas say
    `nullable` instead of a null branch and know no `const`."""
    if isinstance(schema, list):
        return [_openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: _openapi30(v) for k, v in schema.items() if k not in ("title",)}
    branches = schema.get("anyOf")
    if branches and {"type": "null"} in branches:
        rest = [b for b in branches if b != {"type": "null"}]
        schema.pop("anyOf")
        merged = rest[0] if len(rest) == 1 else {"anyOf": rest}
        if "$ref" in merged:
            merged = {"allOf": [merged]}
        schema = {**merged, **schema, "nullable": True}
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    return schema


def request_schemas() -> dict[str, Any]:
    schema = ConnectionRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {name: _openapi30(s) for name, s in {**defs, "ConnectionRequest": schema}.items()}


def build() -> dict[str, Any]:
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "passthroughBehavior": "when_no_match",
        "uri": {
            "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            "${ApiFunction.Arn}/invocations"
        },
    }
    error = {"$ref": "#/components/responses/Error"}

    def json_body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": schema}}}

    def response(description: str, schema_name: str) -> dict[str, Any]:
        return {"description": description, **json_body({"$ref": f"#/components/schemas/{schema_name}"})}

    def operation(
        op_id: str,
        summary: str,
        responses: dict[str, Any],
        *,
        iam: bool = True,
        body: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None,
        description: str | None = None,
        body_required: bool = True,
    ) -> dict[str, Any]:
        op: dict[str, Any] = {"operationId": op_id, "summary": summary}
        if description:
            op["description"] = description
        if params:
            op["parameters"] = params
        if body:
            op["requestBody"] = {"required": body_required, **json_body(body)}
            responses = {**responses, "415": error}
        # API Gateway answers a request without a valid SigV4 signature with 403 itself.
        op["responses"] = (
            {**responses, "403": {"$ref": "#/components/responses/Forbidden"}} if iam else responses
        )
        op["security"] = [{"sigv4": []}] if iam else []
        op["x-amazon-apigateway-integration"] = integration
        return op

    connection_id = [
        {
            "name": "connectionId",
            "in": "path",
            "required": True,
            "description": "a connectionId (icc-...) or the requestId",
            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
        }
    ]
    signed = [
        {
            "name": "X-ICP-Timestamp",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
        {
            "name": "X-ICP-Signature",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
        },
    ]
    accepted = response("accepted; the provision workflow runs", "Accepted")
    started = response("the workflow started", "WorkflowStarted")
    nullable_string = {"type": "string", "nullable": True}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Interconnect Control Plane API",
            "version": "1.0.0",
            "description": "Requests, status, decommissioning and resizing of AWS Interconnect connections; "
            "the ServiceNow webhook and partner callbacks. Errors name the field and the rule.",
        },
        "paths": {
            "/v1/connections": {
                "post": operation(
                    "createConnection",
                    "Request a connection",
                    {"202": accepted, "400": error, "413": error, "422": error},
                    body={"$ref": "#/components/schemas/ConnectionRequest"},
                    description="Checks the request (nothing is written when a check fails) and starts "
                    "provisioning. The same requestId again gets the same answer.",
                ),
                "get": operation(
                    "listConnections",
                    "List connections",
                    {"200": response("every connection", "ConnectionList")},
                ),
            },
            "/v1/connections/{connectionId}": {
                "get": operation(
                    "getConnection",
                    "One connection with its history and execution",
                    {"200": response("the record", "Connection"), "404": error},
                    params=connection_id,
                ),
                "delete": operation(
                    "decommissionConnection",
                    "Decommission a connection",
                    {"202": started, "404": error, "409": error},
                    params=connection_id,
                ),
            },
            "/v1/connections/{connectionId}/execution": {
                "get": operation(
                    "getExecution",
                    "The connection's current or latest workflow run, step by step",
                    {"200": response("the execution", "Execution"), "404": error},
                    params=connection_id,
                    description="Steps so far; for a waiting step, what it waits on (the partner, AWS, "
                    "an approver, a timer) and since when.",
                ),
            },
            "/v1/connections/{connectionId}/approval": {
                "post": operation(
                    "decideApproval",
                    "Approve or reject a request held by the approval gate",
                    {
                        "200": response("decided", "ApprovalResult"),
                        "400": error,
                        "403": error,
                        "404": error,
                        "409": error,
                    },
                    params=connection_id,
                    body={"$ref": "#/components/schemas/ApprovalDecision"},
                    description="Also decides a decommission held by RequireDecommissionApproval. "
                    "403 (rule approver-is-not-requester): an approver may not approve "
                    "their own request.",
                ),
            },
            "/v1/connections/{connectionId}/retry": {
                "post": operation(
                    "retryConnection",
                    "Provision a FAILED connection again",
                    {"202": started, "404": error, "409": error},
                    params=connection_id,
                ),
            },
            "/v1/connections/{connectionId}/drill": {
                "post": operation(
                    "drillConnection",
                    "Run a failover drill: routes to the backup path and back",
                    {
                        "202": response("the drill started (a remediation run)", "DrillStarted"),
                        "400": error,
                        "404": error,
                        "409": error,
                        "422": error,
                    },
                    params=connection_id,
                    body={"$ref": "#/components/schemas/DrillRequest"},
                    body_required=False,
                    description="Only an ACTIVE connection whose request names a backup path "
                    "(aws.backupTarget; 422 otherwise) is drilled; 409 while it is not "
                    "ACTIVE or another remediation runs. The routes to the remote CIDRs "
                    "move to the backup path, are verified, move back and are verified "
                    "again; the link itself is never taken down. No incident is opened.",
                ),
            },
            "/v1/account": {
                "get": operation(
                    "getAccount",
                    "Quotas left, environments, gateways, and what would make the next request fail",
                    {"200": response("the account", "Account"), "400": error},
                    params=[
                        {
                            "name": "region",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "string",
                                "pattern": "^[a-z]{2}(-[a-z]+)+-\\d$",
                                "maxLength": 25,
                            },
                        }
                    ],
                ),
            },
            "/v1/connections/{connectionId}/bandwidth": {
                "post": operation(
                    "resizeConnection",
                    "Resize a connection's bandwidth",
                    {"202": started, "400": error, "404": error, "409": error, "422": error},
                    params=connection_id,
                    body={"$ref": "#/components/schemas/BandwidthChange"},
                ),
            },
            "/v1/webhooks/servicenow": {
                "post": operation(
                    "servicenowWebhook",
                    "A ServiceNow request item or change request",
                    {"202": accepted, "400": error, "401": error, "413": error, "422": error},
                    iam=False,
                    params=signed,
                    body={"type": "object", "description": "the ticket, as docs/servicenow.md shows"},
                    description="HMAC-SHA256 over '<X-ICP-Timestamp>.' + the raw body with the shared secret kept "
                    "in Secrets Manager; a 5-minute window; each signature is accepted once. The "
                    "ticket's sys_id is the requestId.",
                ),
            },
            "/v1/partners/{provider}/callback": {
                "post": operation(
                    "partnerCallback",
                    "A partner confirms or rejects an activation",
                    {
                        "200": response("recorded", "PartnerCallbackResult"),
                        "400": error,
                        "401": error,
                        "404": error,
                        "413": error,
                    },
                    iam=False,
                    params=[
                        {
                            "name": "provider",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        },
                        *signed,
                    ],
                    body={"$ref": "#/components/schemas/PartnerDecision"},
                ),
            },
        },
        "components": {
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            },
            "responses": {
                "Error": {
                    "description": "refused; field and rule say why",
                    **json_body({"$ref": "#/components/schemas/Error"}),
                },
                "Forbidden": {
                    "description": "API Gateway refused the caller (no valid SigV4 signature)",
                    **json_body(
                        {
                            "type": "object",
                            "required": ["message"],
                            "properties": {"message": {"type": "string"}},
                        }
                    ),
                },
            },
            "schemas": {
                **request_schemas(),
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "field": nullable_string,
                        "rule": nullable_string,
                    },
                },
                "Accepted": {
                    "type": "object",
                    "required": ["connectionId", "requestId", "status", "statusUrl"],
                    "properties": {
                        "connectionId": {"type": "string"},
                        "requestId": {"type": "string"},
                        "status": {"type": "string"},
                        "statusUrl": {"type": "string"},
                        "executionArn": {"type": "string"},
                    },
                },
                "WorkflowStarted": {
                    "type": "object",
                    "required": ["connectionId", "status"],
                    "properties": {
                        "connectionId": {"type": "string"},
                        "status": {"type": "string"},
                        "bandwidth": {"type": "string"},
                        "executionArn": {"type": "string"},
                        "awaiting": {
                            "type": "string",
                            "enum": ["approval"],
                            "description": "a decommission held for an approver (RequireDecommissionApproval)",
                        },
                    },
                },
                "BandwidthChange": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["bandwidth"],
                    "properties": {"bandwidth": {"type": "string", "pattern": r"^\d+(Mbps|Gbps)$"}},
                },
                "PartnerDecision": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["sharedId", "decision"],
                    "properties": {
                        "sharedId": {"type": "string", "minLength": 1, "maxLength": 128},
                        "decision": {"type": "string", "enum": ["accepted", "rejected"]},
                        "reason": {"type": "string", "maxLength": 500},
                    },
                },
                "PartnerCallbackResult": {
                    "type": "object",
                    "required": ["connectionId", "decision", "waitCompleted"],
                    "properties": {
                        "connectionId": {"type": "string"},
                        "decision": {"type": "string"},
                        "waitCompleted": {"type": "boolean"},
                    },
                },
                "ApprovalDecision": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["decision"],
                    "properties": {
                        "decision": {"type": "string", "enum": ["approve", "reject"]},
                        "reason": {"type": "string", "maxLength": 500},
                    },
                },
                "DrillRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"reason": {"type": "string", "maxLength": 500}},
                },
                "DrillStarted": {
                    "type": "object",
                    "required": ["connectionId", "status", "action", "executionArn"],
                    "properties": {
                        "connectionId": {"type": "string"},
                        "status": {"type": "string"},
                        "action": {"type": "string", "enum": ["drill"]},
                        "executionArn": {"type": "string"},
                    },
                },
                "ApprovalResult": {
                    "type": "object",
                    "required": ["connectionId", "decision"],
                    "properties": {"connectionId": {"type": "string"}, "decision": {"type": "string"}},
                },
                "Execution": {
                    "type": "object",
                    "required": ["connectionId", "executionArn", "status", "steps"],
                    "properties": {
                        "connectionId": {"type": "string"},
                        "executionArn": {"type": "string"},
                        "name": {"type": "string"},
                        "workflow": {"type": "string"},
                        "status": {"type": "string"},
                        "startedAt": nullable_string,
                        "stoppedAt": nullable_string,
                        "error": nullable_string,
                        "currentStep": {"allOf": [{"$ref": "#/components/schemas/Step"}], "nullable": True},
                        "steps": {"type": "array", "items": {"$ref": "#/components/schemas/Step"}},
                    },
                },
                "Step": {
                    "type": "object",
                    "required": ["name", "type", "status"],
                    "additionalProperties": True,
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"type": "string"},
                        "status": {"type": "string", "enum": ["running", "succeeded", "caught", "failed"]},
                        "enteredAt": nullable_string,
                        "exitedAt": nullable_string,
                        "retries": {"type": "integer"},
                        "error": nullable_string,
                        "lastError": nullable_string,
                        "waitingOn": {
                            "type": "object",
                            "properties": {
                                "kind": {
                                    "type": "string",
                                    "enum": ["partner", "aws", "approval", "timer", "retry"],
                                },
                                "detail": {"type": "string"},
                                "since": nullable_string,
                            },
                        },
                    },
                },
                "Account": {
                    "type": "object",
                    "required": ["region", "quotas", "environments", "gateways", "problems"],
                    "properties": {
                        "region": {"type": "string"},
                        "quotas": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": True},
                        },
                        "environments": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": True},
                        },
                        "gateways": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": True},
                        },
                        "problems": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "ConnectionList": {
                    "type": "object",
                    "required": ["connections"],
                    "properties": {
                        "connections": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Connection"},
                        },
                        "asOf": {"type": "string", "description": "the control plane's time, for ages"},
                    },
                },
                "Connection": {
                    "type": "object",
                    "required": ["connectionId", "requestId", "status", "history"],
                    "properties": {
                        "connectionId": {"type": "string"},
                        "requestId": {"type": "string"},
                        "type": nullable_string,
                        "provider": nullable_string,
                        "awsRegion": nullable_string,
                        "remoteLocation": nullable_string,
                        "bandwidth": nullable_string,
                        "createdAt": {"type": "string"},
                        "updatedAt": {"type": "string"},
                        "currentExecutionArn": nullable_string,
                        "request": {"type": "object", "additionalProperties": True},
                        "warnings": {"type": "array", "items": {"type": "string"}},
                        "status": {"type": "string"},
                        "statusReason": nullable_string,
                        "awsConnectionId": nullable_string,
                        "awsState": nullable_string,
                        "billingTier": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 8},
                        "billing": {
                            "type": "object",
                            "description": "what it costs, from the API's own fields (README, What a connection costs)",
                            "properties": {
                                "billingTier": {"type": "integer", "nullable": True},
                                "pathScope": {"type": "object", "additionalProperties": True},
                                "tierMeaning": {"type": "string"},
                            },
                        },
                        "executionArn": nullable_string,
                        "requestedBy": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "who asked for it (README, Who may ask)",
                        },
                        "decommissionRequestedBy": {"type": "array", "items": {"type": "string"}},
                        "decommissionHeldSince": {
                            **nullable_string,
                            "description": "a decommission waits for an approver since then",
                        },
                        "history": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["to", "at"],
                                "properties": {
                                    "from": nullable_string,
                                    "to": {"type": "string"},
                                    "at": {"type": "string"},
                                    "reason": nullable_string,
                                },
                            },
                        },
                    },
                },
            },
        },
    }


class _NoAliases(yaml.SafeDumper):
    """Writes a value shared by several routes out in full each time: YAML anchors and aliases
    are refused by some OpenAPI tools and scanners, and API Gateway's import gains nothing."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def render() -> str:
    return (
        "# Generated by `python -m icp_local.openapi_doc` from the routes and models; edit those, then regenerate.\n"
        + yaml.dump(build(), Dumper=_NoAliases, sort_keys=False, width=120)
    )


if __name__ == "__main__":
    DOC_PATH.write_text(render())
    print(f"wrote {DOC_PATH}")
