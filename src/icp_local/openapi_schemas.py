"""The schemas of api/openapi.yaml (README, "The REST API, ServiceNow and partners"): the
request schemas derived from the core's pydantic models, written as OpenAPI 3.0, and the
response bodies the API function answers with. ``icp_local.openapi_doc`` puts them under
``components``."""

from __future__ import annotations

from typing import Any

from icp.models import ConnectionRequest

STRING = {"type": "string"}
NULLABLE = {"type": "string", "nullable": True}
REASON = {"type": "string", "maxLength": 500}
STRINGS = {"type": "array", "items": STRING}
OPEN_OBJECTS = {"type": "array", "items": {"type": "object", "additionalProperties": True}}


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


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def named(names: str, schema: dict[str, Any] = STRING) -> dict[str, Any]:
    """The same property schema under each of the space-separated ``names``."""
    return dict.fromkeys(names.split(), schema)


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def obj(required: str, properties: dict[str, Any], *, extra: bool | None = None) -> dict[str, Any]:
    """An object schema; ``required`` names are space-separated; ``extra`` sets
    additionalProperties (left out: OpenAPI's default, allowed)."""
    schema: dict[str, Any] = {"type": "object"}
    if extra is not None:
        schema["additionalProperties"] = extra
    if required:
        schema["required"] = required.split()
    return {**schema, "properties": properties}


def _history() -> dict[str, Any]:
    return {"type": "array", "items": ref("HistoryEntry")}


HISTORY_COUNT = {"type": "integer", "minimum": 0, "description": "how many history entries there are"}


def _record(required: str, **more: Any) -> dict[str, Any]:
    """A record as the API shows it; ``more`` are the properties of this view."""
    return obj(
        f"connectionId requestId status historyCount {required}",
        {
            **named("connectionId requestId"),
            **named("type provider awsRegion remoteLocation bandwidth", NULLABLE),
            **named("createdAt updatedAt"),
            "currentExecutionArn": NULLABLE,
            "request": {"type": "object", "additionalProperties": True},
            "warnings": STRINGS,
            "status": STRING,
            **named("statusReason awsConnectionId awsState executionArn", NULLABLE),
            "billingTier": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 8},
            "billing": {
                "type": "object",
                "description": "what it costs, from the API's own fields (README, What a connection costs)",
                "properties": {
                    "billingTier": {"type": "integer", "nullable": True},
                    "pathScope": {"type": "object", "additionalProperties": True},
                    "tierMeaning": STRING,
                },
            },
            "requestedBy": {**STRINGS, "description": "who asked for it (README, Who may ask)"},
            "decommissionRequestedBy": STRINGS,
            "decommissionHeldSince": {
                **NULLABLE,
                "description": "a decommission waits for an approver since then",
            },
            "historyCount": HISTORY_COUNT,
            **more,
        },
    )


def _views() -> dict[str, Any]:
    """One connection (its newest entries), a listed one (its latest entry), a history page."""
    truncated = {"type": "boolean", "description": "older entries exist: GET .../history has them"}
    latest = {"allOf": [ref("HistoryEntry")], "nullable": True, "description": "the newest history entry"}
    page = {**STRING, "description": "present while more pages follow: pass it as nextToken"}
    return {
        "HistoryEntry": obj("to at", {"from": NULLABLE, **named("to at"), "reason": NULLABLE}),
        "Connection": _record(
            "history historyTruncated",
            history={**_history(), "description": "the newest 100 entries, oldest first"},
            historyTruncated=truncated,
        ),
        "ConnectionSummary": _record("latest", latest=latest),
        "ConnectionList": obj(
            "connections asOf",
            {
                "connections": {"type": "array", "items": ref("ConnectionSummary")},
                "nextToken": page,
                "asOf": {"type": "string", "description": "the control plane's time, for ages"},
            },
        ),
        "HistoryPage": obj(
            "connectionId historyCount history",
            {"connectionId": STRING, "historyCount": HISTORY_COUNT, "history": _history(), "nextToken": page},
        ),
    }


def _execution() -> dict[str, Any]:
    waiting_on = {
        "type": "object",
        "properties": {
            "kind": enum("partner", "aws", "approval", "timer", "retry"),
            "detail": STRING,
            "since": NULLABLE,
        },
    }
    step = obj(
        "name type status",
        {
            **named("name type"),
            "status": enum("running", "succeeded", "caught", "failed"),
            **named("enteredAt exitedAt", NULLABLE),
            "retries": {"type": "integer"},
            **named("error lastError", NULLABLE),
            "waitingOn": waiting_on,
        },
        extra=True,
    )
    execution = obj(
        "connectionId executionArn status steps",
        {
            **named("connectionId executionArn name workflow status"),
            **named("startedAt stoppedAt error", NULLABLE),
            "currentStep": {"allOf": [ref("Step")], "nullable": True},
            "steps": {"type": "array", "items": ref("Step")},
        },
    )
    return {"Execution": execution, "Step": step}


def response_schemas() -> dict[str, Any]:
    """The bodies the API function answers with, by name."""
    awaiting = {
        **enum("approval"),
        "description": "a decommission held for an approver (RequireDecommissionApproval)",
    }
    return {
        "Error": obj("error message", {**named("error message"), **named("field rule", NULLABLE)}),
        "Accepted": obj(
            "connectionId requestId status statusUrl",
            named("connectionId requestId status statusUrl executionArn"),
        ),
        "WorkflowStarted": obj(
            "connectionId status",
            {**named("connectionId status bandwidth executionArn"), "awaiting": awaiting},
        ),
        "BandwidthChange": obj(
            "bandwidth", {"bandwidth": {"type": "string", "pattern": r"^\d+(Mbps|Gbps)$"}}, extra=False
        ),
        "PartnerDecision": obj(
            "sharedId decision",
            {
                "sharedId": {"type": "string", "minLength": 1, "maxLength": 128},
                "decision": enum("accepted", "rejected"),
                "reason": REASON,
            },
            extra=False,
        ),
        "PartnerCallbackResult": obj(
            "connectionId decision waitCompleted",
            {**named("connectionId decision"), "waitCompleted": {"type": "boolean"}},
        ),
        "ApprovalDecision": obj(
            "decision", {"decision": enum("approve", "reject"), "reason": REASON}, extra=False
        ),
        "DrillRequest": obj("", {"reason": REASON}, extra=False),
        "DrillStarted": obj(
            "connectionId status action executionArn",
            {**named("connectionId status"), "action": enum("drill"), "executionArn": STRING},
        ),
        "ApprovalResult": obj("connectionId decision", named("connectionId decision")),
        **_execution(),
        "Account": obj(
            "region quotas environments gateways problems",
            {"region": STRING, **named("quotas environments gateways", OPEN_OBJECTS), "problems": STRINGS},
        ),
        **_views(),
    }
