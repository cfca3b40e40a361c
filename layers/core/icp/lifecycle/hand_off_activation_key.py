"""Hand Off Activation Key: give the key to Google Cloud or the last-mile partner.

The key is read from AWS here and passed straight on: it is never stored, logged, put in
an event or returned into the state machine's payload (which Step Functions keeps in
the execution history)."""

from __future__ import annotations

from typing import Any

from icp import store
from icp.aws import interconnect
from icp.lifecycle.transitions import move
from icp.models import Status
from icp.partners.registry import remote_side_for


def hand_off_activation_key(connection_id: str) -> dict[str, Any]:
    record = store.get(connection_id)
    if record.status == Status.GATEWAY_READY:
        side = remote_side_for(record.require("provider"))  # before the key is read, not after
        key = interconnect.activation_key(record.require("awsRegion"), record.require("awsConnectionId"))
        refs = side.hand_off(record, key)
        del key
        move(
            connection_id,
            Status.AWAITING_ACTIVATION,
            f"activation key handed to {record.provider}",
            also=lambda r: {"remoteRefs": {**r.remoteRefs, **refs}},
        )
    return {"connectionId": connection_id}
