"""`icp watch`: poll a connection's current execution and report its steps as they pass.

On a terminal (and `--output table`) a rich Live table is redrawn at every poll; otherwise
one line per new step or change of a step (JSON objects with `--output json`), which is what
scripts and tests read."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.live import Live

from icp_cli import render, steps_view
from icp_cli.client import EXIT_FAILED, ApiClient, ApiError, CliError

MAX_FAILED_POLLS = 3


def watch(
    client: ApiClient,
    connection_id: str,
    *,
    output: str,
    interval: float,
    timeout: float | None,
    grace: float,
) -> int:
    """Exit code: 0 when the execution SUCCEEDED, 1 when it ended otherwise or `timeout` passed."""
    console = render.make_console()
    display = (
        Live(console=console, refresh_per_second=4) if output == "table" and console.is_terminal else None
    )

    def emit(data: dict[str, Any], line: str) -> None:
        if output == "json":
            render.emit_json(data, compact=True)
        elif display is not None:
            display.console.print(line)
        else:
            click.echo(line)

    started = time.monotonic()
    log = steps_view.StepLog()
    watched: str | None = None
    execution: dict[str, Any] = {}
    if display:
        display.start()
    try:
        failures = 0
        while True:
            try:
                execution = client.execution(connection_id)
                failures = 0
            except CliError as error:
                # A connection requested a moment ago has no record until its first step has run;
                # a poll that fails now and then (a timeout, a 5xx) is tried again.
                appearing = (
                    isinstance(error, ApiError) and error.status == 404 and time.monotonic() - started < grace
                )
                if not appearing and (error.exit_code != EXIT_FAILED or failures >= MAX_FAILED_POLLS):
                    raise
                failures += 0 if appearing else 1
                time.sleep(interval)
                continue
            if execution.get("executionArn") != watched:  # the first poll, or a new run took over
                watched, log = execution.get("executionArn"), steps_view.StepLog()
                if display is None:  # the live table carries it as its title
                    emit({"event": "execution", **_head(execution)}, steps_view.watch_header(execution))
            if display is not None:
                display.update(steps_view.steps_table(execution, title=steps_view.watch_header(execution)))
            else:
                for change in log.changes(execution):
                    emit({"event": "step", **change}, steps_view.watch_line(change))
            if execution.get("status") != "RUNNING":
                break
            if timeout is not None and time.monotonic() - started >= timeout:
                current = (execution.get("currentStep") or {}).get("name")
                message = f"gave up after {timeout:g}s: the execution is still RUNNING" + (
                    f" at {current}" if current else ""
                )
                emit(
                    {"event": "timeout", **_head(execution), "currentStep": current, "message": message},
                    message,
                )
                return EXIT_FAILED
            time.sleep(interval)
    finally:
        if display is not None:
            display.stop()
    try:
        record: dict[str, Any] | None = client.connection(connection_id)
    except CliError:
        record = None
    emit(
        {"event": "end", **_head(execution), "connectionStatus": (record or {}).get("status")},
        steps_view.watch_end(execution, record),
    )
    return 0 if execution.get("status") == "SUCCEEDED" else EXIT_FAILED


def _head(execution: dict[str, Any]) -> dict[str, Any]:
    return {
        key: execution.get(key)
        for key in (
            "connectionId",
            "executionArn",
            "name",
            "workflow",
            "status",
            "startedAt",
            "stoppedAt",
            "error",
        )
    }
