"""What `icp` prints: tables, the plan, watch lines, errors. Tables use rich; with
`--output json` every command prints JSON instead (watch: one JSON object per line)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import click
from icp import billing
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from icp_cli.client import CliError

NON_TTY_WIDTH = 160  # wide enough that ids and ARNs are not wrapped when the output is a pipe or a file


def make_console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=NON_TTY_WIDTH)
    return console


def emit_json(data: Any, *, compact: bool = False) -> None:
    click.echo(
        json.dumps(data, default=str, separators=(",", ":"))
        if compact
        else json.dumps(data, indent=2, default=str)
    )


def show_error(error: CliError, output: str) -> None:
    if output == "json":
        emit_json(error.to_dict())
        return
    lines = [f"error: {error.message}"]
    details = []
    if error.field:
        details.append(f"field: {error.field}")
    if error.rule:
        details.append(f"rule: {error.rule}")
    if error.status:
        details.append(f"HTTP {error.status} {error.error or ''}".rstrip())
    if details:
        lines.append("  " + "   ".join(details))
    click.echo("\n".join(lines), err=True)


# -- small formatting helpers --------------------------------------------------------------------
def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(value: Any) -> str:
    parsed = parse_time(value)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if parsed else "-"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.2f}s" if seconds < 10 else f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def age(created: Any, now: datetime | None = None) -> str:
    parsed = parse_time(created)
    if parsed is None:
        return "-"
    seconds = max(((now or datetime.now(UTC)) - parsed).total_seconds(), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def between(start: Any, end: Any) -> float | None:
    a, b = parse_time(start), parse_time(end)
    return (b - a).total_seconds() if a and b else None


def pair(record: dict[str, Any]) -> str:
    return f"{record.get('awsRegion') or '?'} ↔ {record.get('remoteLocation') or '?'}"


def _text(value: Any) -> Text:
    return Text("-" if value is None or value == "" else str(value))


def _grid() -> Table:
    grid = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _table(title: str | None, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


# -- icp request -------------------------------------------------------------------------------------
def plan_view(plan: dict[str, Any]) -> Group:
    grid = _grid()
    gateway = plan["gateway"]
    if gateway["action"] == "create":
        grid.add_row(
            "gateway",
            _text(
                f"create Direct Connect gateway {gateway['name']!r} "
                f"(Amazon side ASN {gateway['amazonSideAsn']})"
            ),
        )
    else:
        grid.add_row(
            "gateway", _text(f"use the existing Direct Connect gateway {gateway['directConnectGatewayId']}")
        )
    c = plan["connection"]
    ceiling = f", resized automatically up to {c['maxBandwidth']}" if c.get("maxBandwidth") else ""
    grid.add_row(
        "connection",
        _text(
            f"{c['type']} with {c['provider']}, {c['awsRegion']} ↔ {c['remoteLocation']}, "
            f"{c['bandwidth']}{ceiling}, MTU {c['mtu']}"
        ),
    )
    grid.add_row("billing", _text(billing.as_line(c["billing"])))
    association = plan.get("association")
    if association:
        grid.add_row(
            "association",
            _text(
                f"associate the gateway with {association['gatewayId']} "
                f"({association['attachment']}), advertising "
                f"{', '.join(association['allowedPrefixes'])} to the remote side"
            ),
        )
    for route in plan["routes"]:
        grid.add_row(
            "routes", _text(f"in {route['routeTableId']}: {', '.join(route['cidrs'])} → {route['target']}")
        )
    remote = plan["remote"]
    if remote["kind"] == "google-cloud":
        grid.add_row(
            "remote",
            _text(
                f"Google Cloud transport {remote['transport']} for {remote['network']}, "
                f"advertising {', '.join(remote['advertisesToAws'])} to AWS, MTU {remote['mtu']}"
            ),
        )
        grid.add_row(
            "",
            _text(f"VPC peering {remote['peering']} importing {', '.join(remote['learnsFromAws'])} from AWS"),
        )
    else:
        grid.add_row(
            "remote",
            _text(
                f"order with {remote['partner']} at {remote['location']} for site "
                f"{remote['siteName']} (account {remote['remoteAccount']}): carries "
                f"{', '.join(remote['awsPrefixes'])} to the site and "
                f"{', '.join(remote['sitePrefixes'])} to AWS"
            ),
        )
    backup = plan.get("backup")
    if backup:
        grid.add_row(
            "backup",
            _text(
                f"if the link goes down, {', '.join(backup['cidrs'])} in "
                f"{', '.join(backup['routeTableIds'])} fail over to {backup['target']}"
            ),
        )
    else:
        grid.add_row("backup", _text("none: a link that goes down is escalated, not failed over"))
    title = Text.assemble(("Plan", "bold"), f" for {plan['requestId']} (connection {plan['connectionId']})")
    return Group(title, grid)


def accepted_view(answer: dict[str, Any], status_url: str) -> Group:
    grid = _grid()
    grid.add_row(
        "connection",
        _text(f"{answer.get('connectionId')} ({answer.get('requestId')}) {answer.get('status')}"),
    )
    grid.add_row("status URL", _text(status_url))
    grid.add_row("execution", _text(answer.get("executionArn")))
    return Group(
        Text("Requested", style="bold green"),
        grid,
        Text(f"Follow it with: icp watch {answer.get('connectionId')}"),
    )


# -- icp list / show ----------------------------------------------------------------------------------
def connections_table(records: list[dict[str, Any]], now: datetime | None = None) -> Table:
    table = _table(None, "ID", "TYPE", "PAIR", "BANDWIDTH", "STATUS", "AWS STATE", "AGE")
    now = now or datetime.now(UTC)
    for record in records:
        table.add_row(
            _text(record.get("connectionId")),
            _text(record.get("type")),
            _text(pair(record)),
            _text(record.get("bandwidth")),
            _text(record.get("status")),
            _text(record.get("awsState")),
            _text(age(record.get("createdAt"), now)),
        )
    return table


def connection_view(record: dict[str, Any], execution: dict[str, Any] | None) -> Group:
    grid = _grid()
    grid.add_row("connection", _text(f"{record.get('connectionId')} (request {record.get('requestId')})"))
    grid.add_row("type", _text(f"{record.get('type')} with {record.get('provider')}, {pair(record)}"))
    request = record.get("request") or {}
    ceiling = f" (max {request['maxBandwidth']})" if request.get("maxBandwidth") else ""
    grid.add_row("bandwidth", _text(f"{record.get('bandwidth')}{ceiling}"))
    reason = f": {record['statusReason']}" if record.get("statusReason") else ""
    grid.add_row("status", _text(f"{record.get('status')}{reason}"))
    grid.add_row(
        "AWS",
        _text(f"{record.get('awsConnectionId') or 'not created'} ({record.get('awsState') or 'no state'})"),
    )
    grid.add_row("DX gateway", _text(record.get("directConnectGatewayId")))
    if record.get("billing"):
        grid.add_row("billing", _text(billing.as_line(record["billing"])))
    if record.get("onBackup"):
        grid.add_row("routes", _text("on the backup path"))
    for warning in record.get("warnings") or []:
        grid.add_row("warning", _text(warning))
    grid.add_row(
        "created", _text(f"{when(record.get('createdAt'))}, updated {when(record.get('updatedAt'))}")
    )
    history = _table("History", "AT", "FROM", "TO", "REASON")
    for entry in record.get("history") or []:
        history.add_row(
            _text(when(entry.get("at"))),
            _text(entry.get("from")),
            _text(entry.get("to")),
            _text(entry.get("reason")),
        )
    parts: list[Any] = [grid, history]
    parts.append(execution_view(execution) if execution else Text("No execution."))
    return Group(*parts)


def execution_view(execution: dict[str, Any]) -> Group:
    grid = _grid()
    grid.add_row(
        "execution",
        _text(f"{execution.get('workflow')} {execution.get('status')}: {execution.get('executionArn')}"),
    )
    grid.add_row(
        "started",
        _text(
            f"{when(execution.get('startedAt'))}"
            + (f", stopped {when(execution['stoppedAt'])}" if execution.get("stoppedAt") else "")
        ),
    )
    if execution.get("error"):
        grid.add_row("error", _text(execution["error"]))
    current = execution.get("currentStep")
    if current:
        grid.add_row("current step", _text(f"{current.get('name')} ({step_state(current)})"))
        waiting = current.get("waitingOn")
        if waiting:
            grid.add_row("waiting on", _text(waiting_text(waiting)))
    else:
        grid.add_row("current step", _text("none (the execution is not running)"))
    return Group(grid, steps_table(execution, title="Steps"))


# -- icp watch ----------------------------------------------------------------------------------------
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
    table = _table(title, "#", "STEP", "STATE", "ELAPSED", "WAITING ON")
    now = now or datetime.now(UTC)
    for index, step in enumerate(_steps(execution), 1):
        end = parse_time(step.get("exitedAt")) or (now if step.get("status") == "running" else None)
        started = parse_time(step.get("enteredAt"))
        elapsed = (end - started).total_seconds() if end and started else None
        waiting = step.get("waitingOn")
        table.add_row(
            _text(index),
            _text(step.get("name")),
            _text(step_state(step)),
            _text(duration(elapsed)),
            _text(waiting_text(waiting) if waiting else step.get("error")),
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


# -- icp doctor ---------------------------------------------------------------------------------------
def account_view(account: dict[str, Any]) -> Group:
    quotas = _table(f"Quotas in {account.get('region')}", "QUOTA", "LIMIT", "USED", "LEFT")
    for quota in account.get("quotas") or []:
        quotas.add_row(
            _text(quota.get("name")),
            _text(quota.get("limit")),
            _text(quota.get("used")),
            _text(quota.get("left")),
        )
    environments = _table("Environments", "ENVIRONMENT", "PROVIDER", "LOCATION", "STATE", "BANDWIDTHS")
    for environment in account.get("environments") or []:
        environments.add_row(
            _text(environment.get("environmentId")),
            _text(environment.get("provider")),
            _text(environment.get("location")),
            _text(environment.get("state")),
            _text(", ".join(environment.get("bandwidths") or [])),
        )
    gateways = _table("Direct Connect gateways", "ID", "NAME", "STATE", "ASN", "ASSOCIATIONS")
    for gateway in account.get("gateways") or []:
        gateways.add_row(
            _text(gateway.get("id")),
            _text(gateway.get("name")),
            _text(gateway.get("state")),
            _text(gateway.get("asn")),
            _text(", ".join(gateway.get("associations") or [])),
        )
    problems = account.get("problems") or []
    if problems:
        verdict = Text(f"{len(problems)} problem(s):", style="bold red")
        listed = [Text(f"  - {p}") for p in problems]
    else:
        verdict, listed = (
            Text(
                "No problems: the next request is not held back by quotas or environments.",
                style="bold green",
            ),
            [],
        )
    return Group(quotas, environments, gateways, verdict, *listed)
