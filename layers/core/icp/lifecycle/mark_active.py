"""Mark Active: the last step of provisioning."""

from __future__ import annotations

from typing import Any

from icp.aws import alarms
from icp.lifecycle.transitions import move
from icp.models import Status


def mark_active(connection_id: str) -> dict[str, Any]:
    record = move(connection_id, Status.ACTIVE, "routes verified on both sides")
    alarms.ensure_alarms(record)  # the signals remediation watches
    return {"connectionId": connection_id, "status": record.status.value}
