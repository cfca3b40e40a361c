"""How the control plane's reads grow with the table (issue 11, item 6): a link-state sweep over
1,000, 10,000 and 100,000 records of which 10 % are watched, a status change on a connection
with 20,000 history entries, and a page of GET /v1/connections, in the local cloud.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,100000]

See benchmarks/README.md ("scale.py") for what is measured and what is computed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import bench_env  # noqa: F401  (first: sets the log levels before the core is imported)
from bench_support import quiet, seed_active_connections, table, total_time
from lifecycle_cost import watcher_rules
from scale_metering import ReadMeter

from icp_local import LocalCloud
from icp_local.seeding import item_bytes, record_item, seed_history, seed_records

if TYPE_CHECKING:
    from icp.models import ConnectionRecord

WATCHED_SHARE = 10  # one record in 10 is watched
LONG_HISTORY = 20_000
SPARSE = "last-mile (none): 20 Query requests"
PAGE_REQUESTS = 3  # timed GET /v1/connections requests per kind of page (a sparse filter: 1)


def seed(cloud: LocalCloud, n: int) -> float:
    """n records: n/10 ACTIVE with an available AWS connection (watched), the rest
    DECOMMISSIONED with their AWS connection deleted (not watched, same size). Seconds taken."""
    from icp import store
    from icp.models import Status, connection_id_for

    started = time.perf_counter()
    watched = n // WATCHED_SHARE
    seed_active_connections(cloud, watched, lambda i: (connection_id_for(f"W-{i}"), f"W-{i}"))
    template = store.get(connection_id_for("W-0"))

    def finished(i: int) -> ConnectionRecord:
        request_id = f"U-{i}"
        return template.model_copy(
            update={
                "connectionId": connection_id_for(request_id),
                "requestId": request_id,
                "request": {**template.request, "requestId": request_id},
                "status": Status.DECOMMISSIONED,
                "awsConnectionId": f"mcc-gone{i:04x}"[:12],
                "awsState": "deleted",
            }
        )

    seed_records(finished(i) for i in range(n - watched))
    return time.perf_counter() - started


def sweep(cloud: LocalCloud, meter: ReadMeter, n: int) -> list[object]:
    """A settling sweep, then one measured: its reads, and whether any unwatched record was read."""
    from icp.models import connection_id_for

    unwatched = {f"CONN#{connection_id_for(f'U-{i}')}" for i in range(n - n // WATCHED_SHARE)}
    rules = watcher_rules(cloud)
    settle = cloud.sweep(rules)[0]
    if settle.get("watched") != n // WATCHED_SHARE:
        raise RuntimeError(f"the settling sweep went wrong: {settle}")
    with meter.measuring() as reads:
        started = time.perf_counter()
        result = cloud.sweep(rules)[0]
        wall = time.perf_counter() - started
    if result.get("watched") != n // WATCHED_SHARE or result.get("changes"):
        raise RuntimeError(f"the measured sweep went wrong: {result}")
    unwatched_read = len(reads.record_keys & unwatched)
    return [
        n,
        n // WATCHED_SHARE,
        reads.requests,
        reads.dynamodb_requests,
        f"{reads.read_units:,.1f}",
        unwatched_read,
        f"{wall:.2f}",
    ]


def listing(cloud: LocalCloud, meter: ReadMeter, n: int) -> list[list[object]]:
    """GET /v1/connections: the first page of every status, a page of ACTIVE, and the page after it."""
    rows = []
    _, first_active = cloud.api("GET", "/v1/connections?status=ACTIVE&limit=50")
    pages = {
        "every status, limit 50": "/v1/connections",
        "every status, limit 100": "/v1/connections?limit=100",
        "ACTIVE, limit 50": "/v1/connections?status=ACTIVE&limit=50",
    }
    if first_active.get("nextToken"):
        token = quote(first_active["nextToken"])
        pages["ACTIVE, 2nd page"] = f"/v1/connections?status=ACTIVE&limit=50&nextToken={token}"
    pages[SPARSE] = "/v1/connections?type=last-mile&limit=100"
    for label, path in pages.items():
        times, answer = [], None
        for _ in range(1 if label == SPARSE else PAGE_REQUESTS):
            with meter.measuring() as reads:
                started = time.perf_counter()
                status, answer = cloud.api("GET", path)
                times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {answer}")
        shown = len(answer["connections"]) if isinstance(answer, dict) else 0
        rows.append(
            [
                f"{n:,}: {label}",
                shown,
                reads.requests,
                reads.dynamodb_requests,
                f"{reads.read_units:,.1f}",
                f"{statistics.median(times):.0f}",
                f"{max(times):.0f}",
            ]
        )
        print(f"  {n:,} records, {label}: {statistics.median(times):.0f} ms", flush=True)
    return rows


def long_history(cloud: LocalCloud, meter: ReadMeter) -> list[list[object]]:
    """A watched ACTIVE connection given 20,000 history entries, then moved to DEGRADED and back."""
    from icp.lifecycle.transitions import move
    from icp.models import Status, connection_id_for

    connection_id = connection_id_for("W-1")
    started = time.perf_counter()
    seed_history(connection_id, LONG_HISTORY, start=datetime(2026, 1, 1, tzinfo=UTC))
    seeded = time.perf_counter() - started
    rows: list[list[object]] = [["seed 20,000 entries (BatchWriteItem)", "", "", "", f"{seeded:.1f}", ""]]
    for to, reason in ((Status.DEGRADED, "link down"), (Status.ACTIVE, "link restored")):
        with meter.measuring() as reads:
            started = time.perf_counter()
            moved = move(connection_id, to, reason)
            wall = time.perf_counter() - started
        size = item_bytes(record_item(connection_id))
        rows.append(
            [
                f"move to {to.value}",
                moved.historyCount,
                reads.requests,
                f"{reads.read_units:.1f}",
                f"{wall * 1000:.0f} ms",
                size,
            ]
        )
    with meter.measuring() as reads:
        started = time.perf_counter()
        status, shown = cloud.api("GET", f"/v1/connections/{connection_id}")
        wall = time.perf_counter() - started
    assert status == 200 and shown["historyTruncated"] and len(shown["history"]) == 100, shown
    rows.append(
        [
            "GET /v1/connections/{id}",
            shown["historyCount"],
            reads.requests,
            f"{reads.read_units:.1f}",
            f"{wall * 1000:.0f} ms",
            "",
        ]
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="record counts, comma-separated")
    sizes = [int(s) for s in parser.parse_args(argv).sizes.split(",")]
    began = time.perf_counter()
    quiet()
    meter = ReadMeter()
    sweeps, pages, history_rows = [], [], []
    with meter.installed():
        for n in sizes:
            with LocalCloud(parameters={"LogLevel": "ERROR"}) as cloud:
                seconds = seed(cloud, n)
                print(f"  {n:,} records seeded in {seconds:.0f} s", flush=True)
                sweeps.append(sweep(cloud, meter, n))
                row = sweeps[-1]
                print(
                    f"  sweep over {n:,} records ({row[1]:,} watched): {row[2]} read calls, {row[3]} DynamoDB "
                    f"requests, {row[4]} read units, {row[5]} unwatched records read, {row[6]} s",
                    flush=True,
                )
                pages += listing(cloud, meter, n)
                if n == max(sizes):
                    history_rows = long_history(cloud, meter)

    table(
        "1. One link-state sweep (after a settling sweep; nothing changed)",
        [
            "records",
            "watched",
            "read calls (measured)",
            "DynamoDB requests (1 MB pages, computed)",
            "read units (computed)",
            "unwatched records read",
            "wall-clock s",
        ],
        sweeps,
    )
    table(
        f"2. GET /v1/connections, one page ({PAGE_REQUESTS} requests each, the sparse filter 1; reads of the last)",
        ["records: page", "listed", "read calls", "DynamoDB requests", "read units", "median ms", "max ms"],
        pages,
    )
    table(
        f"3. A connection with {LONG_HISTORY:,} history entries (in the {max(sizes):,}-record table)",
        ["step", "historyCount", "read calls", "read units", "wall-clock", "record item bytes"],
        history_rows,
    )
    print(
        "\nMeasured: read calls (botocore after-call hook on every DynamoDB client: GetItem, Query, Scan, "
        "BatchGetItem), the item keys they returned, wall-clock (the local cloud, moto in-process). "
        "Computed (moto cuts no page at 1 MB and reports no faithful capacity): item sizes by DynamoDB's "
        "rules, the requests DynamoDB would need with 1 MB pages, read units (Query: the page's bytes "
        "rounded up to 4 KB, halved when eventually consistent, as index reads always are; GetItem: per "
        "item). Sources: docs/conformance.md, 'DynamoDB: item sizes and read units'."
    )
    return _must_hold(sweeps, began)


def _must_hold(sweeps: list[list[object]], began: float) -> int:
    """Issue 11: at 100,000 records with 10,000 watched, at most one read request per 100
    watched connections and none for unwatched records."""
    row = next((r for r in sweeps if r[0] == 100_000), sweeps[-1])
    records, watched, _, requests, _, unwatched, _ = row
    ok = int(str(requests)) <= int(str(watched)) // 100 and unwatched == 0
    print(
        f"\nMust hold: the sweep's reads grow with the watched connections only: at {records:,} records "
        f"with {watched:,} watched, {requests} DynamoDB read requests (at most {int(str(watched)) // 100}) "
        f"and {unwatched} unwatched records read (none): {'PASS' if ok else 'FAIL'}"
    )
    print(total_time(began))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
