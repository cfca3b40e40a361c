"""The waitForTaskToken steps: Wait For Partner Acceptance, Wait Until Available, Wait For
Recovery, Wait Until Deleted, Wait For Core Network Attachment.

The step keeps the token on the record and returns at once; the execution stays parked,
costing nothing, until the watcher sees AWS move. It also looks once itself (one read,
counted like the watcher's), so a state reached before the token was kept is never missed."""

from __future__ import annotations

from typing import Any

from icp import clock, store
from icp.lifecycle import cloud_wan, waits
from icp.lifecycle.transitions import move, set_fields
from icp.models import Status, WaitFor


def wait_for_connection(
    connection_id: str, wait_for: str, task_token: str, status: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """Keep the token; ``status`` (with ``reason``) is what the record shows while it waits."""
    kind = WaitFor(wait_for)
    if status:
        move(connection_id, Status(status), reason)
    if kind == WaitFor.APPROVAL:  # a person decides, not AWS
        if store.get(connection_id).decommissionHeldSince is not None:
            set_fields(connection_id, decommissionApprovalToken=task_token)
        else:
            set_fields(connection_id, waitFor=kind, waitToken=task_token, waitSince=clock.utcnow())
        return {"connectionId": connection_id, "waitFor": kind.value}
    record = set_fields(connection_id, waitFor=kind, waitToken=task_token, waitSince=clock.utcnow())
    if kind == WaitFor.CORE_NETWORK_ATTACHMENT:  # the attachment's state, not the connection's
        cloud_wan.resolve(record)
        return {"connectionId": connection_id, "waitFor": kind.value}
    record, _ = waits.observe(record, waits.read_state(record))
    waits.resolve(record)
    return {"connectionId": connection_id, "waitFor": kind.value}
