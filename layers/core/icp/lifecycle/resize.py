"""Resizing a connection's bandwidth in place: asked for through the API (`POST
/v1/connections/{id}/bandwidth`), the CLI, or by remediation; run by
statemachines/resize.asl.json:

Start Resize → Update Bandwidth → Wait Until Available (task token) → Mark Resized,
or Resize Failed (back to ACTIVE at the old bandwidth, with the reason).
"""

from __future__ import annotations

from typing import Any

from icp import config, store
from icp.aws import interconnect, stepfunctions
from icp.errors import BandwidthNotOffered, Conflict
from icp.lifecycle.clean_up import failure_reason
from icp.lifecycle.create_connection import client_token
from icp.lifecycle.decommission import find_record
from icp.lifecycle.transitions import move, set_fields
from icp.models import ConnectionRecord, Status, bandwidth_mbps, execution_name_for


def check_resize(record: ConnectionRecord, bandwidth: str) -> None:
    """The new bandwidth must differ, be offered by the connection's environment and stay
    within the request's maxBandwidth."""
    if record.status != Status.ACTIVE:
        raise Conflict(
            f"connection {record.connectionId} is {record.status.value}; only ACTIVE connections resize",
            field="connectionId",
            rule="active",
        )
    if bandwidth == record.bandwidth:
        raise BandwidthNotOffered(
            f"the connection already runs at {bandwidth}", field="bandwidth", rule="different-bandwidth"
        )
    ceiling = record.request.get("maxBandwidth")
    if ceiling and bandwidth_mbps(bandwidth) > bandwidth_mbps(ceiling):
        raise BandwidthNotOffered(
            f"{bandwidth} is above the request's maxBandwidth {ceiling}",
            field="bandwidth",
            rule="within-max-bandwidth",
        )
    environments = {
        e["environmentId"]: e for e in interconnect.list_environments(record.require("awsRegion"))
    }
    offered = environments.get(record.environmentId or "", {}).get("bandwidths", {}).get("available", [])
    if bandwidth not in offered:
        raise BandwidthNotOffered(
            f"{bandwidth} is not offered here; available: {', '.join(offered)}",
            field="bandwidth",
            rule="offered-bandwidth",
        )


def request_resize(connection_or_request_id: str, bandwidth: str) -> dict[str, Any]:
    record = find_record(connection_or_request_id)
    check_resize(record, bandwidth)
    record = move(
        record.connectionId,
        Status.RESIZING,
        f"resize to {bandwidth} requested",
        strict=True,
        also=lambda r: {"resizeTo": bandwidth},
    )
    execution_arn = stepfunctions.start_execution(
        config.settings().state_machine_arn("resize"),
        execution_name_for(record.requestId, f"resize-{record.version}"),
        {"connectionId": record.connectionId, "bandwidth": bandwidth},
    )
    set_fields(record.connectionId, currentExecutionArn=execution_arn)
    return {
        "connectionId": record.connectionId,
        "status": record.status.value,
        "bandwidth": bandwidth,
        "executionArn": execution_arn,
    }


def start_resize(connection_id: str, bandwidth: str) -> dict[str, Any]:
    """First step: already RESIZING (the API moved it) is fine; otherwise check and move."""
    record = store.get(connection_id)
    if record.status != Status.RESIZING:
        check_resize(record, bandwidth)
        move(
            connection_id,
            Status.RESIZING,
            f"resize to {bandwidth} requested",
            also=lambda r: {"resizeTo": bandwidth},
        )
    return {"connectionId": connection_id, "bandwidth": bandwidth}


def update_bandwidth(connection_id: str, bandwidth: str) -> dict[str, Any]:
    record = store.get(connection_id)
    region, aws_connection_id = record.require("awsRegion"), record.require("awsConnectionId")
    # Stable across retries of this step: nothing moves the history while the resize runs.
    token = client_token(record.requestId, attempt=f"resize-{bandwidth}-{record.historyCount}")
    state = interconnect.update_bandwidth(region, aws_connection_id, bandwidth, token)
    # Nothing to do on the Google side: a transport created from an AWS activation key takes its
    # bandwidth from the key's connection. v1beta Transport.bandwidth: "must be set when no
    # activation key is being provided" (and gcloud's create takes --activation-key or
    # --bandwidth, never both); UpdateTransportRequest.update_mask names no updatable fields, and
    # Google's Partner Cross-Cloud Interconnect for AWS "Manage connections" page lists only
    # description and advertisedRoutes as updatable. AWS UpdateConnection.bandwidth "does require
    # the remote partner provider to acknowledge": read as Google's own acknowledgement (no
    # customer call is documented for it), which Wait Until Available waits for. The local
    # cloud's Google emulator refuses a bandwidth update on such a transport.
    return {"connectionId": connection_id, "bandwidth": bandwidth, "awsState": state}


def mark_resized(connection_id: str, bandwidth: str) -> dict[str, Any]:
    move(
        connection_id,
        Status.ACTIVE,
        f"bandwidth is now {bandwidth}",
        also=lambda r: {
            "bandwidth": bandwidth,
            "resizeTo": None,
            "waitFor": None,
            "waitToken": None,
            "waitSince": None,
        },
    )
    return {"connectionId": connection_id, "bandwidth": bandwidth}


def resize_failed(connection_id: str, bandwidth: str, error: dict[str, Any] | None) -> dict[str, Any]:
    record = store.get(connection_id)
    move(
        connection_id,
        Status.ACTIVE,
        f"resize to {bandwidth} failed, still at {record.bandwidth}: {failure_reason(error)}",
        also=lambda r: {"resizeTo": None, "waitFor": None, "waitToken": None, "waitSince": None},
    )
    return {"connectionId": connection_id, "bandwidth": record.bandwidth}
