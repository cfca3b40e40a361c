"""icp.lifecycle.transitions against the in-memory store and bus (tests/fakes.py): which status
changes are written and announced, and what the version guard does when two writers race."""

from __future__ import annotations

import pytest
from fakes import FakeClock, FakeEvents, FakeStore, connection
from icp.errors import ConcurrentUpdate, Conflict, InvalidTransition
from icp.event_schemas import STATUS_CHANGED
from icp.lifecycle import transitions
from icp.models import TRANSITIONS, ConnectionRecord, Status

ID = "icc-0a1b2c3d4e5f60718293"


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    FakeClock().install(monkeypatch)
    return FakeStore().install(monkeypatch)


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> FakeEvents:
    return FakeEvents().install(monkeypatch)


@pytest.mark.parametrize("start", list(Status))
def test_a_status_moves_exactly_along_the_allowed_transitions(start: Status, monkeypatch, db, bus):
    for to in Status:
        if to == start:
            continue
        bus.sent.clear()
        db.put(connection(start, ID))
        if to in TRANSITIONS[start]:
            moved = transitions.move(ID, to, "because")
            assert (moved.status, moved.statusReason, moved.version) == (to, "because", 2)
            assert [(h.from_, h.to, h.reason) for h in db.history(ID)] == [(start.value, to.value, "because")]
            assert (moved.historyCount, moved.latest) == (1, next(db.history(ID)))
            assert db.get(ID) == moved
            assert bus.of(STATUS_CHANGED) == [
                {
                    "connectionId": ID,
                    "requestId": f"REQ-{ID}",
                    "from": start.value,
                    "to": to.value,
                    "reason": "because",
                    "executionArn": None,
                }
            ]
        else:
            with pytest.raises(InvalidTransition) as caught:
                transitions.move(ID, to, "because")
            assert (caught.value.field, caught.value.rule) == ("status", "transition")
            assert db.get(ID).status == start and db.get(ID).version == 1
            assert bus.sent == []


def test_moving_to_the_status_a_record_has_writes_and_announces_nothing(db, bus):
    db.put(connection(Status.ACTIVE, ID))
    writes = db.writes

    assert transitions.move(ID, Status.ACTIVE, "retried").version == 1
    with pytest.raises(Conflict) as caught:
        transitions.move(ID, Status.ACTIVE, "asked twice", strict=True)

    assert caught.value.rule == "not-already-active"
    assert db.writes == writes and bus.sent == []


def test_a_move_that_loses_a_race_is_applied_again_on_the_other_writers_version(db, bus):
    db.put(connection(Status.ACTIVE, ID))
    db.race(lambda r: r.model_copy(update={"incidentSysId": "a" * 32}))

    moved = transitions.move(ID, Status.DEGRADED, "link down", also=lambda r: {"onBackup": True})

    assert (moved.status, moved.onBackup, moved.incidentSysId) == (Status.DEGRADED, True, "a" * 32)
    assert moved.version == 3  # the other writer's version, then ours
    assert len(list(db.history(ID))) == moved.historyCount == 1 and len(bus.of(STATUS_CHANGED)) == 1


def test_when_the_other_writer_made_the_same_move_it_is_not_announced_again(db, bus):
    """A task retried while its first run's write lands: the retry finds the status already
    there and neither writes nor publishes a second Status Changed (the first run published it)."""
    db.put(connection(Status.ROUTES_PROPAGATING, ID))

    def first_run(record: ConnectionRecord) -> ConnectionRecord:
        return record.model_copy(update={"status": Status.ACTIVE})

    db.race(first_run)

    moved = transitions.move(ID, Status.ACTIVE, "routes verified")

    assert moved.status == Status.ACTIVE and moved.version == 2
    assert bus.sent == []


def test_a_move_that_loses_every_race_raises_and_announces_nothing(db, bus):
    db.put(connection(Status.ACTIVE, ID))
    for n in range(5):
        db.race(lambda r, n=n: r.model_copy(update={"warnings": [*r.warnings, f"writer {n}"]}))

    with pytest.raises(ConcurrentUpdate):
        transitions.move(ID, Status.DEGRADED, "link down")

    after = db.get(ID)
    assert after.status == Status.ACTIVE and after.warnings == [f"writer {n}" for n in range(5)]
    assert bus.sent == []


def test_a_note_adds_history_without_changing_the_status_or_announcing(db, bus):
    db.put(connection(Status.ACTIVE, ID))

    noted = transitions.note(
        ID, "maintenance announced", maintenance=[{"start": "a", "end": "b", "event": "e"}]
    )

    assert noted.status == Status.ACTIVE and noted.maintenance[0]["event"] == "e"
    assert [(h.from_, h.to, h.reason) for h in db.history(ID)] == [
        ("ACTIVE", "ACTIVE", "maintenance announced")
    ]
    assert bus.sent == []


def test_set_fields_writes_only_when_a_value_changes(db, bus):
    db.put(connection(Status.PROVISIONING, ID))

    assert transitions.set_fields(ID, awsConnectionId="dxcon-1").version == 2
    assert transitions.set_fields(ID, awsConnectionId="dxcon-1").version == 2
    assert db.get(ID).awsConnectionId == "dxcon-1" and bus.sent == []
