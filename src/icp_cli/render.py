"""What `icp` prints: tables, the plan, errors (an execution's steps in ``icp_cli.steps_view``).
Tables use rich; with `--output json` every command prints JSON instead (watch: one JSON
object per line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from icp import billing
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from icp_cli.client import CliError
from icp_cli.formatting import age, cell, columns, key_values, pair, when
from icp_cli.steps_view import step_state, steps_table, waiting_text

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


# -- icp request -------------------------------------------------------------------------------------
def _gateway_text(gateway: dict[str, Any]) -> str:
    if gateway["action"] == "create":
        return (
            f"create Direct Connect gateway {gateway['name']!r} (Amazon side ASN {gateway['amazonSideAsn']})"
        )
    return f"use the existing Direct Connect gateway {gateway['directConnectGatewayId']}"


def _remote_rows(remote: dict[str, Any]) -> list[tuple[str, str]]:
    if remote["kind"] == "google-cloud":
        return [
            (
                "remote",
                f"Google Cloud transport {remote['transport']} for {remote['network']}, "
                f"advertising {', '.join(remote['advertisesToAws'])} to AWS, MTU {remote['mtu']}",
            ),
            ("", f"VPC peering {remote['peering']} importing {', '.join(remote['learnsFromAws'])} from AWS"),
        ]
    carries = f"{', '.join(remote['awsPrefixes'])} to the site and {', '.join(remote['sitePrefixes'])} to AWS"
    return [
        (
            "remote",
            f"order with {remote['partner']} at {remote['location']} for site {remote['siteName']} "
            f"(account {remote['remoteAccount']}): carries {carries}",
        )
    ]


def _backup_text(backup: dict[str, Any] | None) -> str:
    if not backup:
        return "none: a link that goes down is escalated, not failed over"
    return (
        f"if the link goes down, {', '.join(backup['cidrs'])} in "
        f"{', '.join(backup['routeTableIds'])} fail over to {backup['target']}"
    )


def plan_view(plan: dict[str, Any]) -> Group:
    c = plan["connection"]
    ceiling = f", resized automatically up to {c['maxBandwidth']}" if c.get("maxBandwidth") else ""
    connection = (
        f"{c['type']} with {c['provider']}, {c['awsRegion']} ↔ {c['remoteLocation']}, "
        f"{c['bandwidth']}{ceiling}, MTU {c['mtu']}"
    )
    association = plan.get("association")
    rows = [
        ("gateway", _gateway_text(plan["gateway"])),
        ("connection", connection),
        ("billing", billing.as_line(c["billing"])),
        *(
            [
                (
                    "association",
                    f"associate the gateway with {association['gatewayId']} ({association['attachment']}"
                    f"{_in_account(association.get('account'))}), "
                    f"advertising {', '.join(association['allowedPrefixes'])} to the remote side"
                    + (
                        ", by a proposal that account makes (through the spoke role) and this stack accepts"
                        if association.get("account")
                        else ""
                    ),
                )
            ]
            if association
            else []
        ),
        *(
            (
                "routes",
                f"in {r['routeTableId']}{_in_account(r.get('account'))}: {', '.join(r['cidrs'])} → {r['target']}",
            )
            for r in plan["routes"]
        ),
        *_remote_rows(plan["remote"]),
        ("backup", _backup_text(plan.get("backup"))),
    ]
    grid = key_values()
    for name, text in rows:
        grid.add_row(name, cell(text))
    title = Text.assemble(("Plan", "bold"), f" for {plan['requestId']} (connection {plan['connectionId']})")
    return Group(title, grid)


def _in_account(account: str | None) -> str:
    """Where a resource of another account is named (README, "Other accounts")."""
    return f" in account {account}" if account else ""


def accepted_view(answer: dict[str, Any], status_url: str) -> Group:
    grid = key_values()
    grid.add_row(
        "connection",
        cell(f"{answer.get('connectionId')} ({answer.get('requestId')}) {answer.get('status')}"),
    )
    grid.add_row("status URL", cell(status_url))
    grid.add_row("execution", cell(answer.get("executionArn")))
    return Group(
        Text("Requested", style="bold green"),
        grid,
        Text(f"Follow it with: icp watch {answer.get('connectionId')}"),
    )


# -- icp list / show ----------------------------------------------------------------------------------
def connections_table(records: list[dict[str, Any]], now: datetime | None = None) -> Table:
    table = columns(None, "ID", "TYPE", "PAIR", "BANDWIDTH", "STATUS", "AWS STATE", "AGE")
    now = now or datetime.now(UTC)
    for record in records:
        table.add_row(
            cell(record.get("connectionId")),
            cell(record.get("type")),
            cell(pair(record)),
            cell(record.get("bandwidth")),
            cell(record.get("status")),
            cell(record.get("awsState")),
            cell(age(record.get("createdAt"), now)),
        )
    return table


def connections_view(records: list[dict[str, Any]], now: datetime | None, more: bool) -> Any:
    """``icp list``: the table, and a line when --limit left connections out."""
    shown = connections_table(records, now) if records else Text("No connections.")
    return Group(shown, Text(f"(more after these {len(records)}: raise --limit)")) if more else shown


def connection_view(record: dict[str, Any], execution: dict[str, Any] | None) -> Group:
    grid = key_values()
    grid.add_row("connection", cell(f"{record.get('connectionId')} (request {record.get('requestId')})"))
    grid.add_row("type", cell(f"{record.get('type')} with {record.get('provider')}, {pair(record)}"))
    request = record.get("request") or {}
    ceiling = f" (max {request['maxBandwidth']})" if request.get("maxBandwidth") else ""
    grid.add_row("bandwidth", cell(f"{record.get('bandwidth')}{ceiling}"))
    reason = f": {record['statusReason']}" if record.get("statusReason") else ""
    grid.add_row("status", cell(f"{record.get('status')}{reason}"))
    grid.add_row(
        "AWS",
        cell(f"{record.get('awsConnectionId') or 'not created'} ({record.get('awsState') or 'no state'})"),
    )
    grid.add_row("DX gateway", cell(record.get("directConnectGatewayId")))
    if record.get("billing"):
        grid.add_row("billing", cell(billing.as_line(record["billing"])))
    if record.get("onBackup"):
        grid.add_row("routes", cell("on the backup path"))
    for warning in record.get("warnings") or []:
        grid.add_row("warning", cell(warning))
    grid.add_row("created", cell(f"{when(record.get('createdAt'))}, updated {when(record.get('updatedAt'))}"))
    history = columns("History", "AT", "FROM", "TO", "REASON")
    for entry in record.get("history") or []:
        history.add_row(
            cell(when(entry.get("at"))),
            cell(entry.get("from")),
            cell(entry.get("to")),
            cell(entry.get("reason")),
        )
    parts: list[Any] = [grid, history]
    if record.get("historyTruncated"):
        shown, count = len(record.get("history") or []), record.get("historyCount")
        parts.append(Text(f"the newest {shown} of {count} entries; all of them: --history all"))
    parts.append(execution_view(execution) if execution else Text("No execution."))
    return Group(*parts)


def execution_view(execution: dict[str, Any]) -> Group:
    grid = key_values()
    grid.add_row(
        "execution",
        cell(f"{execution.get('workflow')} {execution.get('status')}: {execution.get('executionArn')}"),
    )
    grid.add_row(
        "started",
        cell(
            f"{when(execution.get('startedAt'))}"
            + (f", stopped {when(execution['stoppedAt'])}" if execution.get("stoppedAt") else "")
        ),
    )
    if execution.get("error"):
        grid.add_row("error", cell(execution["error"]))
    current = execution.get("currentStep")
    if current:
        grid.add_row("current step", cell(f"{current.get('name')} ({step_state(current)})"))
        waiting = current.get("waitingOn")
        if waiting:
            grid.add_row("waiting on", cell(waiting_text(waiting)))
    else:
        grid.add_row("current step", cell("none (the execution is not running)"))
    return Group(grid, steps_table(execution, title="Steps"))


# -- icp doctor ---------------------------------------------------------------------------------------
# Each section of `icp doctor`: its title, the account's key, and column -> field.
ACCOUNT_SECTIONS = (
    ("Quotas in {region}", "quotas", {"QUOTA": "name", "LIMIT": "limit", "USED": "used", "LEFT": "left"}),
    (
        "Environments",
        "environments",
        {
            "ENVIRONMENT": "environmentId",
            "PROVIDER": "provider",
            "LOCATION": "location",
            "STATE": "state",
            "BANDWIDTHS": "bandwidths",
        },
    ),
    (
        "Direct Connect gateways",
        "gateways",
        {"ID": "id", "NAME": "name", "STATE": "state", "ASN": "asn", "ASSOCIATIONS": "associations"},
    ),
)


def account_view(account: dict[str, Any]) -> Group:
    tables = []
    for title, key, fields in ACCOUNT_SECTIONS:
        table = columns(title.format(region=account.get("region")), *fields)
        for item in account.get(key) or []:
            table.add_row(*(cell(item.get(field)) for field in fields.values()))
        tables.append(table)
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
    return Group(*tables, verdict, *listed)
