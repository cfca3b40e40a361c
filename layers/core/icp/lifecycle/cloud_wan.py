"""Cloud WAN (``aws.attachment: cloud-wan``; README, "Cloud WAN"): the Direct Connect gateway is
attached to the core network the request names (``aws.gatewayId``) at its edge locations, tagged
so the core network policy's attachment policies put it in ``aws.segment``. The workflow waits
on a task token until the attachment is AVAILABLE (this step's own first look, then the
watcher's sweeps), then verifies that the remote CIDRs are routes of the segment at every edge
location, through this attachment (GetNetworkRoutes). Decommissioning and Clean Up delete it.

How AWS's answers are read (docs/conformance.md, "Cloud WAN"):
- CREATING, PENDING_NETWORK_UPDATE, UPDATING: still on its way; PENDING_ATTACHMENT_ACCEPTANCE:
  the segment (or the matching attachment policy) asks the core network's owner to accept it,
  so the wait goes on (bounded by the activation window) and the record says so;
- AVAILABLE in the request's segment ends the wait; AVAILABLE elsewhere is AttachmentNotInSegment;
  REJECTED is AttachmentRejected; FAILED, DELETING or gone is AttachmentFailed.
"""

from __future__ import annotations

from typing import Any

from icp import stack, store
from icp.aws import directconnect, networkmanager, stepfunctions
from icp.errors import CleanupPending, ConcurrentUpdate, InvalidRequest, UnknownGateway
from icp.lifecycle.create_connection import client_token
from icp.lifecycle.transitions import note, set_fields
from icp.models import Attachment, ConnectionRecord, ConnectionRequest, WaitFor
from icp.observability import logger

# The tag the core network policy's attachment policies match (a ``tag-value`` condition, or
# ``association-method: tag`` with ``tag-value-of-key``); its value is the request's segment.
SEGMENT_TAG = "segment"
PENDING_ACCEPTANCE = "PENDING_ATTACHMENT_ACCEPTANCE"
_FAILED = {"REJECTED": "AttachmentRejected", "FAILED": "AttachmentFailed", "DELETING": "AttachmentFailed"}


def is_cloud_wan(record: ConnectionRecord) -> bool:
    return record.parsed_request.aws.attachment == Attachment.CLOUD_WAN


# --- validation ---------------------------------------------------------------------------
def check_core_network(request: ConnectionRequest) -> None:
    """The core network exists, has the segment, and the segment reaches every edge location."""
    core_id = request.aws.gatewayId
    found = networkmanager.core_network(core_id)
    if found is None:
        raise UnknownGateway(f"core network {core_id} does not exist", field="aws.gatewayId", rule="exists")
    segments = {str(s.get("Name")): s for s in found.get("Segments", [])}
    segment = segments.get(str(request.aws.segment))
    if segment is None:
        raise InvalidRequest(
            f"aws.segment: core network {core_id} has no segment {request.aws.segment!r} "
            f"(its segments: {', '.join(sorted(segments)) or 'none'})",
            field="aws.segment",
            rule="segment-of-core-network",
        )
    outside = [e for e in request.edge_locations if e not in segment.get("EdgeLocations", [])]
    if outside:
        raise InvalidRequest(
            f"aws.edgeLocations: segment {request.aws.segment} of {core_id} is not at {', '.join(outside)} "
            f"(it is at {', '.join(segment.get('EdgeLocations', [])) or 'no edge location'})",
            field="aws.edgeLocations",
            rule="edge-location-of-segment",
        )


# --- attaching ----------------------------------------------------------------------------
def attach(record: ConnectionRecord) -> str:
    """Attach the record's DX gateway to the core network (once: the client token makes a
    retried step get the same attachment). Returns the attachment id."""
    if record.coreNetworkAttachmentId:
        return record.coreNetworkAttachmentId
    request = record.parsed_request
    gateway = directconnect.get_gateway(record.require("directConnectGatewayId"))
    gateway_arn = (
        f"arn:aws:directconnect::{gateway['ownerAccount']}:dx-gateway/{gateway['directConnectGatewayId']}"
    )
    attachment = networkmanager.create_dx_gateway_attachment(
        request.aws.gatewayId,
        gateway_arn,
        request.edge_locations,
        stack.tags(**{SEGMENT_TAG: str(request.aws.segment), "icp:connectionId": record.connectionId}),
        client_token(record.requestId, attempt=f"cloud-wan-{record.attempts}"),
    )
    attachment_id = str(attachment["AttachmentId"])
    set_fields(record.connectionId, coreNetworkAttachmentId=attachment_id)
    logger.info(
        "core network attachment created",
        extra={
            "connectionId": record.connectionId,
            "attachmentId": attachment_id,
            "state": attachment["State"],
        },
    )
    return attachment_id


def outcome(record: ConnectionRecord, attachment: dict[str, Any] | None) -> tuple[str, str, str] | None:
    """``(kind, error, cause)`` when the attachment's state ends the wait, else None."""
    attachment_id = record.coreNetworkAttachmentId
    if attachment is None:
        return "failure", "AttachmentFailed", f"Cloud WAN attachment {attachment_id} no longer exists"
    state = str(attachment.get("State"))
    segment = record.parsed_request.aws.segment
    if state == "AVAILABLE":
        if attachment.get("SegmentName") == segment:
            return "success", "", ""
        placed = attachment.get("SegmentName") or "no segment"
        return (
            "failure",
            "AttachmentNotInSegment",
            f"Cloud WAN attachment {attachment_id} is AVAILABLE in {placed}, not in {segment}: "
            f"check the core network policy's attachment policies for the tag {SEGMENT_TAG}={segment}",
        )
    if state in _FAILED:
        codes = ", ".join(str(e.get("Code")) for e in attachment.get("LastModificationErrors", []))
        return (
            "failure",
            _FAILED[state],
            f"Cloud WAN attachment {attachment_id} is {state}" + (f" ({codes})" if codes else ""),
        )
    return None


def resolve(record: ConnectionRecord) -> bool:
    """One read of the attachment; completes the record's task token if it ends the wait."""
    token = record.waitToken
    if record.waitFor != WaitFor.CORE_NETWORK_ATTACHMENT or not token:
        return False
    attachment = networkmanager.dx_gateway_attachment(str(record.coreNetworkAttachmentId))
    if attachment is not None and attachment.get("State") == PENDING_ACCEPTANCE:
        waiting = f"Cloud WAN attachment {record.coreNetworkAttachmentId} awaits acceptance by the core network's owner"
        if record.latest is None or record.latest.reason != waiting:  # said once, not at every sweep
            record = note(record.connectionId, waiting)
    result = outcome(record, attachment)
    if result is None:
        return False
    try:  # claim the token first: of two sweepers, only the one whose write lands sends it
        store.save(record.model_copy(update={"waitToken": None}))
    except ConcurrentUpdate:
        return False
    kind, error, cause = result
    logger.info(
        "wait ended",
        extra={
            "connectionId": record.connectionId,
            "waitFor": WaitFor.CORE_NETWORK_ATTACHMENT.value,
            "outcome": kind,
        },
    )
    if kind == "success":
        return stepfunctions.send_success(
            token, {"connectionId": record.connectionId, "attachmentId": record.coreNetworkAttachmentId}
        )
    return stepfunctions.send_failure(token, error, cause)


def complete_waits(records: list[ConnectionRecord]) -> int:
    """The watcher's part: complete the waits on core network attachments. Returns how many."""
    done = 0
    for seen in records:
        if seen.waitFor != WaitFor.CORE_NETWORK_ATTACHMENT or not seen.waitToken:
            continue
        try:
            done += resolve(store.get(seen.connectionId))
        except Exception as exc:  # one attachment's trouble must not stop the sweep
            logger.exception(
                "sweep could not look at a core network attachment",
                extra={"connectionId": seen.connectionId, "error": type(exc).__name__},
            )
    return done


# --- verifying ----------------------------------------------------------------------------
def missing_segment_routes(record: ConnectionRecord) -> list[str]:
    """What keeps the remote CIDRs from being ACTIVE routes of the segment, through this
    attachment, at every edge location (empty when they all are)."""
    request = record.parsed_request
    attachment_id = record.coreNetworkAttachmentId
    if not attachment_id:
        return [f"no Cloud WAN attachment of {record.directConnectGatewayId} to {request.aws.gatewayId}"]
    attachment = networkmanager.dx_gateway_attachment(attachment_id)
    if attachment is None or attachment.get("State") != "AVAILABLE":
        return [
            f"Cloud WAN attachment {attachment_id} is {(attachment and attachment.get('State')) or 'gone'}"
        ]
    core = networkmanager.core_network(request.aws.gatewayId) or {}
    segment = str(request.aws.segment)
    missing = []
    for edge in request.edge_locations:
        routes = networkmanager.segment_routes(
            str(core.get("GlobalNetworkId")),
            request.aws.gatewayId,
            segment,
            edge,
            [*request.remote.cidrs, *request.aws.cidrs],
        )
        active = [r for r in routes if r.get("State") == "ACTIVE"]
        through_us = {
            r.get("DestinationCidrBlock")
            for r in active
            if any(d.get("CoreNetworkAttachmentId") == attachment_id for d in r.get("Destinations", []))
        }
        missing += [
            f"{cidr} not in segment {segment} at {edge} through {attachment_id}"
            for cidr in request.remote.cidrs
            if cidr not in through_us
        ]
        # The AWS CIDRs reach the remote side only as routes of the segment (its VPC attachments):
        # the DX gateway advertises what the segment has, not allowed prefixes.
        present = {r.get("DestinationCidrBlock") for r in active}
        missing += [
            f"AWS CIDR {cidr} is no route of segment {segment} at {edge}: nothing there advertises it"
            for cidr in request.aws.cidrs
            if cidr not in present
        ]
    return missing


# --- taking apart -------------------------------------------------------------------------
def detach(record: ConnectionRecord) -> list[str]:
    """Delete the attachment (rejecting it first while it awaits acceptance, as
    terraform-provider-aws does). Returns what was removed."""
    attachment_id = record.coreNetworkAttachmentId
    if not attachment_id:
        return []
    attachment = networkmanager.dx_gateway_attachment(attachment_id)
    if attachment is None:
        return [f"Cloud WAN attachment {attachment_id}"]
    state = attachment.get("State")
    if state == PENDING_ACCEPTANCE:
        networkmanager.reject_attachment(attachment_id)
        attachment = networkmanager.dx_gateway_attachment(attachment_id)
        state = attachment.get("State") if attachment else None
        if state == PENDING_ACCEPTANCE:
            raise CleanupPending(
                f"Cloud WAN attachment {attachment_id} is still awaiting acceptance after its rejection"
            )
    if attachment is not None and state != "DELETING":
        networkmanager.delete_attachment(attachment_id)
    return [f"Cloud WAN attachment {attachment_id}"]


def attachment_in_the_way(record: ConnectionRecord) -> str | None:
    """Why the DX gateway cannot be deleted yet: its Cloud WAN attachment still exists."""
    if not record.coreNetworkAttachmentId:
        return None
    attachment = networkmanager.dx_gateway_attachment(record.coreNetworkAttachmentId)
    if attachment is None:
        return None
    return f"Cloud WAN attachment {record.coreNetworkAttachmentId} is {attachment.get('State')}"
