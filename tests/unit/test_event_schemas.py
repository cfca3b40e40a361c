"""The event models, the JSON Schemas generated from them (events/schemas), and the check
``publish`` makes before anything is sent."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from icp import event_schemas, events
from icp.event_schemas import DETAIL_TYPES, render, schema_files, schema_for, slug, write_schemas
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "events" / "schemas"
REGENERATE = ".venv/bin/python -m icp.event_schemas"

STATUS_CHANGED_DETAIL = {
    "connectionId": "icc-0a1b2c3d4e5f60718293",
    "requestId": "REQ-2026-0001",
    "from": "VALIDATED",
    "to": "GATEWAY_READY",
    "reason": "gateway created",
    "executionArn": "arn:aws:states:us-east-1:123456789012:execution:icp-provision:REQ-2026-0001-provision",
}
EXAMPLE_DETAILS = {
    event_schemas.STATUS_CHANGED: STATUS_CHANGED_DETAIL,
    event_schemas.LINK_STATE_CHANGED: {
        "connectionId": "icc-0a1b2c3d4e5f60718293",
        "awsConnectionId": "mcc-0123456789abcdef0",
        "from": "available",
        "to": "down",
        "observedAt": "2026-06-01T03:00:00+00:00",
    },
    event_schemas.REMEDIATION_COMPLETED: {
        "connectionId": "icc-0a1b2c3d4e5f60718293",
        "action": "failover",
        "outcome": "succeeded",
    },
    event_schemas.DECOMMISSION_REQUESTED: {"connectionId": "icc-0a1b2c3d4e5f60718293"},
}


def envelope(detail_type: str, detail: dict, source: str = event_schemas.SOURCE) -> dict:
    return {
        "version": "0",
        "id": "5e6f7a8b-0000-4000-8000-000000000001",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-06-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def validator(detail_type: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{slug(detail_type)}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_schema_files_are_what_the_models_generate():
    committed = {path.name: path.read_text() for path in SCHEMAS.glob("*.schema.json")}
    generated = schema_files()
    assert sorted(committed) == sorted(generated), f"events/schemas is out of date: run {REGENERATE}"
    for name, text in generated.items():
        assert committed[name] == text, f"events/schemas/{name} is out of date: run {REGENERATE}"


def test_write_schemas_writes_one_file_per_detail_type_and_removes_stale_ones(tmp_path):
    (tmp_path / "interconnect-gone-away.schema.json").write_text("{}")
    written = write_schemas(tmp_path)
    assert (
        sorted(p.name for p in tmp_path.iterdir())
        == sorted(p.name for p in written)
        == sorted(schema_files())
    )
    assert (tmp_path / "interconnect-connection-status-changed.schema.json").read_text() == render(
        event_schemas.STATUS_CHANGED
    )


@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_every_schema_is_a_valid_draft_2020_12_schema_that_pins_the_detail_type(detail_type):
    schema = schema_for(detail_type)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["detail-type"] == {"const": detail_type}


@pytest.mark.parametrize(
    "path", sorted((ROOT / "events" / "eventbridge").glob("*.json")), ids=lambda p: p.stem
)
def test_every_eventbridge_sample_validates_against_the_connection_requested_schema(path):
    validator(event_schemas.CONNECTION_REQUESTED).validate(json.loads(path.read_text()))


@pytest.mark.parametrize(("detail_type", "detail"), EXAMPLE_DETAILS.items(), ids=list(EXAMPLE_DETAILS))
def test_a_well_formed_event_validates_against_its_schema_and_its_model(detail_type, detail):
    source = "com.example.network" if detail_type in event_schemas.INBOUND else event_schemas.SOURCE
    validator(detail_type).validate(envelope(detail_type, detail, source))
    DETAIL_TYPES[detail_type].model_validate(detail)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.update(to="SHINY"), "a status that does not exist"),
        (lambda d: d.update(connection_id=d.pop("connectionId")), "a misspelt field"),
        (lambda d: d.update(colour="blue"), "a field the schema does not have"),
        (lambda d: d.pop("reason"), "a missing field"),
    ],
)
def test_a_status_changed_detail_with_a_wrong_field_fails_schema_and_model(change, why):
    detail = copy.deepcopy(STATUS_CHANGED_DETAIL)
    change(detail)
    assert not validator(event_schemas.STATUS_CHANGED).is_valid(
        envelope(event_schemas.STATUS_CHANGED, detail)
    ), why
    with pytest.raises(ValidationError):
        DETAIL_TYPES[event_schemas.STATUS_CHANGED].model_validate(detail)


def test_an_outbound_event_from_another_source_fails_its_schema():
    event = envelope(event_schemas.STATUS_CHANGED, STATUS_CHANGED_DETAIL, source="com.example.network")
    assert not validator(event_schemas.STATUS_CHANGED).is_valid(event)


def test_an_inbound_event_may_not_claim_an_aws_source():
    event = envelope(
        event_schemas.DECOMMISSION_REQUESTED,
        {"connectionId": "icc-0a1b2c3d4e5f60718293"},
        source="aws.health",
    )
    assert not validator(event_schemas.DECOMMISSION_REQUESTED).is_valid(event)


class RecordingEvents:
    def __init__(self):
        self.entries: list[dict] = []

    def put_events(self, Entries):
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}


@pytest.fixture
def bus(monkeypatch):
    recording = RecordingEvents()
    monkeypatch.setenv("EVENT_BUS_NAME", "interconnect-control-plane")
    monkeypatch.setattr(events, "client", lambda service: recording)
    monkeypatch.setattr(events, "call", lambda fn, **kwargs: fn(**kwargs))
    return recording


def test_publish_sends_a_detail_that_matches_its_model(bus):
    events.publish(events.STATUS_CHANGED, STATUS_CHANGED_DETAIL)
    [entry] = bus.entries
    assert (entry["Source"], entry["DetailType"]) == (events.SOURCE, events.STATUS_CHANGED)
    assert json.loads(entry["Detail"]) == STATUS_CHANGED_DETAIL


def test_publish_refuses_a_detail_that_does_not_match_and_sends_nothing(bus):
    with pytest.raises(ValidationError):
        events.publish(
            events.LINK_STATE_CHANGED, {**EXAMPLE_DETAILS[events.LINK_STATE_CHANGED], "to": "broken"}
        )
    with pytest.raises(ValueError, match="no model for detail-type"):
        events.publish("Interconnect Something Else", {})
    assert bus.entries == []
