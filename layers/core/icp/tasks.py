"""The inputs the state machines pass to each task (the ASL builds them with Parameters)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from icp.requesters import from_event


class _Task(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ValidateRequestTask(_Task):
    event: dict[str, Any]  # the execution's input: an EventBridge event, or the API's with `retry`
    executionArn: str | None = None

    @property
    def request(self) -> dict[str, Any]:
        return dict(self.event.get("detail") or {})

    @property
    def retry(self) -> bool:
        return bool(self.event.get("retry"))

    @property
    def requested_by(self) -> list[str]:
        return from_event(self.event)


class ConnectionTask(_Task):
    connectionId: str


class StartDecommissionTask(_Task):
    """Start Decommission runs in three phases: when asked, once approved, and when not approved."""

    connectionId: str
    phase: Literal["request", "approved", "not-approved"] = "request"
    event: dict[str, Any] | None = None  # the execution's input (whose requester it records)
    requireApproval: str = "false"  # the template's RequireDecommissionApproval
    error: dict[str, Any] | None = None


class WaitTask(_Task):
    connectionId: str
    waitFor: str
    taskToken: str
    status: str | None = None
    reason: str | None = None


class BandwidthTask(_Task):
    connectionId: str
    bandwidth: str


class ResizeFailedTask(BandwidthTask):
    error: dict[str, Any] | None = None


class CleanUpTask(_Task):
    connectionId: str
    error: dict[str, Any] | None = None


class RemediationTask(_Task):
    connectionId: str
    action: str | None = None
    reason: str | None = None
    outcome: str | None = None
    bandwidth: str | None = None
    error: dict[str, Any] | None = None
