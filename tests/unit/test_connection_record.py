"""ConnectionRecord.require: a step that needs a field an earlier step sets fails with a named
error (RecordIncomplete), which Step Functions reports by name, instead of a bare AssertionError."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icp.errors import IcpError, RecordIncomplete
from icp.lifecycle import waits
from icp.models import ConnectionRecord, Status

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def record(**fields: str) -> ConnectionRecord:
    return ConnectionRecord(
        connectionId="icc-0a1b2c3d4e5f60718293",
        requestId="REQ-1",
        request={},
        status=Status.PROVISIONING,
        createdAt=NOW,
        updatedAt=NOW,
        **fields,
    )


def test_a_field_that_is_set_is_returned() -> None:
    assert record(awsRegion="us-east-1").require("awsRegion") == "us-east-1"


def test_a_missing_field_is_a_named_error_naming_the_field_and_the_connection() -> None:
    with pytest.raises(RecordIncomplete) as raised:
        record(awsRegion="us-east-1").require("awsConnectionId")
    assert isinstance(raised.value, IcpError)
    assert raised.value.field == "awsConnectionId"
    assert "icc-0a1b2c3d4e5f60718293" in raised.value.message


def test_an_empty_field_counts_as_missing() -> None:
    with pytest.raises(RecordIncomplete, match="provider"):
        record(provider="").require("provider")


def test_a_step_reading_aws_state_without_the_connection_id_fails_before_calling_aws() -> None:
    # No moto and no network here: the read would fail otherwise, not with RecordIncomplete.
    with pytest.raises(RecordIncomplete) as raised:
        waits.read_state(record(awsRegion="us-east-1"))
    assert raised.value.field == "awsConnectionId"


def test_no_step_narrows_with_assert() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for folder in ("layers", "functions")
        for path in (ROOT / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assert)
    ]
    assert found == []
