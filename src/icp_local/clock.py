"""The simulated clock of the local cloud.

Everything that waits in the local cloud waits on this clock: Step Functions Wait
states, Retry intervals and waitForTaskToken timeouts (moto's interpreter threads,
see ``icp_local.sfn``), the emulators' own delays (a partner accepting after an hour,
a connection provisioning), and scheduled functions. Simulated time only moves when
the driver (``LocalCloud.advance`` / ``run_until_idle``) moves it, so a 3-day wait
runs in the time it takes to fire the callbacks that fall due.

Two kinds of things sit on the clock:
- *timers*: a callback run on the driver's thread when its time comes;
- *waiters*: a thread (an execution of a state machine) blocked until a time comes or
  one of its wake events is set. The driver counts blocked waiters to know when every
  execution is parked and time may move.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

# 2026-06-01T00:00:00Z: a fixed start so runs are repeatable.
DEFAULT_START = datetime(2026, 6, 1, tzinfo=UTC).timestamp()


@dataclass(order=True)
class Timer:
    due: float
    seq: int
    callback: Callable[[], object] = field(compare=False)
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)

    def cancel(self) -> None:
        self.cancelled = True


class Waiter:
    """A thread parked until simulated time reaches ``due`` or a wake event is set."""

    def __init__(self, clock: SimClock, due: float | None, wake_events: Iterable[threading.Event]):
        self.clock = clock
        self.due = due
        self.fired = threading.Event()
        self.wake_events = tuple(wake_events)

    @property
    def blocked(self) -> bool:
        return not self.fired.is_set() and not any(e.is_set() for e in self.wake_events)

    def wait(self) -> bool:
        """Block until woken; True when woken by the clock (the time came)."""
        with self.clock._cond:
            while self.blocked:
                # The timeout only guards against a wake event set without a poke().
                self.clock._cond.wait(0.05)
        return self.fired.is_set()


class SimClock:
    def __init__(self, start: float = DEFAULT_START):
        self._now = start
        self._timers: list[Timer] = []
        self._waiters: set[Waiter] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.RLock())
        # Run after the timers of an advance and before parked threads wake (the local cloud
        # uses it to mirror emulator changes into moto).
        self.after_timers: list[Callable[[], object]] = []

    # -- reading -------------------------------------------------------------
    def time(self) -> float:
        return self._now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, tz=UTC)

    # -- timers (run on the driver thread) -------------------------------------
    def call_at(self, when: float, callback: Callable[[], object], label: str = "") -> Timer:
        with self._cond:
            timer = Timer(max(when, self._now), next(self._seq), callback, label)
            heapq.heappush(self._timers, timer)
            self._cond.notify_all()
            return timer

    def call_later(self, delay: float, callback: Callable[[], object], label: str = "") -> Timer:
        return self.call_at(self._now + delay, callback, label)

    # -- waiters (block the calling thread) ------------------------------------
    def park(self, seconds: float | None, wake_events: Iterable[threading.Event] = ()) -> bool:
        """Block the calling thread for ``seconds`` of simulated time (forever if None),
        or until a wake event is set. True when the time came first."""
        waiter = Waiter(self, None if seconds is None else self._now + max(seconds, 0), wake_events)
        with self._cond:
            if waiter.due is not None and waiter.due <= self._now:
                return True
            self._waiters.add(waiter)
            self._cond.notify_all()
        try:
            return waiter.wait()
        finally:
            with self._cond:
                self._waiters.discard(waiter)

    def poke(self) -> None:
        """Wake parked threads to re-check their wake events."""
        with self._cond:
            self._cond.notify_all()

    def release_all(self) -> None:
        """Wake every parked thread (the local cloud is stopping)."""
        with self._cond:
            for waiter in self._waiters:
                waiter.fired.set()
            self._cond.notify_all()

    def blocked_waiters(self) -> int:
        with self._cond:
            return sum(1 for w in self._waiters if w.blocked)

    # -- moving time -------------------------------------------------------------
    def next_due(self) -> float | None:
        with self._cond:
            while self._timers and self._timers[0].cancelled:
                heapq.heappop(self._timers)
            dues = [w.due for w in self._waiters if w.blocked and w.due is not None]
            if self._timers:
                dues.append(self._timers[0].due)
            return min(dues) if dues else None

    def advance_to(self, when: float) -> int:
        """Move time forward to ``when``, firing timers in order. Threads parked until a time
        are woken only after every timer due by then has run (and the ``after_timers`` hooks),
        so what a timer changes is in place before anything that waited for that moment looks.
        Returns how many timers ran."""
        ran = 0
        while True:
            with self._cond:
                while self._timers and self._timers[0].cancelled:
                    heapq.heappop(self._timers)
                if not self._timers or self._timers[0].due > when:
                    break
                timer = heapq.heappop(self._timers)
                self._now = max(self._now, timer.due)
            timer.callback()
            ran += 1
        for hook in self.after_timers:
            hook()
        with self._cond:
            self._now = max(self._now, when)
            self._wake_due_waiters()
        return ran

    def advance(self, seconds: float) -> int:
        return self.advance_to(self._now + seconds)

    def _wake_due_waiters(self) -> None:
        for waiter in self._waiters:
            if waiter.due is not None and waiter.due <= self._now:
                waiter.fired.set()
        self._cond.notify_all()
