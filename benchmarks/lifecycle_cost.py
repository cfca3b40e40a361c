"""What one provisioning lifecycle costs, token-wait design vs. a polling design, and what
the link-state watcher costs per sweep. Runs entirely in the local cloud (moto + emulators,
simulated clock).

    .venv/bin/python benchmarks/lifecycle_cost.py

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Keep the handlers' structured logs and the Google Cloud emulator's gRPC chatter out of the
# tables; the core's Logger reads its level when first imported, which is here.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"

import boto3
from bench_support import BIG_QUOTAS, full_history, quiet, table, total_time
from lifecycle_metering import Snapshot, metered_cloud

from icp_local import LocalCloud
from icp_local.scenario import request_for, transit_gateway_network
from icp_local.template import FunctionSpec

HERE = Path(__file__).resolve().parent
POLLING_ASL = HERE / "polling_provision.asl.json"
POLL_CODE = HERE / "poll_connection"
POLL_LOGICAL = "PollConnectionFunction"
POLL_NAME = "icp-PollConnection"
WATCHER = "WatchLinksFunction"
REGION = "us-east-1"

DDB_READS = {"GetItem", "Query", "Scan", "BatchGetItem"}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
# Calls made by moto's own Step Functions interpreter to run a Task, not by our code.
INTERPRETER_CALLS = {("lambda", "Invoke")}

WAITS = [("1 minute", 60), ("1 hour", 3600), ("3 days", 3 * 86400)]
HISTORY_LIMIT = 25_000
POLL_SECONDS = 60
MAX_POLLING_SECONDS = 180  # run the polling design fully only if it should finish in this time
MAX_SWEEP_SECONDS = 120  # measure 10,000 connections only if it should finish in this time


def watcher_rules(cloud: LocalCloud) -> list[str]:
    """The scheduled rule(s) that run the link-state watcher."""
    return [
        rule.logical_id
        for rule in cloud.stack.rules
        if rule.schedule and any(cloud.runtime.spec(t["Arn"]).logical_id == WATCHER for t in rule.targets)
    ]


@dataclass
class Cost:
    label: str
    history_events: int
    transitions: int
    invocations: int
    ddb_reads: int
    ddb_writes: int
    other_calls: int
    polls: int = 0
    watcher_sweeps: int = 0
    wall_seconds: float = 0.0
    status: str = ""
    extrapolated: bool = False
    by_call: Counter[tuple[str, str]] = field(default_factory=Counter)


def split_calls(calls: Counter[tuple[str, str]]) -> tuple[int, int, int]:
    reads = sum(n for (svc, op), n in calls.items() if svc == "dynamodb" and op in DDB_READS)
    writes = sum(n for (svc, op), n in calls.items() if svc == "dynamodb" and op in DDB_WRITES)
    other = sum(
        n for (svc, op), n in calls.items() if svc != "dynamodb" and (svc, op) not in INTERPRETER_CALLS
    )
    return reads, writes, other


def provisioning_cost(
    label: str, before: Snapshot, after: Snapshot, history: list[dict[str, Any]], status: str, wall: float
) -> Cost:
    calls = (after.api - before.api) - (after.watcher - before.watcher)
    invocations = after.invocations - before.invocations
    reads, writes, other = split_calls(calls)
    return Cost(
        label=label,
        history_events=len(history),
        transitions=sum(1 for e in history if e["type"].endswith("StateEntered")),
        invocations=sum(invocations.values()),
        ddb_reads=reads,
        ddb_writes=writes,
        other_calls=other,
        polls=invocations.get(POLL_LOGICAL, 0),
        watcher_sweeps=after.sweeps - before.sweeps,
        wall_seconds=wall,
        status=status,
        by_call=calls,
    )


# -- 1. the token-wait design (the shipped state machine) ----------------------------------------
def token_wait_lifecycle(label: str, delay: int) -> Cost:
    with metered_cloud() as (cloud, meter):
        network = transit_gateway_network()
        cloud.partner("google-cloud").accept_after(delay)
        request = request_for("multicloud-request", network, requestId=f"bench-token-{delay}")
        cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
        before = Snapshot.take(cloud, meter)
        started = time.perf_counter()
        cloud.run_until_idle(timeout=120)
        wall = time.perf_counter() - started
        after = Snapshot.take(cloud, meter)
        executions = cloud.executions()
        assert len(executions) == 1, executions
        history = full_history(executions[0]["executionArn"])
        status = (cloud.connection(request["requestId"]) or {}).get("status", "?")
        return provisioning_cost(label, before, after, history, status, wall)


# -- 2. the polling design (benchmarks/polling_provision.asl.json) -------------------------------
def add_poll_function(cloud: LocalCloud, role_arn: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "# runs in-process in the local cloud\n")
    arn = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=POLL_NAME,
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=10,
        MemorySize=256,
    )["FunctionArn"]
    cloud.stack.functions[POLL_LOGICAL] = FunctionSpec(
        logical_id=POLL_LOGICAL,
        name=POLL_NAME,
        arn=arn,
        code_dir=POLL_CODE,
        handler="app.lambda_handler",
        environment={},
        timeout=10,
        memory=256,
    )
    return arn


def polling_definition(cloud: LocalCloud, poll_arn: str) -> str:
    definition = POLLING_ASL.read_text()
    substitutions = {f"{logical}Arn": spec.arn for logical, spec in cloud.stack.functions.items()}
    substitutions["PollConnectionFunctionArn"] = poll_arn
    substitutions["ActivationWindowSeconds"] = cloud.stack.parameters["ActivationWindowSeconds"]
    for key, value in substitutions.items():
        definition = definition.replace("${" + key + "}", str(value))
    assert "${" not in definition, "unsubstituted placeholder in the polling ASL"
    return definition


def polling_lifecycle(label: str, delay: int) -> Cost:
    # The polling machine is a comparison the template does not declare, so no role of the
    # template's grants it what it calls: IAM is not enforced for it (docs/iam.md).
    with metered_cloud(enforce_iam=False) as (cloud, meter):
        roles = boto3.client("iam", region_name=REGION).list_roles()["Roles"]
        role_arn = next(r["Arn"] for r in roles)
        poll_arn = add_poll_function(cloud, role_arn)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="polling-provision", definition=polling_definition(cloud, poll_arn), roleArn=role_arn
        )["stateMachineArn"]
        network = transit_gateway_network()
        cloud.partner("google-cloud").accept_after(delay)
        request = request_for("multicloud-request", network, requestId=f"bench-poll-{delay}")
        before = Snapshot.take(cloud, meter)
        started = time.perf_counter()
        execution = sfn.start_execution(
            stateMachineArn=machine, name=f"poll-{delay}", input=json.dumps({"detail": request})
        )["executionArn"]
        cloud.run_until_idle(timeout=MAX_POLLING_SECONDS + 60)
        wall = time.perf_counter() - started
        after = Snapshot.take(cloud, meter)
        history = full_history(execution)
        status = (cloud.connection(request["requestId"]) or {}).get("status", "?")
        return provisioning_cost(label, before, after, history, status, wall)


def extrapolate(label: str, short: Cost, long: Cost, polls: int) -> Cost:
    """Fit cost = a + b * polls through two measured runs and evaluate at ``polls``."""
    span = long.polls - short.polls

    def at(a: float, b: float) -> int:
        return round(a + (b - a) * (polls - short.polls) / span)

    return Cost(
        label=label,
        history_events=at(short.history_events, long.history_events),
        transitions=at(short.transitions, long.transitions),
        invocations=at(short.invocations, long.invocations),
        ddb_reads=at(short.ddb_reads, long.ddb_reads),
        ddb_writes=at(short.ddb_writes, long.ddb_writes),
        other_calls=at(short.other_calls, long.other_calls),
        polls=polls,
        wall_seconds=at(short.wall_seconds, long.wall_seconds),
        status="(extrapolated)",
        extrapolated=True,
    )


# -- 3. the watcher per sweep ---------------------------------------------------------------------
def seed_connections(cloud: LocalCloud, n: int) -> None:
    """n ACTIVE records and n available AWS connections, written straight into the table
    (batched) and the Interconnect emulator's state: no quota or API cost for setting up."""
    from icp import store
    from icp.models import ConnectionRecord, Status

    emulator = cloud.interconnect
    env = next(e for e in emulator._environments.values() if e.region == REGION and e.type == "Multicloud")
    network = transit_gateway_network()
    template = request_for("multicloud-request", network)
    now = datetime.fromtimestamp(cloud.clock.time(), UTC)
    model = store.records_model()
    with model.batch_write() as batch:
        for i in range(n):
            aws = emulator._new_connection(
                env, "1Gbps", {"directConnectGateway": str(uuid.uuid4())}, None, {}, None, "available"
            )
            request_id = f"bench-{i:05d}"
            record = ConnectionRecord(
                connectionId=f"icc-bench-{i:05d}",
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
        seed_connections(cloud, n)
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
        polling[label] = polling_lifecycle(label, delay)
        print(
            f"  polling,    partner accepts after {label}: {polling[label].status} "
            f"in {polling[label].wall_seconds:.1f} s ({polling[label].polls} polls)",
            flush=True,
        )

    short, long = polling[WAITS[0][0]], polling[WAITS[1][0]]
    per_poll_events = (long.history_events - short.history_events) / (long.polls - short.polls)
    per_poll_wall = (long.wall_seconds - short.wall_seconds) / (long.polls - short.polls)
    label3, delay3 = WAITS[2]
    polls3 = long.polls + (delay3 - WAITS[1][1]) // POLL_SECONDS
    if per_poll_wall * polls3 <= MAX_POLLING_SECONDS:
        polling[label3] = polling_lifecycle(label3, delay3)
        print(
            f"  polling,    partner accepts after {label3}: {polling[label3].status} "
            f"in {polling[label3].wall_seconds:.1f} s ({polling[label3].polls} polls)",
            flush=True,
        )
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
        [
            [
                c.label,
                c.history_events,
                c.transitions,
                c.invocations,
                c.ddb_reads,
                c.ddb_writes,
                c.other_calls,
            ]
            for c in token.values()
        ],
    )
    table(
        "2. Polling design (benchmarks/polling_provision.asl.json, poll every 60 s)",
        [*headers, "polls"],
        [
            [
                c.label + (" *" if c.extrapolated else ""),
                c.history_events,
                c.transitions,
                c.invocations,
                c.ddb_reads,
                c.ddb_writes,
                c.other_calls,
                c.polls,
            ]
            for c in polling.values()
        ],
    )
    table(
        "Polling / token-wait",
        headers,
        [
            [
                label,
                ratio(p.history_events, t.history_events),
                ratio(p.transitions, t.transitions),
                ratio(p.invocations, t.invocations),
                ratio(p.ddb_reads, t.ddb_reads),
                ratio(p.ddb_writes, t.ddb_writes),
                ratio(p.other_calls, t.other_calls),
            ]
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
