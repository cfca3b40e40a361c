"""Validate Request: the first step. Creates the record (RECEIVED), runs every check of
docs/events.md ("Interconnect Connection Requested"), and ends VALIDATED or REJECTED. Nothing is
created at AWS before this passes."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from icp import clock, proposal_keys, stack, store
from icp.aws import directconnect, ec2_routes, interconnect
from icp.errors import DuplicateRequest, InvalidRequest, ProposalMismatch, RequestRejected, invalid_request
from icp.lifecycle import cloud_wan
from icp.lifecycle.proposals import Resolved, resolve
from icp.lifecycle.transitions import announce_created, move
from icp.models import (
    Attachment,
    ConnectionRecord,
    ConnectionRequest,
    ConnectionType,
    HistoryEntry,
    Status,
    connection_id_for,
)
from icp.policy import Quotas, World, check_request, quota_regions


def parse_request(raw: dict[str, Any]) -> ConnectionRequest:
    """The request model, or InvalidRequest naming the first field and rule that failed."""
    try:
        return ConnectionRequest.model_validate(raw)
    except ValidationError as exc:
        raise invalid_request(exc, whole="request") from None


def _new_record(
    raw: dict[str, Any], request: ConnectionRequest | None, execution_arn: str | None, requested_by: list[str]
) -> ConnectionRecord:
    now = clock.utcnow()
    request_id = str(raw["requestId"])
    fields: dict[str, Any] = {}
    if request is not None:
        fields = {
            "type": request.type,
            "provider": request.provider,
            "awsRegion": request.awsRegion,
            "remoteLocation": request.remoteLocation,
            "bandwidth": request.bandwidth,
        }
    record = ConnectionRecord(
        connectionId=connection_id_for(request_id),
        requestId=request_id,
        request=raw,
        status=Status.RECEIVED,
        executionArn=execution_arn,
        currentExecutionArn=execution_arn,
        createdAt=now,
        updatedAt=now,
        requestedBy=requested_by,
        **fields,
    )
    return record.with_entry(
        HistoryEntry.model_validate(
            {"from": None, "to": Status.RECEIVED.value, "at": now, "reason": "request received"}
        )
    )


def _record_for(
    raw: dict[str, Any],
    request: ConnectionRequest | None,
    execution_arn: str | None,
    retry: bool = False,
    requested_by: list[str] | None = None,
) -> ConnectionRecord:
    """Create the record, or take it up again when this same execution already did (a retried
    step), or when an operator retries a FAILED connection."""
    try:
        record = store.create(_new_record(raw, request, execution_arn, requested_by or []))
    except DuplicateRequest:
        existing = store.get(connection_id_for(str(raw["requestId"])))
        if retry and existing.status == Status.FAILED:
            # Clean Up removed what the failed run created: start from nothing, keep the history.
            return move(
                existing.connectionId,
                Status.RECEIVED,
                "retried by an operator",
                also=lambda r: {
                    "executionArn": execution_arn,
                    "currentExecutionArn": execution_arn,
                    "awsConnectionId": None,
                    "awsState": None,
                    "awsStateSeen": None,
                    "awsStateReads": 0,
                    "awsRequestedSeen": False,
                    "awsCreatedAt": None,
                    "sharedId": None,
                    "billingTier": None,
                    "remoteRefs": {},
                    "directConnectGatewayId": None,
                    "gatewayCreated": False,
                    "coreNetworkAttachmentId": None,
                    "cleanedUp": [],
                    "environmentId": None,
                    "attempts": r.attempts + 1,
                },
            )
        if existing.executionArn != execution_arn:
            raise
        return existing
    announce_created(record)
    return record


def _remote_network_mtu(request: ConnectionRequest) -> int | None:
    """The Google network's MTU, read only when the request leaves remote.mtu out."""
    if request.type != ConnectionType.MULTICLOUD or request.remote.mtu is not None:  # type: ignore[union-attr]
        return None
    from icp.partners import google_cloud  # the Google client libraries load only when needed

    return google_cloud.network_mtu(request.remote.project, request.remote.network)  # type: ignore[union-attr]


def gather_world(request: ConnectionRequest, quotas: Quotas) -> World:
    environments = interconnect.list_environments(request.awsRegion)
    regions = quota_regions(request.awsRegion, quotas)
    records = [r for r in store.live() if r.requestId != request.requestId]
    return World(
        environments=environments,
        aws_connections=interconnect.existing_connections(regions),
        quota_regions=regions,
        remote_network_mtu=_remote_network_mtu(request),
        records=records,
        gateway_region_ok=ec2_routes.gateway_in_region(
            request.awsRegion, request.aws.gatewayId, request.aws.accountId
        ),
        route_tables_region_ok={
            t: ec2_routes.route_table_region_ok(request.awsRegion, t, request.aws.accountId)
            for t in request.aws.routeTableIds
        },
        home_region=stack.home_region(),
    )


def check(request: ConnectionRequest) -> tuple[dict[str, Any], Resolved | None]:
    """Every check against the world; returns the environment the connection will use, and for a
    proposal (``activationKey``) the request as the proposal completes it."""
    resolved = resolve(request) if request.activationKey is not None else None
    if resolved is not None:
        request = resolved.request
    if request.attachPoint.directConnectGatewayId:
        directconnect.get_gateway(request.attachPoint.directConnectGatewayId)
    if request.aws.attachment == Attachment.CLOUD_WAN:
        cloud_wan.check_core_network(request)
    quotas = Quotas.configured()
    environment = check_request(request, gather_world(request, quotas), quotas)
    if resolved is not None and environment.get("environmentId") != resolved.environment_id:
        raise ProposalMismatch(
            f"the proposal's environment {resolved.environment_id} is not the one this request reaches"
            f" ({environment.get('environmentId')})",
            field="activationKey",
            rule="matches-proposal",
        )
    return environment, resolved


def validate_request(
    raw: dict[str, Any],
    execution_arn: str | None = None,
    retry: bool = False,
    requested_by: list[str] | None = None,
    key_kept: bool = False,
) -> dict[str, Any]:
    """``requested_by``: who asked (icp.requesters), kept on the record for the approval rule.
    ``key_kept``: the request's activationKey waits in Secrets Manager (icp.proposal_keys); the
    answer's ``proposal`` tells the workflow to accept it rather than create a connection."""
    if not isinstance(raw.get("requestId"), str) or not raw["requestId"]:
        raise InvalidRequest("requestId: field required", field="requestId", rule="missing")
    connection_id = connection_id_for(raw["requestId"])
    key = raw.get("activationKey") or (proposal_keys.read(connection_id) if key_kept else None)
    raw = {k: v for k, v in raw.items() if k != "activationKey"}  # never on the record
    answer = {"connectionId": connection_id, "proposal": key is not None}
    # The request, or why it could not be read: a malformed one still gets its (REJECTED) record.
    parsed: ConnectionRequest | InvalidRequest
    try:
        parsed = parse_request(raw if key is None else {**raw, "activationKey": key})
    except InvalidRequest as exc:
        parsed = exc
    request = parsed if isinstance(parsed, ConnectionRequest) else None
    record = _record_for(raw, request, execution_arn, retry, requested_by)
    if record.status != Status.RECEIVED:
        if record.status == Status.REJECTED:
            raise InvalidRequest(record.statusReason or "rejected")
        return answer
    try:
        if isinstance(parsed, InvalidRequest):
            raise parsed
        environment, resolved = check(parsed)
    except RequestRejected as exc:
        move(record.connectionId, Status.REJECTED, f"{exc.field}: {exc.rule}: {exc.message}")
        if key_kept:
            proposal_keys.forget(connection_id)  # nothing will accept it
        raise
    warnings = []
    if environment.get("state") == "limited":
        warnings.append(f"environment {environment['environmentId']} is limited: capacity may be constrained")
    fields: dict[str, Any] = {"environmentId": environment["environmentId"], "warnings": warnings}
    if resolved is not None:  # the proposal's bandwidth and location, and its Google transport
        fields |= {
            "request": resolved.stored_request(raw),
            "bandwidth": resolved.request.bandwidth,
            "remoteLocation": resolved.request.remoteLocation,
            "remoteRefs": resolved.remote_refs,
        }
    move(record.connectionId, Status.VALIDATED, "all checks passed", also=lambda r: fields)
    return answer
