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


# --- decide(): each signal, each status, the action README "Watching and repairing links" names ---
# signal -> (the statuses it acts in, the action). Anything else starts nothing.
ACTS = {
    "link-down": ({Status.ACTIVE, Status.RESIZING, Status.DEGRADED}, Action.FAILOVER),
    "latency": ({Status.ACTIVE}, Action.FAILOVER),  # a grey failure takes the link-down path
    "packet-loss": ({Status.ACTIVE}, Action.FAILOVER),
    "link-failed": ({Status.ACTIVE, Status.DEGRADED, Status.RESIZING}, Action.REPLACE_CONNECTION),
    "link-up": ({Status.DEGRADED}, Action.RESTORE),
    "utilization": ({Status.ACTIVE}, Action.RESIZE),
    "route-drift": ({Status.ACTIVE}, Action.REPAIR_ROUTES),
    "drill": ({Status.ACTIVE}, Action.DRILL),
    "maintenance": (set(), None),  # recorded by start_remediation; it starts nothing itself
}


@pytest.mark.parametrize("kind", sorted(ACTS))
def test_each_signal_yields_its_action_in_the_statuses_it_acts_in_and_nothing_elsewhere(kind: str):
    acting, action = ACTS[kind]
    for status in Status:
        subject = record(status).model_copy(
            update={"bandwidth": "1Gbps", "request": {"maxBandwidth": "10Gbps"}, "linkDowns": [NOW]}
        )
        decision = decide(
            Signal(kind, subject.connectionId, NOW, {}), subject, Settings(), ["1Gbps", "2Gbps"]
        )
        if status in acting:
            assert decision.action == action, (kind, status)
        else:
            assert decision.action is None, (kind, status)
            if kind != "maintenance":
                assert status.value in decision.reason  # says why: the status it was in


def test_a_resize_names_the_bandwidth_it_grows_to():
    subject = record(Status.ACTIVE).model_copy(
        update={"bandwidth": "1Gbps", "request": {"maxBandwidth": "10Gbps"}}
    )
    decision = decide(
        Signal("utilization", subject.connectionId, NOW, {}), subject, Settings(), ["5Gbps", "2Gbps"]
    )
    assert (decision.action, decision.bandwidth) == (Action.RESIZE, "2Gbps")


def test_a_utilization_alarm_with_nowhere_to_grow_starts_nothing_and_says_so():
    subject = record(Status.ACTIVE).model_copy(update={"bandwidth": "1Gbps", "request": {}})
    decision = decide(Signal("utilization", subject.connectionId, NOW, {}), subject, Settings(), ["2Gbps"])
    assert decision.action is None and "maxBandwidth" in decision.reason


def test_an_unknown_signal_starts_nothing():
    decision = decide(Signal("solar-flare", "icc-1", NOW, {}), record(Status.ACTIVE), Settings())
    assert decision.action is None and "solar-flare" in decision.reason
