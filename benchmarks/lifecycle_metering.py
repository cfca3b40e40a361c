"""Metering for benchmarks/lifecycle_cost.py (benchmarks/README.md): AWS calls counted per
thread while a watcher sweep runs, and snapshots of calls, invocations and sweeps."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.handlers

from icp_local import LocalCloud


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
