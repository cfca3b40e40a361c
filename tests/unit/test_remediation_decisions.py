"""The remediation policy (icp.remediation.decide) for an operator's failover drill."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icp.models import ConnectionRecord, Status
from icp.remediation import Action, Settings, Signal, decide

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def record(status: Status) -> ConnectionRecord:
    return ConnectionRecord(
        connectionId="icc-0a1b2c3d4e5f60718293",
        requestId="REQ-1",
        request={},
        status=status,
        createdAt=NOW,
        updatedAt=NOW,
    )


def drill(**detail: str) -> Signal:
    return Signal("drill", "icc-0a1b2c3d4e5f60718293", NOW, detail)


def test_a_drill_of_an_active_connection_is_decided_with_who_asked_and_why():
    decision = decide(
        drill(by="arn:aws:iam::123456789012:user/ops", reason="game day"), record(Status.ACTIVE), Settings()
    )

    assert decision.action == Action.DRILL
    assert decision.reason == "failover drill requested by arn:aws:iam::123456789012:user/ops (game day)"


@pytest.mark.parametrize("status", [s for s in Status if s != Status.ACTIVE])
def test_a_drill_of_a_connection_that_is_not_active_starts_nothing(status: Status):
    decision = decide(drill(), record(status), Settings())

    assert decision.action is None
    assert status.value in decision.reason
