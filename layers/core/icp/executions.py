"""What an operator needs to know of a workflow run: its steps so far, and for a waiting step
what it waits on and since when (the partner, AWS, an approver, or a timer)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from icp.aws.clients import call, client
from icp.models import ConnectionRecord, WaitFor

_WAITING_ON = {
    WaitFor.PARTNER_ACCEPTANCE: ("partner", "the partner to accept the activation key"),
    WaitFor.AVAILABLE: ("aws", "AWS to report the connection available"),
    WaitFor.DELETED: ("aws", "AWS to report the connection deleted"),
    WaitFor.APPROVAL: ("approval", "an approver (icp approve / icp reject)"),
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


def _history(execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = call(client("stepfunctions").get_execution_history, **params)
        events += page.get("events", [])
        if not page.get("nextToken"):
            return events
        params["nextToken"] = page["nextToken"]


def child_execution(event: Mapping[str, Any]) -> str | None:
    """The execution a startExecution.sync task started (README, "How it works": workflows
    composed of small ones), read from the parent's TaskSubmitted event."""
    details = event.get("taskSubmittedEventDetails") or {}
    if (
        event["type"] != "TaskSubmitted"
        or details.get("resourceType") != "states"
        or not str(details.get("resource", "")).startswith("startExecution.sync")
    ):
        return None
    try:
        return str(json.loads(details.get("output") or "{}")["ExecutionArn"])
    except (ValueError, KeyError, TypeError):
        return None


def with_children(
    execution_arn: str, history_of: Callable[[str], Iterable[Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """The execution's history with each child workflow's history spliced in where the parent
    started it (grandchildren too); every event names its execution (``executionArn``)."""
    merged: list[dict[str, Any]] = []
    for event in history_of(execution_arn):
        merged.append({**event, "executionArn": execution_arn})
        child = child_execution(event)
        if child:
            merged += with_children(child, history_of)
    return merged


def steps(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per state entered, in order, with its outcome. In a history ``with_children``
    made, a step that runs a child workflow is shown as the child's steps."""
    found: list[dict[str, Any]] = []
    in_child: set[str | None] = set()  # executions whose current step is a child workflow
    for event in history:
        kind, own = event["type"], event.get("executionArn")
        if own in in_child:  # the parent's own events for that step: the child's steps say it
            if kind.endswith("StateExited") or kind in (
                "ExecutionFailed",
                "ExecutionAborted",
                "ExecutionTimedOut",
            ):
                in_child.discard(own)
            if not kind.startswith("Execution"):
                continue
        if child_execution(event) and found:
            found.pop()
            in_child.add(own)
        elif kind.endswith("StateEntered"):
            found.append(
                {
                    "name": event["stateEnteredEventDetails"]["name"],
                    "type": kind[: -len("StateEntered")],
                    "enteredAt": _iso(event["timestamp"]),
                    "exitedAt": None,
                    "status": "running",
                    "retries": 0,
                    "error": None,
                }
            )
        elif found and kind.endswith("StateExited"):
            found[-1].update(
                exitedAt=_iso(event["timestamp"]),
                status="succeeded" if found[-1]["error"] is None else "caught",
            )
        elif found and kind in ("TaskFailed", "LambdaFunctionFailed"):
            details = (
                event.get("taskFailedEventDetails") or event.get("lambdaFunctionFailedEventDetails") or {}
            )
            found[-1]["error"] = details.get("error")
        elif found and kind == "TaskScheduled" and found[-1]["error"] is not None:
            # A retry: the step goes on; its last error is kept only while it has not succeeded.
            found[-1]["retries"] += 1
            found[-1]["lastError"], found[-1]["error"] = found[-1]["error"], None
        elif found and kind in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            found[-1].update(status="failed", exitedAt=_iso(event["timestamp"]))
    return found


def describe(record: ConnectionRecord) -> dict[str, Any] | None:
    arn = record.currentExecutionArn or record.executionArn
    if not arn:
        return None
    execution = call(client("stepfunctions").describe_execution, executionArn=arn)
    run = steps(with_children(arn, _history))
    current = run[-1] if run and execution["status"] == "RUNNING" and run[-1]["status"] == "running" else None
    if current is not None:
        if record.decommissionApprovalToken and execution["stateMachineArn"].endswith("-decommission"):
            current["waitingOn"] = {
                "kind": "approval",
                "detail": "an approver of the decommission (icp approve / icp reject)",
                "since": _iso(record.decommissionHeldSince),
            }
        elif record.waitFor and record.waitToken and record.waitFor in _WAITING_ON:
            kind, what = _WAITING_ON[record.waitFor]
            current["waitingOn"] = {"kind": kind, "detail": what, "since": _iso(record.waitSince)}
        elif current["type"] == "Wait":
            current["waitingOn"] = {
                "kind": "timer",
                "detail": "a timed wait (grace period or damping)",
                "since": current["enteredAt"],
            }
        elif current["retries"]:
            current["waitingOn"] = {
                "kind": "retry",
                "detail": f"retrying after {current.get('lastError')}",
                "since": current["enteredAt"],
            }
    state_machine = execution["stateMachineArn"].rsplit(":", 1)[-1]
    return {
        "connectionId": record.connectionId,
        "executionArn": arn,
        "name": execution["name"],
        "workflow": state_machine.rsplit("-", 1)[-1],
        "status": execution["status"],
        "startedAt": _iso(execution.get("startDate")),
        "stoppedAt": _iso(execution.get("stopDate")),
        "error": execution.get("error"),
        "currentStep": current,
        "steps": run,
    }
