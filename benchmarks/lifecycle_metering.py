"""Metering for benchmarks/lifecycle_cost.py (benchmarks/README.md): AWS calls counted per
thread while a watcher sweep runs, snapshots of calls, invocations and sweeps, and the cost of
one provisioning run between two snapshots."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.handlers
from bench_support import full_history

from icp_local import LocalCloud
from icp_local.scenario import request_for, transit_gateway_network

DDB_READS = {"GetItem", "Query", "Scan", "BatchGetItem"}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
# Calls made by moto's own Step Functions interpreter to run a Task, not by our code.
INTERPRETER_CALLS = {("lambda", "Invoke")}


class Meter:
    """Counts AWS calls made on a thread while it runs a watcher sweep (cloud.sweep is wrapped).

    Sweeps run on the driver thread, executions on moto's worker threads, so a provisioning
    step woken by the sweep's SendTaskSuccess is never counted as watcher cost."""

    def __init__(self) -> None:
        self.watcher_calls: Counter[tuple[str, str]] = Counter()
        self.sweeps = 0
        self._local = threading.local()
        self._hook = ("provide-client-params", self._count)

    def _count(self, model: Any = None, **_: Any) -> None:
        if model is not None and getattr(self._local, "in_sweep", False):
            self.watcher_calls[(model.service_model.service_name, model.name)] += 1

    def install(self) -> None:
        botocore.handlers.BUILTIN_HANDLERS.append(self._hook)

    def uninstall(self) -> None:
        if self._hook in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.remove(self._hook)

    def wrap_sweep(self, cloud: LocalCloud) -> None:
        original = cloud.sweep

        def sweep(rules: list[str] | None = None) -> list[Any]:
            self._local.in_sweep = True
            try:
                return original(rules)
            finally:
                self._local.in_sweep = False
                self.sweeps += 1

        cloud.sweep = sweep  # type: ignore[method-assign]  # _advance_to calls self.sweep()


@contextmanager
def metered_cloud(**options: Any) -> Iterator[tuple[LocalCloud, Meter]]:
    meter = Meter()
    meter.install()  # before the cloud exists, so every client it makes carries the hook
    try:
        with LocalCloud(**options) as cloud:
            meter.wrap_sweep(cloud)
            yield cloud, meter
    finally:
        meter.uninstall()


@dataclass
class Snapshot:
    api: Counter[tuple[str, str]]
    watcher: Counter[tuple[str, str]]
    invocations: Counter[str]
    sweeps: int

    @classmethod
    def take(cls, cloud: LocalCloud, meter: Meter) -> Snapshot:
        # Scheduled functions (the watcher, the route check) are per-sweep cost, reported apart.
        scheduled = scheduled_functions(cloud)
        invocations = Counter({fn: n for fn, n in cloud.runtime.invocations.items() if fn not in scheduled})
        return cls(Counter(cloud.api_calls), Counter(meter.watcher_calls), invocations, meter.sweeps)


def scheduled_functions(cloud: LocalCloud) -> set[str]:
    """The functions the template runs on a schedule (read from the template, not listed here)."""
    return {
        cloud.runtime.spec(target["Arn"]).logical_id
        for rule in cloud.stack.rules
        if rule.schedule
        for target in rule.targets
    }


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
    """DynamoDB reads, DynamoDB writes, and every other call but the interpreter's."""
    reads = sum(n for (svc, op), n in calls.items() if svc == "dynamodb" and op in DDB_READS)
    writes = sum(n for (svc, op), n in calls.items() if svc == "dynamodb" and op in DDB_WRITES)
    other = sum(
        n for (svc, op), n in calls.items() if svc != "dynamodb" and (svc, op) not in INTERPRETER_CALLS
    )
    return reads, writes, other


def provisioning_cost(
    label: str,
    spent: tuple[Snapshot, Snapshot],
    history: list[dict[str, Any]],
    status: str,
    wall: float,
    poll_function: str = "",
) -> Cost:
    """What one run cost between two snapshots, watcher sweeps left out; ``poll_function``'s
    invocations are its polls."""
    before, after = spent
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
        polls=invocations.get(poll_function, 0),
        watcher_sweeps=after.sweeps - before.sweeps,
        wall_seconds=wall,
        status=status,
        by_call=calls,
    )


def partner_request(cloud: LocalCloud, delay: int, request_id: str) -> dict[str, Any]:
    """A `multicloud-request` on a fresh TGW network, Google Cloud accepting after ``delay`` s."""
    network = transit_gateway_network()
    cloud.partner("google-cloud").accept_after(delay)
    return request_for("multicloud-request", network, requestId=request_id)


def run_provisioning(
    cloud: LocalCloud,
    meter: Meter,
    label: str,
    request: dict[str, Any],
    start: Callable[[], str | None],
    *,
    timeout: float,
    poll_function: str = "",
) -> Cost:
    """Run the cloud until idle and cost it; ``start`` begins the run and returns its execution
    ARN, or None when the run's one execution is started by an event already put."""
    before = Snapshot.take(cloud, meter)
    started = time.perf_counter()
    execution = start()
    cloud.run_until_idle(timeout=timeout)
    wall = time.perf_counter() - started
    after = Snapshot.take(cloud, meter)
    if execution is None:
        executions = cloud.executions()
        assert len(executions) == 1, executions
        execution = executions[0]["executionArn"]
    status = (cloud.connection(request["requestId"]) or {}).get("status", "?")
    return provisioning_cost(label, (before, after), full_history(execution), status, wall, poll_function)
