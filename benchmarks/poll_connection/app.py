"""Benchmark-only Lambda for the polling design (never shipped): look at AWS once.

Reads the record, moves it to the payload's ``status`` (with its ``reason``) on the first
poll that carries one, as WaitForConnection does in the token design, and returns the AWS
state."""

from typing import Any

from icp import store
from icp.aws import interconnect
from icp.errors import ConnectionNotFound
from icp.lifecycle.transitions import move
from icp.models import Status


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    record = store.get(event["connectionId"])
    if event.get("status") and record.status != Status(event["status"]):
        move(record.connectionId, Status(event["status"]), event.get("reason"))
    assert record.awsConnectionId and record.awsRegion
    try:
        state = interconnect.get_connection(record.awsRegion, record.awsConnectionId)["state"]
    except ConnectionNotFound:
        state = "deleted"
    return {"state": state}
