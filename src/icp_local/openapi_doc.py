"""Builds api/openapi.yaml, the one description of the REST API: API Gateway is made from it
(template.yaml includes it), the local cloud serves it, and the tests check the resolver's
routes and the request schema against it. Regenerate after changing a route or the request
model: ``python -m icp_local.openapi_doc``."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import yaml
from icp.models import ConnectionType
from icp.status import Status

from icp_local.openapi_schemas import ref, request_schemas, response_schemas

DOC_PATH = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"


INTEGRATION = {
    "type": "aws_proxy",
    "httpMethod": "POST",
    "passthroughBehavior": "when_no_match",
    "uri": {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "${ApiFunction.Arn}/invocations"
    },
}
ERROR = {"$ref": "#/components/responses/Error"}
CONNECTION_ID = {
    "name": "connectionId",
    "in": "path",
    "required": True,
    "description": "a connectionId (icc-...) or the requestId",
    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
}
REGION = {
    "name": "region",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-\\d$", "maxLength": 25},
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _limit(default: int, most: int) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1, "maximum": most, "default": default}
    return _query("limit", schema, f"at most this many per page (1 to {most}, default {default})")


NEXT_TOKEN = _query(
    "nextToken",
    {"type": "string", "minLength": 1, "maxLength": 2048},
    "the nextToken of the previous page, as it was given (400 otherwise)",
)
LIST_FILTERS = [
    _query("status", {"type": "string", "enum": [s.value for s in Status]}, "only records in this status"),
    _query("type", {"type": "string", "enum": [t.value for t in ConnectionType]}, "only this type"),
    {**REGION, "description": "only connections in this AWS Region"},
    _limit(50, 100),
    NEXT_TOKEN,
]
SIGNED = [
    {
        "name": f"X-ICP-{name}",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
    }
    for name, pattern in (("Timestamp", "^[0-9]+$"), ("Signature", "^sha256=[0-9a-f]{64}$"))
]


# Each operation's summary, by operationId.
SUMMARIES = {
    "getConnection": "One connection with its most recent history and its execution",
    "getHistory": "A connection's whole history, oldest first, a page at a time",
    "decommissionConnection": "Decommission a connection",
    "getExecution": "The connection's current or latest workflow run, step by step",
    "decideApproval": "Approve or reject a request held by the approval gate",
    "retryConnection": "Provision a FAILED connection again",
    "drillConnection": "Run a failover drill: routes to the backup path and back",
    "resizeConnection": "Resize a connection's bandwidth",
    "createConnection": "Request a connection",
    "listConnections": "List connections, a page at a time",
    "getAccount": "Quotas left, environments, gateways, and what would make the next request fail",
    "servicenowWebhook": "A ServiceNow request item or change request",
    "partnerCallback": "A partner confirms or rejects an activation",
}
# Each operation's longer description, by operationId.
DESCRIPTIONS = {
    "getConnection": (
        "history holds the newest 100 entries, oldest first; historyTruncated says that "
        "older ones exist (GET .../history has them all)."
    ),
    "listConnections": (
        "By status in the lifecycle's order, oldest first within each. Each item carries its "
        "latest history entry and historyCount, not its history. nextToken is there while "
        "more pages follow."
    ),
    "getExecution": (
        "Steps so far; for a waiting step, what it waits on (the partner, AWS, "
        "an approver, a timer) and since when."
    ),
    "decideApproval": (
        "Also decides a decommission held by RequireDecommissionApproval. "
        "403 (rule approver-is-not-requester): an approver may not approve "
        "their own request."
    ),
    "drillConnection": (
        "Only an ACTIVE connection whose request names a backup path "
        "(aws.backupTarget; 422 otherwise) is drilled; 409 while it is not "
        "ACTIVE or another remediation runs. The routes to the remote CIDRs "
        "move to the backup path, are verified, move back and are verified "
        "again; the link itself is never taken down. No incident is opened."
    ),
    "createConnection": (
        "Checks the request (nothing is written when a check fails) and starts "
        "provisioning. The same requestId again gets the same answer."
    ),
    "servicenowWebhook": (
        "HMAC-SHA256 over '<X-ICP-Timestamp>.' + the raw body with the shared secret kept "
        "in Secrets Manager; a 5-minute window; each signature is accepted once. The "
        "ticket's sys_id is the requestId."
    ),
}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def answer(code: str, description: str, schema_name: str) -> dict[str, Any]:
    """The one success answer of an operation."""
    return {code: {"description": description, **json_body(ref(schema_name))}}


def operation(
    op_id: str,
    ok: dict[str, Any],
    errors: str = "",
    *,
    iam: bool = True,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    body_required: bool = True,
) -> dict[str, Any]:
    """One API Gateway operation proxied to the API function; ``errors`` are the space-separated
    status codes answered with an Error body."""
    op: dict[str, Any] = {"operationId": op_id, "summary": SUMMARIES[op_id]}
    if op_id in DESCRIPTIONS:
        op["description"] = DESCRIPTIONS[op_id]
    if params:
        op["parameters"] = params
    responses = {**ok, **dict.fromkeys(errors.split(), ERROR)}
    if body:
        op["requestBody"] = {"required": body_required, **json_body(body)}
        responses["415"] = ERROR
    if iam:  # API Gateway answers a request without a valid SigV4 signature with 403 itself.
        responses["403"] = {"$ref": "#/components/responses/Forbidden"}
    op["responses"] = responses
    op["security"] = [{"sigv4": []}] if iam else []
    op["x-amazon-apigateway-integration"] = INTEGRATION
    return op


def _connection_paths() -> dict[str, Any]:
    """The routes under /v1/connections/{connectionId}: each names the connection in its path."""
    started = answer("202", "the workflow started", "WorkflowStarted")
    decided = answer("200", "decided", "ApprovalResult")
    drilling = answer("202", "the drill started (a remediation run)", "DrillStarted")
    on_one = partial(operation, params=[CONNECTION_ID])
    return {
        "": {
            "get": on_one("getConnection", answer("200", "the record", "Connection"), "404"),
            "delete": on_one("decommissionConnection", started, "404 409"),
        },
        "/history": {
            "get": partial(operation, params=[CONNECTION_ID, _limit(100, 1000), NEXT_TOKEN])(
                "getHistory", answer("200", "a page of the history", "HistoryPage"), "400 404"
            ),
        },
        "/execution": {
            "get": on_one("getExecution", answer("200", "the execution", "Execution"), "404"),
        },
        "/approval": {
            "post": on_one("decideApproval", decided, "400 403 404 409", body=ref("ApprovalDecision")),
        },
        "/retry": {
            "post": on_one("retryConnection", started, "404 409"),
        },
        "/drill": {
            "post": on_one(
                "drillConnection", drilling, "400 404 409 422", body=ref("DrillRequest"), body_required=False
            ),
        },
        "/bandwidth": {
            "post": on_one("resizeConnection", started, "400 404 409 422", body=ref("BandwidthChange")),
        },
    }


def paths() -> dict[str, Any]:
    accepted = answer("202", "accepted; the provision workflow runs", "Accepted")
    provider = {
        "name": "provider",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"},
    }
    by_connection = {
        f"/v1/connections/{{connectionId}}{tail}": ops for tail, ops in _connection_paths().items()
    }
    return {
        "/v1/connections": {
            "post": operation("createConnection", accepted, "400 413 422", body=ref("ConnectionRequest")),
            "get": operation(
                "listConnections",
                answer("200", "a page of connections", "ConnectionList"),
                "400",
                params=LIST_FILTERS,
            ),
        },
        **by_connection,
        "/v1/account": {
            "get": operation("getAccount", answer("200", "the account", "Account"), "400", params=[REGION]),
        },
        "/v1/webhooks/servicenow": {
            "post": operation(
                "servicenowWebhook",
                accepted,
                "400 401 413 422",
                iam=False,
                params=SIGNED,
                body={"type": "object", "description": "the ticket, as docs/servicenow.md shows"},
            ),
        },
        "/v1/partners/{provider}/callback": {
            "post": operation(
                "partnerCallback",
                answer("200", "recorded", "PartnerCallbackResult"),
                "400 401 404 413",
                iam=False,
                params=[provider, *SIGNED],
                body=ref("PartnerDecision"),
            ),
        },
    }


def build() -> dict[str, Any]:
    forbidden = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Interconnect Control Plane API",
            "version": "1.0.0",
            "description": "Requests, status, decommissioning and resizing of AWS Interconnect connections; "
            "the ServiceNow webhook and partner callbacks. Errors name the field and the rule.",
        },
        "paths": paths(),
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
                "Error": {"description": "refused; field and rule say why", **json_body(ref("Error"))},
                "Forbidden": {
                    "description": "API Gateway refused the caller (no valid SigV4 signature)",
                    **json_body(forbidden),
                },
            },
            "schemas": {**request_schemas(), **response_schemas()},
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
