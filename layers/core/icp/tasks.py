"""The inputs the state machines pass to each task (the ASL builds them with Parameters).

One model per step (a step that needs only the connection takes ``ConnectionTask``), with the
fields the ASL always passes required: a handler never supplies a default or a ``str()`` of
something that may be None. A static test (tests/unit/test_step_inputs.py) checks each
handler's model against the Parameters every state of the ASL gives it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from icp.remediation import Action
from icp.requesters import from_event


class _Task(BaseModel):
    # Each function validates one task model: the others are never built there (README, "Cold starts").
    model_config = ConfigDict(extra="ignore", defer_build=True)


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

    @property
    def key_kept(self) -> bool:
        """The request's activationKey waits in Secrets Manager (icp.proposal_keys.INPUT_FIELD)."""
        return bool(self.event.get("activationKeySecret"))


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


# --- the remediate workflow (its execution input carries action and reason; icp.lifecycle.start_remediation)
class MarkRecoveredTask(ConnectionTask):
    action: Action  # a drill ends with a history entry of its own


class FailOverTask(ConnectionTask):
    action: Action  # a drill also verifies the backup path, and needs one
    reason: str = Field(min_length=1)  # the remediation's decision: the history entry says it


class OpenIncidentTask(FailOverTask):
    """The incident says why (``reason``); a drill opens none (``action``)."""


class ReleaseLeaseTask(ConnectionTask):
    # Any string: an action the workflow does not know is released too (outcome "unknown-action").
    action: str = Field(min_length=1)
    outcome: str = Field(min_length=1)  # what the workflow's Pass states set on the way out


class RemediationFailedTask(ConnectionTask):
    action: str = Field(min_length=1)
    error: dict[str, Any] | None = None  # the Catch's {Error, Cause}
