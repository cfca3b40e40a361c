"""`icp drill` / `POST /v1/connections/{id}/drill`: a failover drill (README, "Watching and
repairing links: remediation"). The routes to the remote CIDRs move to the backup path
(``aws.backupTarget``), are verified there, then move back to the connection and are verified
again: a route table change, never an outage of the link itself. It runs as a remediation
(signal ``drill``), so it holds the connection's lease like any other and never overlaps one."""

from __future__ import annotations

from typing import Any

from icp import clock
from icp.errors import Conflict, NoBackupPath
from icp.lifecycle.decommission import find_record
from icp.lifecycle.routing import has_backup_path
from icp.lifecycle.start_remediation import handle_signal
from icp.models import ConnectionRecord, Status
from icp.remediation import Signal


def check_drill(record: ConnectionRecord) -> None:
    """409 unless ACTIVE; 422 naming ``aws.backupTarget`` unless there is a backup path to use."""
    if record.status != Status.ACTIVE:
        raise Conflict(
            f"connection {record.connectionId} is {record.status.value}; only ACTIVE connections are drilled",
            field="connectionId",
            rule="active",
        )
    if record.parsed_request.aws.backupTarget is None:
        raise NoBackupPath(
            f"aws.backupTarget: connection {record.connectionId} has no backup path to fail over "
            "to; its request names none",
            field="aws.backupTarget",
            rule="backup-path-required",
        )
    if not has_backup_path(record):
        raise NoBackupPath(
            f"aws.backupTarget: no available backup path for every route table of "
            f"{record.connectionId} (a transit gateway needs an available Site-to-Site VPN "
            "attachment)",
            field="aws.backupTarget",
            rule="backup-path-available",
        )


def request_drill(connection_or_request_id: str, reason: str | None, caller: str) -> dict[str, Any]:
    record = find_record(connection_or_request_id)
    check_drill(record)
    # Who asked, and why, travel in the decision's reason into the history entries the drill writes.
    started = handle_signal(
        Signal("drill", record.connectionId, clock.utcnow(), {"reason": reason, "by": caller})
    )
    if not started.get("started"):
        raise Conflict(
            f"connection {record.connectionId}: {started.get('reason')}",
            field="connectionId",
            rule="no-remediation-running",
        )
    return {
        "connectionId": record.connectionId,
        "status": record.status.value,
        "action": "drill",
        "executionArn": started["started"],
    }
