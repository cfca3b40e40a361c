"""Validate Request: the first step. Creates the record (RECEIVED), runs every check of
design §3, and ends VALIDATED or REJECTED. Nothing is created at AWS before this passes."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from icp import clock, store
from icp.aws import directconnect, ec2_routes, interconnect
from icp.errors import DuplicateRequest, InvalidRequest, RequestRejected, invalid_request
from icp.lifecycle.transitions import announce_created, move
from icp.models import LIVE, ConnectionRecord, ConnectionRequest, HistoryEntry, Status, connection_id_for
from icp.policy import Quotas, World, check_request


def parse_request(raw: dict[str, Any]) -> ConnectionRequest:
    """The request model, or InvalidRequest naming the first field and rule that failed."""
    try:
        return ConnectionRequest.model_validate(raw)
    except ValidationError as exc:
        raise invalid_request(exc, whole="request") from None


def _new_record(raw: dict[str, Any], request: ConnectionRequest | None, execution_arn: str | None) -> ConnectionRecord:
    now = clock.utcnow()
    request_id = str(raw["requestId"])
    fields: dict[str, Any] = {}
    if request is not None:
        fields = {"type": request.type, "provider": request.provider, "awsRegion": request.awsRegion,
                  "remoteLocation": request.remoteLocation, "bandwidth": request.bandwidth}
    return ConnectionRecord(
        connectionId=connection_id_for(request_id), requestId=request_id, request=raw, status=Status.RECEIVED,
        executionArn=execution_arn, currentExecutionArn=execution_arn, createdAt=now, updatedAt=now,
        history=[HistoryEntry.model_validate({"from": None, "to": Status.RECEIVED.value, "at": now,
                                              "reason": "request received"})],
        **fields,
    )


def _record_for(raw: dict[str, Any], request: ConnectionRequest | None, execution_arn: str | None,
                retry: bool = False) -> ConnectionRecord:
    """Create the record, or take it up again when this same execution already did (a retried
    step), or when an operator retries a FAILED connection."""
    try:
        record = store.create(_new_record(raw, request, execution_arn))
    except DuplicateRequest:
        existing = store.get(connection_id_for(str(raw["requestId"])))
        if retry and existing.status == Status.FAILED:
            # Clean Up removed what the failed run created: start from nothing, keep the history.
            return move(existing.connectionId, Status.RECEIVED, "retried by an operator", also=lambda r: {
                "executionArn": execution_arn, "currentExecutionArn": execution_arn, "awsConnectionId": None,
                "awsState": None, "sharedId": None, "remoteRefs": {}, "directConnectGatewayId": None,
                "gatewayCreated": False, "cleanedUp": [], "environmentId": None, "attempts": r.attempts + 1})
        if existing.executionArn != execution_arn:
            raise
        return existing
    announce_created(record)
    return record


def gather_world(request: ConnectionRequest) -> World:
    environments = interconnect.list_environments(request.awsRegion)
    aws_connections = [c for c in interconnect.iter_connections(request.awsRegion)
                       if c.get("state") in interconnect.EXISTING_STATES]
    records = [r for r in store.scan() if r.status in LIVE and r.requestId != request.requestId]
    return World(
        environments=environments,
        aws_connections=aws_connections,
        records=records,
        gateway_region_ok=ec2_routes.gateway_in_region(request.awsRegion, request.aws.gatewayId),
        route_tables_region_ok={t: ec2_routes.route_table_region_ok(request.awsRegion, t)
                                for t in request.aws.routeTableIds},
    )


def check(request: ConnectionRequest) -> dict[str, Any]:
    """Every check against the world; returns the environment the connection will use."""
    if request.attachPoint.directConnectGatewayId:
        directconnect.get_gateway(request.attachPoint.directConnectGatewayId)
    return check_request(request, gather_world(request), Quotas.from_env())


def validate_request(raw: dict[str, Any], execution_arn: str | None = None, retry: bool = False) -> dict[str, Any]:
    if not isinstance(raw.get("requestId"), str) or not raw["requestId"]:
        raise InvalidRequest("requestId: field required", field="requestId", rule="missing")
    request: ConnectionRequest | None = None
    error: RequestRejected | None = None
    try:
        request = parse_request(raw)
    except InvalidRequest as exc:
        error = exc
    record = _record_for(raw, request, execution_arn, retry)
    if record.status != Status.RECEIVED:
        if record.status == Status.REJECTED:
            raise InvalidRequest(record.statusReason or "rejected")
        return {"connectionId": record.connectionId}
    try:
        if error:
            raise error
        assert request is not None
        environment = check(request)
    except RequestRejected as exc:
        move(record.connectionId, Status.REJECTED, f"{exc.field}: {exc.rule}: {exc.message}")
        raise
    warnings = []
    if environment.get("state") == "limited":
        warnings.append(f"environment {environment['environmentId']} is limited: capacity may be constrained")
    move(record.connectionId, Status.VALIDATED, "all checks passed",
         also=lambda r: {"environmentId": environment["environmentId"], "warnings": warnings})
    return {"connectionId": record.connectionId}
