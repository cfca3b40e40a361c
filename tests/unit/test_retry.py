"""icp.retry: the one retry loop every call out of the control plane goes through."""

from __future__ import annotations

import icp.clock
import icp.retry
import pytest
from icp.retry import Backoff, TryAgain, retrying


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(icp.clock, "sleep", waits.append)
    monkeypatch.setattr(icp.retry.random, "uniform", lambda low, high: high)
    return waits


def failing(times: int, **again: object) -> tuple[list[bool], object]:
    calls: list[bool] = []

    def attempt(fresh: bool) -> str:
        calls.append(fresh)
        if len(calls) <= times:
            raise TryAgain("HTTP 503", **again)  # type: ignore[arg-type]
        return "done"

    return calls, attempt


def test_transient_failures_wait_the_exponential_ceiling_then_succeed(slept: list[float]) -> None:
    calls, attempt = failing(3)
    assert retrying("x", attempt, Backoff(attempts=5, base=1.0, cap=3.0)) == "done"  # type: ignore[arg-type]
    assert slept == [1.0, 2.0, 3.0] and len(calls) == 4


def test_spent_attempts_raise_the_last_try_again_with_its_outcome(slept: list[float]) -> None:
    _, attempt = failing(10, outcome="last reply")
    with pytest.raises(TryAgain) as spent:
        retrying("x", attempt, Backoff(attempts=3))  # type: ignore[arg-type]
    assert spent.value.outcome == "last reply" and len(slept) == 2


def test_retry_after_from_the_other_side_replaces_the_backoff(slept: list[float]) -> None:
    _, attempt = failing(2, after=7.0)
    retrying("x", attempt, Backoff())  # type: ignore[arg-type]
    assert slept == [7.0, 7.0]


def test_at_once_is_honoured_once_with_fresh_credentials_and_no_wait(slept: list[float]) -> None:
    calls, attempt = failing(1, at_once=True)
    assert retrying("x", attempt, Backoff()) == "done"  # type: ignore[arg-type]
    assert calls == [False, True] and slept == []

    calls, attempt = failing(5, at_once=True)
    with pytest.raises(TryAgain):
        retrying("x", attempt, Backoff())  # type: ignore[arg-type]
    assert calls == [False, True] and slept == []


def test_other_errors_are_not_retried(slept: list[float]) -> None:
    def attempt(fresh: bool) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        retrying("x", attempt, Backoff())
    assert slept == []


def test_the_waits_are_jittered() -> None:
    waits = {Backoff(cap=8.0).delay(3) for _ in range(100)}
    assert len(waits) > 1 and all(0 <= wait <= 8.0 for wait in waits)
