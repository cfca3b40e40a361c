"""The waitForTaskToken steps: Wait For Partner Acceptance, Wait Until Available, Wait Until Deleted.

The step keeps the token on the record and returns at once; the execution stays parked,
costing nothing, until the watcher sees AWS move. It also looks once itself, so a state
reached before the token was kept is never missed."""

from __future__ import annotations

from typing import Any

from icp import clock
from icp.aws import interconnect
from icp.errors import ConnectionNotFound
from icp.lifecycle import waits
from icp.lifecycle.transitions import move, set_fields
from icp.models import Status, WaitFor

_STATUS_WHILE_WAITING = {WaitFor.AVAILABLE: Status.PROVISIONING}


def wait_for_connection(connection_id: str, wait_for: str, task_token: str) -> dict[str, Any]:
    kind = WaitFor(wait_for)
    if kind in _STATUS_WHILE_WAITING:
        move(connection_id, _STATUS_WHILE_WAITING[kind], "partner accepted the activation; AWS is provisioning")
    record = set_fields(connection_id, waitFor=kind, waitToken=task_token, waitSince=clock.utcnow())
    assert record.awsConnectionId and record.awsRegion
    try:
        state = interconnect.get_connection(record.awsRegion, record.awsConnectionId)["state"]
    except ConnectionNotFound:
        state = "deleted"
    waits.resolve(record, state)
    return {"connectionId": connection_id, "waitFor": kind.value}
