"""The link-state watcher (icp.lifecycle.watch_links) and what it and the alarms start
(icp.lifecycle.start_remediation), against the fakes in tests/fakes.py and a fake AWS
Interconnect listing: which reads are announced, which waits end, which remediations start
(README, "Watching and repairing links")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fakes import FakeClock, FakeEvents, FakeStore, FakeWorkflows, connection
from icp.aws import interconnect
from icp.event_schemas import LINK_STATE_CHANGED
from icp.lifecycle.start_remediation import handle_signal
from icp.lifecycle.watch_links import RESTORE_RETRY, sweep
from icp.models import Status, WaitFor
from icp.remediation import Signal

ID, DX = "icc-0a1b2c3d4e5f60718293", "dxcon-fgq1w2e3"
REMEDIATE = "arn:aws:states:us-east-1:123456789012:stateMachine:icp-remediate"


@dataclass
class Cloud:
    db: FakeStore
    bus: FakeEvents
    workflows: FakeWorkflows
    clock: FakeClock
    states: dict[str, str] = field(default_factory=dict)  # what ListConnections / GetConnection say

    def seed(self, status: Status, **fields: Any) -> None:
        fields = {"awsConnectionId": DX, "awsRegion": "us-east-1", **fields}
        self.db.put(connection(status, ID, **fields))

    def signal(self, kind: str) -> dict[str, Any]:
        return handle_signal(Signal(kind, ID, self.clock.now, {}))


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Cloud:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("REMEDIATE_STATE_MACHINE_ARN", REMEDIATE)
    world = Cloud(
        FakeStore().install(monkeypatch),
        FakeEvents().install(monkeypatch),
        FakeWorkflows().install(monkeypatch),
        FakeClock().install(monkeypatch),
    )

    def listed(region: str, page_size: int = 100) -> list[dict[str, str]]:
        return [{"id": dx, "state": state} for dx, state in world.states.items()]

    def found(region: str, dx: str) -> dict[str, str] | None:
        return {"id": dx, "state": world.states[dx]} if dx in world.states else None

    monkeypatch.setattr(interconnect, "iter_connections", listed)
    monkeypatch.setattr(interconnect, "find_connection", found)
    return world


def settled(state: str) -> dict[str, Any]:
    """A record whose AWS state two reads have confirmed."""
    return {"awsState": state, "awsStateSeen": state, "awsStateReads": 2}


# --- the sweep -------------------------------------------------------------------------------
def test_a_new_state_is_announced_once_two_sweeps_agree_and_only_once(cloud: Cloud):
    cloud.seed(Status.ACTIVE, **settled("available"))
    cloud.states[DX] = "down"

    assert sweep()["changes"] == 0 and cloud.bus.sent == []  # one read is not enough
    assert sweep()["changes"] == 1
    writes = cloud.db.writes
    assert sweep()["changes"] == 0 and cloud.db.writes == writes  # nothing new: nothing written

    (event,) = cloud.bus.of(LINK_STATE_CHANGED)
    assert (event["connectionId"], event["awsConnectionId"], event["from"], event["to"]) == (
        ID,
        DX,
        "available",
        "down",
    )
    assert cloud.db.get(ID).awsState == "down"


def test_a_flicker_that_two_reads_never_agree_on_is_not_announced(cloud: Cloud):
    cloud.seed(Status.ACTIVE, **settled("available"))
    for state in ["down", "available", "down", "available"]:
        cloud.states[DX] = state
        sweep()
    assert cloud.bus.sent == [] and cloud.db.get(ID).awsState == "available"


@pytest.mark.parametrize(
    ("wait_for", "before", "now", "outcome"),
    [
        (WaitFor.AVAILABLE, "pending", "available", ("success", None)),
        (WaitFor.AVAILABLE, "pending", "down", ("failure", "ConnectionDown")),
        (WaitFor.RECOVERY, "down", "available", ("success", None)),
        (WaitFor.DELETED, "deleting", None, ("success", None)),  # gone from AWS: deleted
    ],
)
def test_a_waiting_execution_is_completed_once_when_the_confirmed_state_ends_its_wait(
    cloud: Cloud, wait_for, before, now, outcome
):
    cloud.seed(Status.PROVISIONING, waitFor=wait_for, waitToken="token-1", **settled(before))
    if now:
        cloud.states[DX] = now

    first, second, third = sweep(), sweep(), sweep()

    assert (first["tokensCompleted"], second["tokensCompleted"], third["tokensCompleted"]) == (0, 1, 0)
    kind, detail = cloud.workflows.completed["token-1"]
    assert kind == outcome[0]
    assert detail == outcome[1] if kind == "failure" else detail["awsState"] == (now or "deleted")
    assert cloud.db.get(ID).waitToken is None  # claimed: no other sweep sends it


def test_a_connection_just_created_and_not_yet_listed_is_not_taken_for_deleted(cloud: Cloud):
    cloud.seed(
        Status.AWAITING_ACTIVATION,
        waitFor=WaitFor.PARTNER_ACCEPTANCE,
        waitToken="token-1",
        awsCreatedAt=cloud.clock.now,
    )
    sweep(), sweep()
    assert cloud.workflows.completed == {} and cloud.db.get(ID).awsStateSeen is None


def test_a_degraded_link_that_came_back_is_restored_and_retried_only_after_a_while(cloud: Cloud):
    cloud.seed(Status.DEGRADED, **settled("available"))
    cloud.states[DX] = "available"

    assert sweep()["restoresStarted"] == 1
    assert sweep()["restoresStarted"] == 0  # the restore holds the lease
    ((_, name, payload),) = cloud.workflows.started
    assert payload["action"] == "restore" and cloud.db.get(ID).lease == name

    # The restore ended without bringing the connection back: the lease is gone, the link is up.
    cloud.db.put(cloud.db.get(ID).model_copy(update={"lease": None, "leaseExpiresAt": None}))
    cloud.clock.advance(60)
    assert sweep()["restoresStarted"] == 0
    cloud.clock.advance(RESTORE_RETRY.total_seconds())
    assert sweep()["restoresStarted"] == 1
    assert [p["action"] for _, _, p in cloud.workflows.started] == ["restore", "restore"]


# --- starting a remediation ----------------------------------------------------------------------
def test_a_link_down_takes_the_lease_and_starts_one_failover_with_the_grace_period(cloud: Cloud):
    cloud.seed(Status.ACTIVE)

    started = cloud.signal("link-down")
    again = cloud.signal("link-down")  # the same event delivered twice

    assert started["action"] == "failover" and again["started"] is None
    assert again["reason"] == "a remediation is already running"
    ((arn, name, payload),) = cloud.workflows.started
    assert arn == REMEDIATE and payload["graceSeconds"] == 120 and payload["lease"] == name
    assert cloud.db.get(ID).currentExecutionArn == started["started"]


def test_the_third_down_in_ten_minutes_fails_over_at_once_and_old_downs_are_forgotten(cloud: Cloud):
    now = cloud.clock.now
    old = now - timedelta(hours=2)
    cloud.seed(Status.ACTIVE, linkDowns=[old, now - timedelta(minutes=9), now - timedelta(minutes=2)])

    assert cloud.signal("link-down")["action"] == "failover-now"
    downs = cloud.db.get(ID).linkDowns
    assert len(downs) == 3 and old not in downs and now in downs


def test_of_two_signals_racing_for_the_lease_only_one_starts(cloud: Cloud):
    cloud.seed(Status.ACTIVE)
    until = cloud.clock.now + timedelta(hours=1)
    cloud.db.race(lambda r: r.model_copy(update={"lease": "another-execution", "leaseExpiresAt": until}))

    result = cloud.signal("route-drift")

    assert (result["started"], result["reason"]) == (None, "a remediation is already running")
    assert cloud.workflows.started == [] and cloud.db.get(ID).lease == "another-execution"


def test_a_write_that_is_not_a_lease_only_delays_taking_it(cloud: Cloud):
    cloud.seed(Status.ACTIVE)
    cloud.db.race(lambda r: r.model_copy(update={"warnings": ["a sweep wrote meanwhile"]}))

    result = cloud.signal("route-drift")

    assert result["action"] == "repair-routes" and len(cloud.workflows.started) == 1
    assert cloud.db.get(ID).warnings == ["a sweep wrote meanwhile"]


def test_a_signal_for_an_unknown_connection_starts_nothing(cloud: Cloud):
    assert cloud.signal("link-down") == {"connectionId": ID, "started": None, "reason": "no such connection"}
    assert cloud.workflows.started == []
