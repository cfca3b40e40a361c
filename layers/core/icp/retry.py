"""The one retry loop: every call out of the control plane (AWS, Google, ServiceNow, partners)
retries through ``retrying``, with full-jitter exponential backoff slept on ``icp.clock`` (the
simulated clock in the local cloud, the wall clock in Lambda).

A call says what its failure means by raising:

- ``TryAgain(problem)``: transient; wait the backoff (or ``after`` seconds, when the other side
  said how long with Retry-After) and call again;
- ``TryAgain(problem, at_once=True)``: call again now with ``fresh=True`` (a 401: fetch the
  credentials anew, they may have been rotated); only once, and not counted as an attempt;
- anything else: not for a retry to fix; it propagates as it is.

When the attempts are spent (or a second ``at_once`` is asked), the last ``TryAgain`` is raised;
its ``outcome`` carries whatever the caller wants to turn into its own error.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from icp import clock

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    attempts: int = 5
    base: float = 1.0
    cap: float = 20.0

    def delay(self, retry: int) -> float:
        """Full jitter: anywhere between 0 and the exponential ceiling of the ``retry``-th wait
        (from 0)."""
        return random.uniform(0, min(self.cap, self.base * 2**retry))


class TryAgain(Exception):
    def __init__(
        self, problem: str, *, after: float | None = None, at_once: bool = False, outcome: Any = None
    ):
        super().__init__(problem)
        self.problem = problem
        self.after = after
        self.at_once = at_once
        self.outcome = outcome


def retrying(what: str, attempt: Callable[[bool], T], backoff: Backoff) -> T:
    """``attempt(fresh)`` until it returns; see the module for what it may raise."""
    refreshed = False
    fresh = False
    tries = 0
    while True:
        try:
            return attempt(fresh)
        except TryAgain as again:
            fresh = False
            if again.at_once:
                if refreshed:
                    raise
                refreshed = fresh = True
                logger.warning("%s: %s; trying again with fresh credentials", what, again.problem)
                continue
            tries += 1
            if tries >= backoff.attempts:
                raise
            delay = again.after if again.after is not None else backoff.delay(tries - 1)
            logger.warning("%s: %s; retrying in %.1f s", what, again.problem, delay)
            clock.sleep(delay)
