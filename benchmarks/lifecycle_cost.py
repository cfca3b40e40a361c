"""What one provisioning lifecycle costs, token-wait design vs. a polling design, and what
the link-state watcher costs per sweep. Runs entirely in the local cloud (moto + emulators,
simulated clock).

    .venv/bin/python benchmarks/lifecycle_cost.py

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass

import bench_env  # noqa: F401  (first: sets the log levels before the core is imported)
from bench_support import BIG_QUOTAS, quiet, seed_active_connections, table, total_time
from lifecycle_metering import (
    INTERPRETER_CALLS,
    Cost,
    metered_cloud,
    partner_request,
    run_provisioning,
    split_calls,
)
from polling_design import POLL_SECONDS, polling_lifecycle

from icp_local import LocalCloud

WATCHER = "WatchLinksFunction"

WAITS = [("1 minute", 60), ("1 hour", 3600), ("3 days", 3 * 86400)]
HISTORY_LIMIT = 25_000
MAX_POLLING_SECONDS = 180  # run the polling design fully only if it should finish in this time
MAX_SWEEP_SECONDS = 120  # measure 10,000 connections only if it should finish in this time
# The columns of tables 1 and 2 after the label, and what the ratio table divides.
COST_COLUMNS = ("history_events", "transitions", "invocations", "ddb_reads", "ddb_writes", "other_calls")


def watcher_rules(cloud: LocalCloud) -> list[str]:
    """The scheduled rule(s) that run the link-state watcher."""
    return [
        rule.logical_id
        for rule in cloud.stack.rules
        if rule.schedule and any(cloud.runtime.spec(t["Arn"]).logical_id == WATCHER for t in rule.targets)
    ]


# -- 1. the token-wait design (the shipped state machine) ----------------------------------------
def token_wait_lifecycle(label: str, delay: int) -> Cost:
    with metered_cloud() as (cloud, meter):
        request = partner_request(cloud, delay, f"bench-token-{delay}")
        cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
        return run_provisioning(cloud, meter, label, request, lambda: None, timeout=120)


# -- 2. the polling design (benchmarks/polling_design.py) ----------------------------------------
def extrapolate(label: str, short: Cost, long: Cost, polls: int) -> Cost:
    """Fit cost = a + b * polls through two measured runs and evaluate at ``polls``."""
    span = long.polls - short.polls

    def at(a: float, b: float) -> int:
        return round(a + (b - a) * (polls - short.polls) / span)

    fitted = {name: at(getattr(short, name), getattr(long, name)) for name in COST_COLUMNS}
    return Cost(
        label=label,
        **fitted,
        polls=polls,
        wall_seconds=at(short.wall_seconds, long.wall_seconds),
        status="(extrapolated)",
        extrapolated=True,
    )


# -- 3. the watcher per sweep ---------------------------------------------------------------------
@dataclass
class SweepCost:
    connections: int
    api_calls: int
    ddb_reads: int
    ddb_writes: int
    wall_seconds: float
    by_call: Counter[tuple[str, str]]
    watched: int = 0
    extrapolated: bool = False


def watcher_sweep(n: int) -> SweepCost:
    with metered_cloud(interconnect_options=BIG_QUOTAS) as (cloud, meter):
        seed_active_connections(cloud, n, lambda i: (f"icc-bench-{i:05d}", f"bench-{i:05d}"))
        settle = cloud.sweep(watcher_rules(cloud))[0]
        if settle.get("watched") != n:
            raise RuntimeError(f"the settling sweep over {n} connections failed: {settle}")
        before = Counter(meter.watcher_calls)
        started = time.perf_counter()
        result = cloud.sweep(watcher_rules(cloud))
        wall = time.perf_counter() - started
        if result[0].get("watched") != n or result[0].get("changes"):
            raise RuntimeError(f"the measured sweep over {n} connections went wrong: {result[0]}")
        calls = meter.watcher_calls - before
        reads, writes, _ = split_calls(calls)
        api = sum(n for (svc, op), n in calls.items() if (svc, op) not in INTERPRETER_CALLS)
        return SweepCost(n, api, reads, writes, wall, calls, watched=result[0].get("watched", 0))


# -- printing -------------------------------------------------------------------------------------
def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def cost_row(cost: Cost) -> list[object]:
    return [cost.label + (" *" if cost.extrapolated else ""), *(getattr(cost, c) for c in COST_COLUMNS)]


def polling_run(label: str, delay: int) -> Cost:
    cost = polling_lifecycle(label, delay, timeout=MAX_POLLING_SECONDS + 60)
    print(
        f"  polling,    partner accepts after {label}: {cost.status} "
        f"in {cost.wall_seconds:.1f} s ({cost.polls} polls)",
        flush=True,
    )
    return cost


def main() -> int:
    quiet()
    total_started = time.perf_counter()
    print("Interconnect Control Plane: lifecycle cost in the local cloud (moto, simulated clock)")

    # 1 + 2: one lifecycle per partner wait, token-wait vs. polling
    token: dict[str, Cost] = {}
    polling: dict[str, Cost] = {}
    for label, delay in WAITS:
        token[label] = token_wait_lifecycle(label, delay)
        print(
            f"  token-wait, partner accepts after {label}: {token[label].status} "
            f"in {token[label].wall_seconds:.1f} s",
            flush=True,
        )
    for label, delay in WAITS[:2]:
        polling[label] = polling_run(label, delay)

    short, long = polling[WAITS[0][0]], polling[WAITS[1][0]]
    per_poll_events = (long.history_events - short.history_events) / (long.polls - short.polls)
    per_poll_wall = (long.wall_seconds - short.wall_seconds) / (long.polls - short.polls)
    label3, delay3 = WAITS[2]
    polls3 = long.polls + (delay3 - WAITS[1][1]) // POLL_SECONDS
    if per_poll_wall * polls3 <= MAX_POLLING_SECONDS:
        polling[label3] = polling_run(label3, delay3)
    else:
        polling[label3] = extrapolate(label3, short, long, polls3)
        print(
            f"  polling,    partner accepts after {label3}: not run (est. {per_poll_wall * polls3:.0f} s for "
            f"{polls3:,} polls > {MAX_POLLING_SECONDS} s); extrapolated from the 1-minute and 1-hour runs",
            flush=True,
        )

    headers = [
        "partner wait",
        "history events",
        "state transitions",
        "Lambda invocations",
        "DynamoDB reads",
        "DynamoDB writes",
        "other AWS API calls",
    ]
    table(
        "1. Token-wait design (statemachines/provision.asl.json), provisioning only",
        headers,
        [cost_row(c) for c in token.values()],
    )
    table(
        "2. Polling design (benchmarks/polling_design.py, poll every 60 s)",
        [*headers, "polls"],
        [[*cost_row(c), c.polls] for c in polling.values()],
    )
    table(
        "Polling / token-wait",
        headers,
        [
            [label, *(ratio(getattr(p, c), getattr(t, c)) for c in COST_COLUMNS)]
            for label in token
            for t, p in [(token[label], polling[label])]
        ],
    )

    fixed = short.history_events - per_poll_events * short.polls
    per_day = per_poll_events * 86400 / POLL_SECONDS
    days = (HISTORY_LIMIT - fixed) / per_day
    print(
        f"\nPolling adds {per_poll_events:.0f} history events per poll (measured: 1-hour run minus 1-minute run), "
        f"{per_day:,.0f} per day at one poll per {POLL_SECONDS} s."
    )
    print(
        f"It reaches Step Functions' {HISTORY_LIMIT:,}-event history limit after {days:.1f} days "
        f"(~{days * 24:.0f} h) of waiting; the execution then fails. The token-wait design's history does not "
        f"grow with the wait ({token[WAITS[0][0]].history_events} vs {token[label3].history_events} events)."
    )
    if polling[label3].history_events > HISTORY_LIMIT and not polling[label3].extrapolated:
        print(
            f"The {label3} polling run above finished only because moto does not enforce that limit: its "
            f"{polling[label3].history_events:,} events would have failed the execution in AWS."
        )
    if polling[label3].extrapolated:
        print(
            f"* {label3}: extrapolated linearly in the number of polls ({polls3:,}) from the measured 1-minute "
            f"and 1-hour runs; running it would take ~{per_poll_wall * polls3 / 60:.0f} min in the local cloud."
        )
    print(
        "Lambda invocations: runtime.invocations, excluding the watcher (WatchLinksFunction). AWS API calls: every "
        "boto call made in-process (DynamoDB split out), minus those made during watcher sweeps, and excluding "
        "lambda:Invoke, which is moto's Step Functions interpreter running a Task (already counted as a Lambda "
        "invocation). 'other' includes the one StartExecution that starts the run."
    )
    sweeps = ", ".join(f"{c.label}: {c.watcher_sweeps}" for c in token.values())
    print(
        f"Watcher sweeps run in the token-wait runs (local cloud sweeps only when something changed; "
        f"AWS runs one a minute regardless, shared by all connections, see 3.): {sweeps}"
    )

    # 3: the watcher
    sweeps_cost: list[SweepCost] = []
    for n in (10, 1000):
        sweeps_cost.append(watcher_sweep(n))
        print(f"  watcher sweep over {n:,} connections: {sweeps_cost[-1].wall_seconds:.2f} s", flush=True)
    a, b = sweeps_cost
    per_conn_wall = (b.wall_seconds - a.wall_seconds) / (b.connections - a.connections)
    estimate = b.wall_seconds + per_conn_wall * 9000
    if estimate * 3 <= MAX_SWEEP_SECONDS:  # two sweeps plus seeding
        sweeps_cost.append(watcher_sweep(10_000))
    else:

        def lin(x: float, y: float) -> int:
            return round(x + (y - x) * (10_000 - a.connections) / (b.connections - a.connections))

        sweeps_cost.append(
            SweepCost(
                10_000,
                lin(a.api_calls, b.api_calls),
                lin(a.ddb_reads, b.ddb_reads),
                lin(a.ddb_writes, b.ddb_writes),
                estimate,
                Counter(),
                extrapolated=True,
            )
        )
    table(
        "3. Link-state watcher, cost of one sweep (after a settling sweep; nothing changed)",
        [
            "connections",
            "AWS API calls",
            "DynamoDB reads",
            "DynamoDB writes",
            "ListConnections",
            "wall-clock (local cloud)",
        ],
        [
            [
                f"{c.connections:,}" + (" *" if c.extrapolated else ""),
                c.api_calls,
                c.ddb_reads,
                c.ddb_writes,
                c.by_call.get(("interconnect", "ListConnections"), "-") if not c.extrapolated else "-",
                f"{c.wall_seconds:.2f} s",
            ]
            for c in sweeps_cost
        ],
    )
    if sweeps_cost[-1].extrapolated:
        print(
            "* 10,000: extrapolated linearly from 10 and 1,000 (measuring it would exceed the time budget)."
        )
    print(
        "AWS API calls include the DynamoDB reads and writes (Scan pages) and one ListConnections per 100 "
        "connections. A sweep runs once a minute for all connections together: 1,440 sweeps a day whether "
        "1 or 10,000 connections are waiting."
    )
    print("\n" + total_time(total_started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
