"""The REST API (README, "The REST API, ServiceNow and partners"), served by one function through Powertools' resolver with
request validation. The routes only translate HTTP to core calls; errors become HTTP once,
here, from each error's ``http_status``.

api/openapi.yaml is the API's one description (API Gateway is built from it); a test keeps
these routes and that document in step.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from icp import clock, config, executions, inbound, record_views, secrets, store
from icp.aws.clients import default_region, known_regions
from icp.errors import ConnectionNotFound, IcpError, InvalidRequest, UnknownPartner
from icp.lifecycle.decommission import find_record, request_decommission
from icp.lifecycle.submit_request import Submitted, submit_request
from icp.models import BANDWIDTH_PATTERN, ConnectionRequest, ConnectionType
from icp.observability import logger
from icp.requesters import from_servicenow
from icp.servicenow_requests import request_from_servicenow
from icp.status import Status

# The lifecycle modules that only some routes call are imported inside those routes: a cold start
# loads what its request needs (README, "Cold starts").

API_SOURCE = "interconnect-control-plane.api"
SERVICENOW_SOURCE = "interconnect-control-plane.servicenow"

app = APIGatewayRestResolver(enable_validation=True)
# Route handlers that answer with a Response carry no return annotation: the resolver would read
# one as a response model to validate against.


class ApprovalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=500)


class DrillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class BandwidthChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bandwidth: str = Field(pattern=BANDWIDTH_PATTERN)


def _error(status: int, error: str, message: str, field: str | None, rule: str | None) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body={"error": error, "message": message, "field": field, "rule": rule},
    )


@app.exception_handler(IcpError)
def _domain_error(exc: IcpError) -> Response:
    if exc.http_status >= 500:
        logger.exception("request failed")
    return _error(exc.http_status, type(exc).__name__, exc.message, exc.field, exc.rule)


@app.exception_handler(RequestValidationError)
def _invalid(exc: RequestValidationError) -> Response:
    first = exc.errors()[0]
    location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query")]
    field = "body" if first.get("type") == "json_invalid" else ".".join(location) or "body"
    return _error(
        400, "InvalidRequest", f"{field}: {first.get('msg', 'invalid')}", field, str(first.get("type"))
    )


@app.not_found
def _not_found(exc: Exception) -> Response:
    return _error(
        404,
        "NotFound",
        f"no route {app.current_event.http_method} {app.current_event.path}",
        "path",
        "known-route",
    )


def _raw_body() -> bytes:
    """The body exactly as sent: what a signature covers."""
    event = app.current_event
    if event.is_base64_encoded:
        return base64.b64decode(event.body or "")
    return (event.body or "").encode()


def _accepted(submitted: Submitted) -> Response:
    return Response(
        status_code=202,
        content_type="application/json",
        body={
            "connectionId": submitted.connectionId,
            "requestId": submitted.requestId,
            "status": submitted.status,
            "statusUrl": f"/v1/connections/{submitted.connectionId}",
            "executionArn": submitted.executionArn,
        },
    )


def _with_key(request: ConnectionRequest) -> dict[str, Any]:
    """The request as JSON with its activationKey in clear (a dump masks it), for submit_request,
    which keeps it aside (README, "Proposals")."""
    data = request.model_dump(mode="json", exclude_none=True)
    if request.activationKey is not None:
        data["activationKey"] = request.activationKey.get_secret_value()
    return data


@app.post("/v1/connections")
def create_connection(request: Annotated[ConnectionRequest, Body()]):
    return _accepted(submit_request(_with_key(request), API_SOURCE, [_caller()]))


# Query parameters: a bad value is a 400 naming the parameter (the resolver validates them).
NextToken = Annotated[str | None, Query(min_length=1, max_length=2048)]
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d$"


@app.get("/v1/connections")
def list_connections(
    status: Annotated[Status | None, Query()] = None,
    type: Annotated[ConnectionType | None, Query()] = None,
    region: Annotated[str | None, Query(pattern=REGION_PATTERN, max_length=25)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    nextToken: NextToken = None,
) -> dict[str, Any]:
    records, token = store.list_page(
        status=status.value if status else None,
        type=type.value if type else None,
        region=region,
        limit=limit,
        token=nextToken,
    )
    listed: dict[str, Any] = {"connections": [record_views.summary(r) for r in records]}
    if token:
        listed["nextToken"] = token
    return {**listed, "asOf": clock.utcnow().isoformat()}


@app.get("/v1/connections/<connectionId>")
def get_connection(connectionId: str) -> dict[str, Any]:
    return record_views.detail(find_record(connectionId))


@app.get("/v1/connections/<connectionId>/history")
def get_history(
    connectionId: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    nextToken: NextToken = None,
) -> dict[str, Any]:
    record = find_record(connectionId)
    entries, token = store.history_page(record.connectionId, limit=limit, token=nextToken)
    page: dict[str, Any] = {
        "connectionId": record.connectionId,
        "historyCount": record.historyCount,
        "history": [e.model_dump(mode="json", by_alias=True) for e in entries],
    }
    if token:
        page["nextToken"] = token
    return page


@app.delete("/v1/connections/<connectionId>")
def decommission_connection(connectionId: str):
    return Response(
        status_code=202, content_type="application/json", body=request_decommission(connectionId, [_caller()])
    )


@app.post("/v1/connections/<connectionId>/bandwidth")
def resize_connection(connectionId: str, change: Annotated[BandwidthChange, Body()]):
    from icp.lifecycle.resize import request_resize

    return Response(
        status_code=202, content_type="application/json", body=request_resize(connectionId, change.bandwidth)
    )


@app.post("/v1/connections/<connectionId>/drill")
def drill_connection(connectionId: str, drill: Annotated[DrillRequest | None, Body()] = None):
    from icp.lifecycle.drill import request_drill

    return Response(
        status_code=202,
        content_type="application/json",
        body=request_drill(connectionId, drill.reason if drill else None, _caller()),
    )


@app.get("/v1/connections/<connectionId>/execution")
def get_execution(connectionId: str) -> dict[str, Any]:
    record = find_record(connectionId)
    described = executions.describe(record)
    if described is None:
        raise ConnectionNotFound(
            f"connection {record.connectionId} has no execution", field="connectionId", rule="has-execution"
        )
    return described


@app.post("/v1/connections/<connectionId>/approval")
def approve_connection(connectionId: str, decision: Annotated[ApprovalDecision, Body()]) -> dict[str, Any]:
    from icp.lifecycle.approval import decide_approval

    return decide_approval(connectionId, decision.decision == "approve", decision.reason, _caller())


@app.post("/v1/connections/<connectionId>/retry")
def retry_connection(connectionId: str):
    from icp.lifecycle.retry import request_retry

    return Response(status_code=202, content_type="application/json", body=request_retry(connectionId))


@app.get("/v1/account")
def account() -> dict[str, Any]:
    from icp.lifecycle.doctor import account_view

    region = app.current_event.get_query_string_value("region")
    if region is not None and region not in known_regions():
        raise InvalidRequest(
            f"region: {region[:40]!r} is not an AWS Region", field="region", rule="known-region"
        )
    return account_view(region or default_region())


def _caller() -> str:
    """Who asks or approves: the IAM principal API Gateway authenticated (its ARN)."""
    identity = app.current_event.request_context.identity
    return identity.user_arn or identity.caller or "unknown caller"


@app.post("/v1/webhooks/servicenow")
def servicenow_webhook():
    from icp.lifecycle.approval import servicenow_approval

    event = app.current_event
    secret = secrets.shared_secret(config.settings().require("servicenow_webhook_secret_arn"))
    payload = inbound.signed_json(_raw_body(), event.headers, secret)
    inbound.refuse_replay("servicenow", event.headers)
    decided = servicenow_approval(payload)
    if decided is not None:  # a change approval for a request waiting on it
        inbound.use_signature_once("servicenow", event.headers)
        return Response(status_code=200, content_type="application/json", body=decided)
    submitted = submit_request(request_from_servicenow(payload), SERVICENOW_SOURCE, from_servicenow(payload))
    inbound.use_signature_once("servicenow", event.headers)
    return _accepted(submitted)


@app.post("/v1/partners/<provider>/callback")
def partner_callback_route(provider: str) -> dict[str, Any]:
    from icp.lifecycle.partner_callback import parse_decision, partner_callback
    from icp.partners.last_mile import provider_config

    event = app.current_event
    try:
        secret_arn = provider_config(provider).secret_arn
    except IcpError:
        raise UnknownPartner(
            f"no partner {provider!r} is configured", field="provider", rule="configured-partner"
        ) from None
    secret = secrets.shared_secret(secret_arn)
    decision = parse_decision(inbound.signed_json(_raw_body(), event.headers, secret))
    inbound.refuse_replay(f"partner-{provider}", event.headers)
    result = partner_callback(provider, decision)
    inbound.use_signature_once(f"partner-{provider}", event.headers)
    return result


def _refusal(status: int, error: str, message: str, field: str, rule: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": error, "message": message, "field": field, "rule": rule}),
    }


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Refused before any parsing: a large or non-JSON body costs nothing more than this.
    body = event.get("body") or ""
    if len(body) > inbound.MAX_BODY_BYTES:
        return _refusal(
            413, "BodyTooLarge", f"the body is over {inbound.MAX_BODY_BYTES} bytes", "body", "max-64KiB"
        )
    content_type = next(
        (v for k, v in (event.get("headers") or {}).items() if k.lower() == "content-type"), ""
    )
    if body and content_type and content_type.split(";")[0].strip().lower() != "application/json":
        return _refusal(
            415,
            "UnsupportedMediaType",
            f"the body must be application/json, not {content_type}",
            "Content-Type",
            "application/json",
        )
    if body and event.get("isBase64Encoded"):
        try:
            base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return _refusal(400, "InvalidRequest", "the body is not UTF-8 JSON", "body", "json")
    return app.resolve(event, context)
