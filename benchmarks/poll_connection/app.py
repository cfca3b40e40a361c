"""Benchmark-only Lambda for the polling design (never shipped): look at AWS once.

Reads the record, moves it to PROVISIONING on the first poll of "Wait Until Available"
(what WaitForConnection does in the token design), and returns the AWS state."""

from typing import Any

from icp import store
from icp.aws import interconnect
from icp.errors import ConnectionNotFound
from icp.lifecycle.transitions import move
from icp.models import Status


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    record = store.get(event["connectionId"])
    if event.get("waitFor") == "available" and record.status != Status.PROVISIONING:
        move(record.connectionId, Status.PROVISIONING, "partner accepted the activation; AWS is provisioning")
    assert record.awsConnectionId and record.awsRegion
    try:
        state = interconnect.get_connection(record.awsRegion, record.awsConnectionId)["state"]
    except ConnectionNotFound:
        state = "deleted"
    return {"state": state}
