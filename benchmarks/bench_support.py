"""What the benchmarks share (benchmarks/README.md): the quotas that let thousands of
connections exist, a whole execution history, quiet logs and a plain-text table.

Imported by the scripts after they set the logging environment (the core's Logger reads
its level when first imported)."""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import boto3
from icp.observability import logger as icp_logger

REGION = "us-east-1"


BIG_QUOTAS = {
    "max_connections": 20000,
    "max_requested": 20000,
    "max_multicloud_per_provider": 20000,
    "max_last_mile_per_provider": 20000,
}


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
