"""An execution's steps as `icp` shows them (README, "For operators: `icp`"): the steps table
of `icp show` and `icp watch`, and the one-line-per-change log that `icp watch` prints when
the output is not a terminal."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from icp_cli.formatting import between, cell, columns, duration, parse_time, when


def step_state(step: dict[str, Any]) -> str:
    status = step.get("status")
    if status == "succeeded":
        return "done"
    if status in ("caught", "failed"):
        return str(status)
    if step.get("waitingOn"):
        return "retrying" if step["waitingOn"].get("kind") == "retry" else "waiting"
    return "running"


def waiting_text(waiting: dict[str, Any]) -> str:
    since = f" (since {when(waiting['since'])})" if waiting.get("since") else ""
    return f"{waiting.get('kind')}: {waiting.get('detail')}{since}"


def _steps(execution: dict[str, Any]) -> list[dict[str, Any]]:
    steps = [dict(s) for s in execution.get("steps") or []]
    current = execution.get("currentStep")
    if current and steps and steps[-1].get("name") == current.get("name"):
        steps[-1] = {**steps[-1], **current}
    return steps


def steps_table(execution: dict[str, Any], title: str | None = None, now: datetime | None = None) -> Table:
    table = columns(title, "#", "STEP", "STATE", "ELAPSED", "WAITING ON")
    now = now or datetime.now(UTC)
    for index, step in enumerate(_steps(execution), 1):
        end = parse_time(step.get("exitedAt")) or (now if step.get("status") == "running" else None)
        started = parse_time(step.get("enteredAt"))
        elapsed = (end - started).total_seconds() if end and started else None
        waiting = step.get("waitingOn")
        table.add_row(
            cell(index),
            cell(step.get("name")),
            cell(step_state(step)),
            cell(duration(elapsed)),
            cell(waiting_text(waiting) if waiting else step.get("error")),
        )
    return table


class StepLog:
    """Turns successive views of an execution into one entry per new step or change of a step."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, ...]] = {}
        self._started = time.monotonic()

    def changes(self, execution: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for index, step in enumerate(_steps(execution)):
            waiting = step.get("waitingOn") or None
            key = (
                step.get("name"),
                step.get("status"),
                (waiting or {}).get("kind"),
                step.get("retries"),
                step.get("error"),
            )
            if self._seen.get(index) == key:
                continue
            self._seen[index] = key
            found.append(
                {
                    "index": index + 1,
                    "name": step.get("name"),
                    "type": step.get("type"),
                    "state": step_state(step),
                    "retries": step.get("retries") or 0,
                    "error": step.get("error"),
                    "durationSeconds": between(step.get("enteredAt"), step.get("exitedAt")),
                    "waitingOn": waiting,
                    "seenAfterSeconds": round(time.monotonic() - self._started, 2),
                }
            )
        return found

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started


def watch_line(change: dict[str, Any]) -> str:
    state = change["state"]
    if state == "waiting":
        detail = f"on {waiting_text(change['waitingOn'])}"
    elif state == "retrying":
        detail = f"retry {change['retries']}: {change['waitingOn'].get('detail')}"
    elif state in ("caught", "failed"):
        detail = f"{change['error'] or 'error'} after {duration(change['durationSeconds'])}"
    elif state == "done":
        detail = duration(change["durationSeconds"])
    else:
        detail = ""
    return f"[{change['seenAfterSeconds']:7.2f}s] {change['name']:<30} {state:<8} {detail}".rstrip()


def watch_header(execution: dict[str, Any]) -> str:
    return (
        f"watching the {execution.get('workflow')} run {execution.get('name')} of {execution.get('connectionId')}"
        f" (started {when(execution.get('startedAt'))})"
    )


def watch_end(execution: dict[str, Any], record: dict[str, Any] | None) -> str:
    took = between(execution.get("startedAt"), execution.get("stoppedAt"))
    line = f"execution {execution.get('status')}" + (f" after {duration(took)}" if took is not None else "")
    if execution.get("error"):
        line += f": {execution['error']}"
    if record:
        reason = f" ({record['statusReason']})" if record.get("statusReason") else ""
        line += f"; connection {record.get('connectionId')} is {record.get('status')}{reason}"
    return line
