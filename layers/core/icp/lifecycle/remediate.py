"""The steps of statemachines/remediate.asl.json and its child workflows (failover, repair-routes,
grow-bandwidth, replace; README, "How it works"). Each is idempotent: a retried step, or a
step run after the world already moved, changes nothing twice."""

from __future__ import annotations

from typing import Any

from icp import clock, events, servicenow, stack, store
from icp.aws import interconnect
from icp.errors import IcpError, NoBackupPath, RoutesNotConverged, ServiceNowNotSetUp
from icp.lifecycle import teardown, waits
from icp.lifecycle.clean_up import failure_reason
from icp.lifecycle.create_connection import client_token, created_fields
from icp.lifecycle.resize import check_resize, request_resize
from icp.lifecycle.routing import backup_routes_missing, has_backup_path, point_routes, propagate_aws_side
from icp.lifecycle.transitions import move, note, set_fields
from icp.models import ConnectionRecord, Status
from icp.observability import emit, logger
from icp.partners.registry import remote_side_for
from icp.remediation import Action, Settings, in_maintenance, is_flapping


class EscalationNeeded(IcpError):
    """Automatic repair has done what it may; a person has to look (an incident is opened)."""


def _aws_state(connection_id: str) -> str:
    """One read of the link's state ("unknown" when AWS cannot tell yet)."""
    return waits.read_state(store.get(connection_id)) or "unknown"


def _remote_down(connection_id: str) -> bool:
    """The remote side's own view (Google's GetStatus): a link AWS calls available can still be
    down beyond it, say when the VPC peering is gone. None (unknown) counts as not down."""
    record = store.get(connection_id)
    if not record.provider:
        return False
    try:
        return remote_side_for(record.provider).link_status(record) == "down"
    except IcpError as exc:  # the remote side's API failing is no reason to fail over
        logger.warning(
            "remote link status unavailable", extra={"connectionId": connection_id, "error": exc.message}
        )
        return False


def check_link(connection_id: str) -> dict[str, Any]:
    """After the grace period: is the link still down, flapping, or under announced maintenance?"""
    record = store.get(connection_id)
    now = clock.utcnow()
    state = _aws_state(connection_id)
    down = state in ("down", "failed") or (state == "available" and _remote_down(connection_id))
    window = in_maintenance(record, now)
    flapping = is_flapping(record.linkDowns, now, Settings.configured())
    if window and (down or flapping):
        note(
            connection_id,
            f"link {state} during announced maintenance ({window['start']} to {window['end']}): no failover",
        )
    return {"down": down, "flapping": flapping, "maintenance": window is not None, "awsState": state}


def fail_over(connection_id: str, reason: str, action: str | None = None) -> dict[str, Any]:
    """Routes to the remote CIDRs onto the backup path; DEGRADED either way. A drill (the link
    is up) also verifies the routes on the backup path, and needs one."""
    if action == Action.DRILL:
        return _drill_fail_over(connection_id, reason)
    record = store.get(connection_id)
    if not has_backup_path(record):
        move(connection_id, Status.DEGRADED, f"{reason}; no backup path configured: escalated")
        return {"changed": [], "backup": False}
    changed = _to_backup(record, f"{reason}; routes moved to the backup path")
    logger.info("failed over", extra={"connectionId": connection_id, "changed": len(changed)})
    return {"changed": changed, "backup": True}


def _to_backup(record: ConnectionRecord, reason: str) -> list[str]:
    """Point the routes at the backup path and record it: DEGRADED, on the backup path."""
    changed = point_routes(record, to_backup=True)
    move(record.connectionId, Status.DEGRADED, reason, also=lambda r: {"onBackup": True})
    return changed


def _drill_fail_over(connection_id: str, reason: str) -> dict[str, Any]:
    record = store.get(connection_id)
    if not has_backup_path(record):  # gone since the API checked: the drill found a real gap
        raise NoBackupPath(
            f"{reason}: no available backup path for every route table",
            field="aws.backupTarget",
            rule="backup-path-available",
        )
    changed = _to_backup(record, f"{reason}: routes moved to the backup path")
    missing = backup_routes_missing(record)
    if missing:  # escalated; the watcher brings a DEGRADED connection with its link up back
        raise RoutesNotConverged("failover drill: not on the backup path: " + "; ".join(missing[:5]))
    verified = f"failover drill: {len(record.parsed_request.remote.cidrs)} remote CIDR(s) verified on the backup path"
    latest = store.get(connection_id).latest
    if latest is None or latest.reason != verified:  # a retried step notes it once
        note(connection_id, verified)
    return {"changed": changed, "backup": True}


def open_incident(connection_id: str, reason: str, action: str | None = None) -> dict[str, Any]:
    """One incident per degradation: a repeated step, or another escalation, opens no second.
    A drill is no outage: it opens none."""
    record = store.get(connection_id)
    if action == Action.DRILL or record.incidentSysId or not servicenow.configured():
        return {"incident": record.incidentSysId}
    try:
        sys_id = servicenow.create_incident(
            short_description=f"AWS Interconnect {record.connectionId} degraded: {reason}"[:160],
            description=(
                f"Connection {record.connectionId} ({record.type} {record.awsRegion} <-> "
                f"{record.remoteLocation}, AWS {record.awsConnectionId}) is {record.status.value}: {reason}. "
                f"The control plane {'moved traffic to the backup path' if record.onBackup else 'has no backup path to use'}."
            ),
            correlation_id=f"icp-{record.connectionId}",
        )
    except ServiceNowNotSetUp as exc:
        # The remediation carries on without a ticket rather than failing over a missing password.
        logger.warning("no incident opened", extra={"connectionId": connection_id, "error": exc.message})
        return {"incident": None, "skipped": exc.message}
    set_fields(connection_id, incidentSysId=sys_id)
    return {"incident": sys_id}


def check_stable(connection_id: str) -> dict[str, Any]:
    """After the link came back: restore only once it is up and has stopped flapping."""
    record = store.get(connection_id)
    up = _aws_state(connection_id) == "available" and not _remote_down(connection_id)
    flapping = is_flapping(record.linkDowns, clock.utcnow(), Settings.configured())
    return {"stable": up and not flapping, "up": up, "flapping": flapping}


def restore_routes(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    changed = point_routes(record, to_backup=False)
    return {"changed": changed}


def mark_recovered(
    connection_id: str,
    reason: str = "link recovered; routes back on the connection",
    action: str | None = None,
) -> dict[str, Any]:
    if action == Action.DRILL:
        reason = "failover drill finished: routes back on the connection and verified"
    move(
        connection_id,
        Status.ACTIVE,
        reason,
        also=lambda r: {"onBackup": False, "waitFor": None, "waitToken": None, "waitSince": None},
    )
    return {"connectionId": connection_id}


def resolve_incident(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    if record.incidentSysId and servicenow.configured():
        servicenow.resolve_incident(
            record.incidentSysId,
            close_notes=(
                f"Connection {connection_id} recovered and is ACTIVE again; routes are back on the connection."
            ),
        )
    set_fields(connection_id, incidentSysId=None)
    return {"resolved": record.incidentSysId}


def repair_routes(connection_id: str) -> dict[str, Any]:
    """Routes missing or blackholed: propagate both sides again (Verify Routes follows)."""
    record = move(connection_id, Status.ROUTES_PROPAGATING, "routes missing or blackholed: propagating again")
    propagate_aws_side(record)
    remote_side_for(record.require("provider")).propagate_routes(record)
    return {"connectionId": connection_id}


def resize_for_utilization(connection_id: str, bandwidth: str) -> dict[str, Any]:
    record = store.get(connection_id)
    check_resize(record, bandwidth)
    return request_resize(connection_id, bandwidth)


def replace_connection(connection_id: str) -> dict[str, Any]:
    """AWS reports the connection failed after it ran: provision it once more with a new
    client token (the partner gets a new key), then let the usual waits take over. A second
    failure is escalated."""
    record = store.get(connection_id)
    if record.status == Status.DEGRADED and record.awsState in ("requested", "pending", "available"):
        return {"connectionId": connection_id}  # this step already ran: the replacement exists
    if record.replacements >= 1:
        raise EscalationNeeded(f"connection {connection_id} failed again after a replacement")
    # What the replacement needs is checked before anything is torn down.
    environment_id, dx_gateway = record.require("environmentId"), record.require("directConnectGatewayId")
    side = remote_side_for(record.require("provider"))
    teardown.withdraw_routes(record)
    teardown.delete_connection(record, f"replace-{record.replacements}")
    request = record.parsed_request
    attempt = record.replacements + 1
    connection = interconnect.create_connection(
        request.awsRegion,
        environment_id=environment_id,
        bandwidth=str(record.bandwidth or request.bandwidth),
        gateway_id=dx_gateway,
        client_token=client_token(request.requestId, attempt),
        description=f"icp {connection_id} replacement {attempt}",
        remote_account=request.remote_account,
        tags=stack.tags(**{"icp:connectionId": connection_id, "icp:requestId": request.requestId}),
    )
    set_fields(connection_id, remoteRefs={}, replacements=attempt, **created_fields(connection))
    record = move(
        connection_id, Status.DEGRADED, f"AWS reported the connection failed: replaced by {connection['id']}"
    )
    key = interconnect.activation_key(record.require("awsRegion"), connection["id"])
    refs = side.hand_off(record, key)
    del key
    set_fields(connection_id, remoteRefs=refs)
    return {"connectionId": connection_id}


def release_lease(connection_id: str, action: str, outcome: str) -> dict[str, Any]:
    set_fields(connection_id, lease=None, leaseExpiresAt=None)
    emit("RemediationActions", action=action, outcome=outcome)
    events.publish(
        events.REMEDIATION_COMPLETED, {"connectionId": connection_id, "action": action, "outcome": outcome}
    )
    return {"connectionId": connection_id, "action": action, "outcome": outcome}


def remediation_failed(connection_id: str, action: str, error: dict[str, Any] | None) -> dict[str, Any]:
    """Escalate: an incident says what failed; the lease is released for the next signal."""
    record = store.get(connection_id)
    reason = failure_reason(error, record.waitFor)
    note(connection_id, f"remediation {action} did not finish: {reason}")
    try:
        open_incident(connection_id, f"remediation {action} did not finish: {reason}")
    except IcpError as exc:
        logger.warning(
            "could not open an incident", extra={"connectionId": connection_id, "error": exc.message}
        )
    release_lease(connection_id, action, "escalated")
    return {"connectionId": record.connectionId, "escalated": reason}
