"""Time as the core sees it.

Production uses the wall clock. The local cloud swaps in its simulated clock with
``use()``, so history timestamps, activation windows and retry backoff all follow
simulated time there.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], float] = _time.time
_sleep: Callable[[float], object] = _time.sleep


def use(now: Callable[[], float], sleep: Callable[[float], object]) -> None:
    global _now, _sleep
    _now, _sleep = now, sleep


def reset() -> None:
    use(_time.time, _time.sleep)


def time() -> float:
    return _now()


def utcnow() -> datetime:
    return datetime.fromtimestamp(_now(), tz=UTC)


def sleep(seconds: float) -> None:
    _sleep(seconds)
