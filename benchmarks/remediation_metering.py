"""Measuring for benchmarks/remediation.py (benchmarks/README.md): percentiles, simulated
time from event timestamps, full garbage collections, and when each function returned."""

from __future__ import annotations

import gc
import threading
import time
from datetime import UTC, datetime
from typing import Any

from icp_local import LocalCloud


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
    return ordered[int(rank) - 1]


def sim_time(iso: str | datetime) -> float:
    value = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class FullCollections:
    """Counts full (generation 2) garbage collections; with moto's heap one can take hundreds of ms."""

    def __init__(self) -> None:
        self.count = 0
        gc.callbacks.append(self._seen)

    def _seen(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info.get("generation") == 2:
            self.count += 1


class FunctionTimes:
    """Real time (perf_counter) at which each function invocation returned, per logical id.
    Wraps cloud.runtime.invoke, which both moto's Step Functions interpreter (Task states)
    and EventBridge deliveries go through."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.ended: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        original = cloud.runtime.invoke

        def invoke(function: str, event: Any) -> tuple[Any, bool]:
            result = original(function, event)
            logical = cloud.runtime.spec(function).logical_id
            with self._lock:
                self.ended.setdefault(logical, []).append(time.perf_counter())
            return result

        cloud.runtime.invoke = invoke  # type: ignore[method-assign]

    def last(self, logical: str) -> float | None:
        with self._lock:
            times = self.ended.get(logical)
            return times[-1] if times else None
