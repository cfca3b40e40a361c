"""The business metrics the dashboard reads are written as EMF, with their own dimensions."""

from __future__ import annotations

import json

import pytest
from icp.lifecycle import transitions
from icp.observability import emit


def emf_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_a_metric_carries_its_own_dimensions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    emit("RemediationActions", action="failover", outcome="restored")
    (line,) = emf_lines(capsys.readouterr().out)
    assert line["RemediationActions"] == [1.0]
    assert (line["action"], line["outcome"], line["service"]) == (
        "failover",
        "restored",
        "interconnect-control-plane",
    )
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "InterconnectControlPlane"


def test_nothing_is_written_where_metrics_are_disabled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    emit("ExecutionsStarted", workflow="provision")
    assert emf_lines(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("before", "after", "workflow", "outcome"),
    [
        ("ROUTES_PROPAGATING", "ACTIVE", "provision", "succeeded"),
        ("VALIDATED", "FAILED", "provision", "failed"),
        ("DECOMMISSIONING", "DECOMMISSIONED", "decommission", "succeeded"),
        ("DEGRADED", "ACTIVE", "remediate", "recovered"),
    ],
)
def test_a_status_change_that_ends_a_workflow_counts_its_outcome(
    monkeypatch, capsys, before, after, workflow, outcome
):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setattr(transitions.events, "publish", lambda *a, **k: None)

    class Record:
        connectionId, requestId, executionArn = "icc-1", "REQ-1", None

        class status:
            value = after

    transitions._announce(Record(), before, "because")  # type: ignore[arg-type]
    lines = emf_lines(capsys.readouterr().out)
    assert {"ConnectionsByStatus": [1.0]}.items() <= lines[0].items() and lines[0]["status"] == after
    assert (lines[1]["workflow"], lines[1]["outcome"]) == (workflow, outcome)
