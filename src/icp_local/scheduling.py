"""Driving the local cloud on its simulated clock (README, "The local cloud"): the scheduled
rules' rates, the sweeps that run them, and the loop that waits for executions to park and
deliveries to be made before moving time on."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from icp_local import sfn
from icp_local.clock import SimClock
from icp_local.template import RuleSpec

# Waits longer than this are moto's "no timeout" default, not a time to move the clock to.
_FOREVER = 30 * 86400


def schedule_seconds(expression: str) -> float:
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not match:
        raise ValueError(f"the local cloud runs rate() schedules only, not {expression!r}")
    unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
    return int(match.group(1)) * unit


class Scheduler:
    """``generation()`` moves whenever something a scheduled function could see has changed;
    ``run_rule`` runs one scheduled rule's targets; ``step()`` does the pending work of the
    cloud (deliveries, attachment sync) and says whether there was any; ``sweep_due(rules)``
    runs the rules that fell due (the cloud's own ``sweep``, so whoever wraps it sees them)."""

    def __init__(
        self,
        clock: SimClock,
        rules: list[RuleSpec],
        generation: Callable[[], int],
        run_rule: Callable[[RuleSpec], list[Any]],
        step: Callable[[], bool],
        sweep_due: Callable[[list[str]], Any] | None = None,
    ):
        self.clock = clock
        self.schedules = [(rule, schedule_seconds(rule.schedule)) for rule in rules if rule.schedule]
        self.generation = generation
        self.run_rule = run_rule
        self.step = step
        self.sweep_due = sweep_due or self.sweep
        self._swept: dict[str, int] = {}  # scheduled rule -> generation when it last ran

    def run_until_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.settle(deadline)
            target = self._next_time()
            if target is None:
                return
            self._advance_to(target)

    def advance(self, seconds: float, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        end = self.clock.time() + seconds
        while True:
            self.settle(deadline)
            target = self._next_time(every_tick=True)
            if target is None or target > end:
                break
            self._advance_to(target, every_tick=True)
        self.clock.advance_to(end)
        self.settle(deadline)

    def sweep(self, rules: list[str] | None = None) -> list[Any]:
        results = []
        generation = self.generation()
        for rule, _ in self.schedules:
            if rules is not None and rule.logical_id not in rules:
                continue
            results += self.run_rule(rule)
            self._swept[rule.logical_id] = generation
        return results

    def settle(self, deadline: float) -> None:
        """Wait (in real time) until every execution is parked and every delivery is made."""
        while True:
            if self.step():
                continue
            if sfn.running_executions() <= self.clock.blocked_waiters():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"executions still running after the timeout "
                    f"({sfn.running_executions()} running, {self.clock.blocked_waiters()} parked)"
                )
            time.sleep(0.001)

    def _due_rules(self, at: float, every_tick: bool = False) -> list[str]:
        generation = self.generation()
        return [
            rule.logical_id
            for rule, period in self.schedules
            if at % period == 0 and (every_tick or self._swept.get(rule.logical_id) != generation)
        ]

    def _next_time(self, every_tick: bool = False) -> float | None:
        due = self.clock.next_due()
        if due is not None and due - self.clock.time() > _FOREVER:
            due = None
        candidates = [due] if due is not None else []
        generation = self.generation()
        now = self.clock.time()
        candidates += [
            (now // period + 1) * period
            for rule, period in self.schedules
            if every_tick or self._swept.get(rule.logical_id) != generation
        ]
        if not candidates:
            return None
        return min(candidates)

    def _advance_to(self, target: float, every_tick: bool = False) -> None:
        self.clock.advance_to(target)
        due = self._due_rules(target, every_tick)
        if due:
            self.sweep_due(due)
