"""The inputs the state machines pass to each task (the ASL builds them with Parameters)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


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


class ConnectionTask(_Task):
    connectionId: str


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
