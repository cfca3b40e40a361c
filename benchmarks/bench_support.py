"""What the benchmarks share (benchmarks/README.md): the quotas that let thousands of
connections exist, seeding that many ACTIVE connections, a whole execution history, quiet
logs and a plain-text table.

Imported by the scripts after they set the logging environment (the core's Logger reads
its level when first imported)."""

from __future__ import annotations

import logging
import time
import uuid
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from icp.observability import logger as icp_logger

from icp_local import LocalCloud
from icp_local.scenario import request_for, transit_gateway_network

REGION = "us-east-1"


BIG_QUOTAS = {
    "max_connections": 20000,
    "max_requested": 20000,
    "max_multicloud_per_provider": 20000,
    "max_last_mile_per_provider": 20000,
}


def seed_active_connections(
    cloud: LocalCloud, n: int, ids: Callable[[int], tuple[str, str]]
) -> list[tuple[str, str]]:
    """n ACTIVE records and n available AWS connections, written straight into the table
    (batched) and the Interconnect emulator's state: no quota or API cost for setting up.
    ``ids(i)`` names the i-th (connectionId, requestId); returns (connectionId, awsConnectionId)
    pairs."""
    from icp import store
    from icp.models import ConnectionRecord, Status

    emulator = cloud.interconnect
    env = next(e for e in emulator._environments.values() if e.region == REGION and e.type == "Multicloud")
    template = request_for("multicloud-request", transit_gateway_network())
    now = datetime.fromtimestamp(cloud.clock.time(), UTC)
    seeded = []
    with store.records_model().batch_write() as batch:
        for i in range(n):
            aws = emulator._new_connection(
                env, "1Gbps", {"directConnectGateway": str(uuid.uuid4())}, None, {}, None, "available"
            )
            connection_id, request_id = ids(i)
            record = ConnectionRecord(
                connectionId=connection_id,
                requestId=request_id,
                type="multicloud",
                provider="google-cloud",
                awsRegion=REGION,
                remoteLocation=env.location,
                bandwidth="1Gbps",
                request={**template, "requestId": request_id},
                status=Status.ACTIVE,
                awsConnectionId=aws.id,
                awsState="available",
                awsStateSeen="available",
                awsStateReads=2,  # a settled link
                environmentId=env.id,
                version=1,
                createdAt=now,
                updatedAt=now,
            )
            batch.save(store._to_item(record))
            seeded.append((connection_id, aws.id))
    return seeded


def full_history(execution_arn: str) -> list[dict[str, Any]]:
    """The execution's history with its child workflows' spliced in (README, "How it works")."""
    from icp.executions import with_children

    return with_children(execution_arn, _own_history)


def _own_history(execution_arn: str) -> list[dict[str, Any]]:
    client = boto3.client("stepfunctions", region_name=REGION)
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = client.get_execution_history(**params)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        params["nextToken"] = page["nextToken"]


def table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [
        [f"{c:,}" if isinstance(c, int) else str(c) for c in r] for r in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n{'=' * len(title)}")
    for k, r in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if k == 0:
            print(line)


def quiet() -> None:
    """Keep the handlers' structured logs and Powertools' warnings out of the tables."""
    warnings.filterwarnings("ignore")
    icp_logger.setLevel(logging.ERROR)
    for handler in icp_logger.handlers:
        handler.setLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


def total_time(started: float) -> str:
    """The closing line of a benchmark: how long the whole run took, in real seconds."""
    return f"Total benchmark time {time.perf_counter() - started:.0f} s."
