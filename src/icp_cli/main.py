"""`icp`: the operator command. A client of the REST API (api/openapi.yaml), so it works the
same against a deployed stack and against the local cloud (`icp local serve`)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from icp.models import ConnectionType
from icp.status import Status

from icp_cli import render
from icp_cli.admin import admin_group
from icp_cli.client import EXIT_FAILED, EXIT_USAGE, ApiError, CliError
from icp_cli.formatting import parse_time
from icp_cli.target import Api, target_options

HELP = """Interconnect Control Plane: request, watch and operate AWS Interconnect connections.

\b
Where the API is (every command but `local`):
  --endpoint URL (or ICP_ENDPOINT)   e.g. http://127.0.0.1:8080 from `icp local serve`
  --stack NAME [--region R] [--profile P]
                                     the ApiUrl output of a deployed stack
Requests are signed with SigV4 (execute-api) with your AWS credentials;
a loopback endpoint is signed with a fake pair when there are none.

\b
Exit codes:
  0  ok
  1  an operation failed (conflict, API unreachable, server error),
     `watch` ended in failure or timed out, `doctor` found problems
  2  usage error: bad arguments, an invalid request (field and rule named)
  3  not found: no such connection
  4  no stack found, no ApiUrl output, no credentials, or the caller refused
"""


def _api_command(name: str, **settings: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A command that talks to the API: target options, `--output`, and errors printed (as
    JSON with `--output json`) and turned into the exit code."""

    def decorate(function: Callable[..., Any]) -> click.Command:
        @functools.wraps(function)
        @click.pass_context
        def run(
            ctx: click.Context,
            endpoint: str | None,
            stack: str | None,
            region: str | None,
            profile: str | None,
            output: str,
            **kwargs: Any,
        ) -> None:
            try:
                api = Api(ctx, endpoint, stack, region, profile)
                code = function(api, output=output, **kwargs)
            except CliError as error:
                render.show_error(error, output)
                code = error.exit_code
            if code:
                ctx.exit(code)

        return cli.command(name, **settings)(target_options(run))

    return decorate


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    pass


def _out(output: str, data: Any, view: Callable[[], Any]) -> None:
    if output == "json":
        render.emit_json(data)
    else:
        render.make_console().print(view())


# -- request ---------------------------------------------------------------------------------------
@_api_command("request", short_help="Check a request file, show the plan, and submit it.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Stop after the checks and the plan; submit nothing.")
def request_command(api: Api, output: str, file: Path, dry_run: bool) -> int:
    """Check FILE (a request, as YAML or JSON: docs/events.md) with the control plane's own rules,
    show what provisioning will create, then POST it to /v1/connections."""
    from icp_cli.plan import read_request
    from icp_cli.submit import submit

    return submit(lambda: api.client, output, read_request(file), str(file), dry_run)


@_api_command("accept", short_help="Accept a partner's activation key (a proposal) for a request file.")
@click.argument("key", metavar="KEY")
@click.option(
    "--file",
    "file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rest of the request (YAML or JSON); bandwidth and remoteLocation may be left to the proposal.",
)
@click.option("--dry-run", is_flag=True, help="Stop after the checks and the plan; submit nothing.")
def accept_command(api: Api, output: str, key: str, file: Path, dry_run: bool) -> int:
    """Submit FILE with KEY, an activation key generated on the partner's side (for Google Cloud, a
    transport's generated key), as its activationKey: the control plane accepts the proposal
    rather than creating a connection (README, "Proposals"). The key is never printed."""
    from icp_cli.plan import read_request
    from icp_cli.submit import submit

    return submit(
        lambda: api.client, output, {**read_request(file), "activationKey": key}, str(file), dry_run
    )


# -- list / show ----------------------------------------------------------------------------------
@_api_command("list", short_help="List connections.")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only this status.")
@click.option("--type", "kind", type=click.Choice([t.value for t in ConnectionType]), help="Only this type.")
@click.option("--aws-region", metavar="REGION", help="Only connections in this AWS Region.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (default: all).")
def list_command(
    api: Api, output: str, status: str | None, kind: str | None, aws_region: str | None, limit: int | None
) -> int:
    """Connections, by status then age: id, type, pair, bandwidth, status, AWS state and age.
    Every page is fetched unless --limit stops it. (--region names the stack's Region.)"""
    filters = {"status": status or "", "type": kind or "", "region": aws_region or ""}
    listed = api.client.connection_list(filters, most=limit)
    records = listed["connections"]
    # Ages on the control plane's own clock (the local cloud's is simulated).
    now = parse_time(listed.get("asOf"))
    more = {"nextToken": listed["nextToken"]} if listed.get("nextToken") else {}
    _out(output, {"connections": records, **more}, lambda: render.connections_view(records, now, bool(more)))
    return 0


def _execution_or_none(api: Api, connection_id: str) -> dict[str, Any] | None:
    try:
        return api.client.execution(connection_id)
    except ApiError as error:
        if error.status == 404 and error.rule == "has-execution":
            return None
        raise


@_api_command("show", short_help="One connection: record, history, current execution.")
@click.argument("connection_id", metavar="ID")
@click.option(
    "--history",
    type=click.Choice(["recent", "all"]),
    default="recent",
    show_default=True,
    help="recent: the newest 100 entries; all: every entry (read a page at a time).",
)
def show_command(api: Api, output: str, connection_id: str, history: str) -> int:
    """The record of ID (a connectionId or requestId), its history, and its current
    execution with the step it is at."""
    record = api.client.connection(connection_id)
    if history == "all" and record.get("historyTruncated"):
        record = {**record, "history": api.client.history(connection_id), "historyTruncated": False}
    execution = _execution_or_none(api, connection_id)
    _out(
        output,
        {"connection": record, "execution": execution},
        lambda: render.connection_view(record, execution),
    )
    return 0


# -- watch -----------------------------------------------------------------------------------------
def _seconds(
    name: str, text: str, *, default: float | None, minimum: float = 0
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option that takes a number of seconds, at least ``minimum``."""
    return click.option(
        name, type=click.FloatRange(min=minimum), default=default, show_default=default is not None, help=text
    )


@_api_command("watch", short_help="Follow a connection's execution step by step.")
@click.argument("connection_id", metavar="ID")
@_seconds("--interval", "Seconds between polls.", default=2.0, minimum=0.01)
@_seconds("--timeout", "Give up (exit 1) after this many seconds.", default=None)
@_seconds(
    "--grace", "Seconds to wait for a connection just requested to appear before `not found`.", default=10.0
)
def watch_command(
    api: Api, output: str, connection_id: str, interval: float, timeout: float | None, grace: float
) -> int:
    """Poll the current execution of ID every --interval seconds and show its steps as they
    pass, with each step's elapsed time and what a waiting step waits on. Ends when the
    execution is no longer RUNNING: exit 0 on SUCCEEDED, 1 otherwise."""
    from icp_cli.watch import watch

    return watch(api.client, connection_id, output=output, interval=interval, timeout=timeout, grace=grace)


# -- approvals, retry, resize, decommission -----------------------------------------------------------
def _done(output: str, answer: dict[str, Any], line: str) -> int:
    if output == "json":
        render.emit_json(answer)
    else:
        click.echo(line)
    return 0


@_api_command("approve", short_help="Approve a request held by the approval gate.")
@click.argument("connection_id", metavar="ID")
@click.option("--reason", help="Recorded in the history.")
def approve_command(api: Api, output: str, connection_id: str, reason: str | None) -> int:
    """Approve ID, waiting in `Wait For Approval`: provisioning goes on."""
    answer = api.client.decide(connection_id, True, reason)
    return _done(
        output, answer, f"{answer.get('connectionId')}: {answer.get('decision')}; provisioning goes on"
    )


@_api_command("reject", short_help="Reject a request held by the approval gate.")
@click.argument("connection_id", metavar="ID")
@click.option("--reason", required=True, help="Why (recorded in the history and the status reason).")
def reject_command(api: Api, output: str, connection_id: str, reason: str) -> int:
    """Reject ID, waiting in `Wait For Approval`: it ends REJECTED with nothing created."""
    answer = api.client.decide(connection_id, False, reason)
    return _done(output, answer, f"{answer.get('connectionId')}: {answer.get('decision')}: {reason}")


@_api_command("retry", short_help="Provision a FAILED connection again.")
@click.argument("connection_id", metavar="ID")
def retry_command(api: Api, output: str, connection_id: str) -> int:
    """Start a new provision run for ID, which must be FAILED."""
    answer = api.client.retry(connection_id)
    return _done(
        output, answer, f"{answer.get('connectionId')}: retrying; execution {answer.get('executionArn')}"
    )


@_api_command("resize", short_help="Change a connection's bandwidth.")
@click.argument("connection_id", metavar="ID")
@click.argument("bandwidth")
def resize_command(api: Api, output: str, connection_id: str, bandwidth: str) -> int:
    """Resize ID in place to BANDWIDTH (e.g. 2Gbps), one the environment offers."""
    answer = api.client.resize(connection_id, bandwidth)
    return _done(
        output,
        answer,
        f"{answer.get('connectionId')}: {answer.get('status')} to "
        f"{answer.get('bandwidth') or bandwidth}; execution {answer.get('executionArn')}",
    )


@_api_command("drill", short_help="Run a failover drill: routes to the backup path and back.")
@click.argument("connection_id", metavar="ID")
@click.option("--reason", help="Recorded in the history.")
def drill_command(api: Api, output: str, connection_id: str, reason: str | None) -> int:
    """Fail ID's routes over to its backup path (aws.backupTarget), verify them, then bring them
    back and verify again: a route table change, not an outage. ID must be ACTIVE; follow it
    with `icp show ID` or `icp watch ID`."""
    answer = api.client.drill(connection_id, reason)
    return _done(
        output,
        answer,
        f"{answer.get('connectionId')}: failover drill started; execution {answer.get('executionArn')}",
    )


@_api_command("decommission", short_help="Take a connection down and remove what it used.")
@click.argument("connection_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed when not interactive).")
def decommission_command(api: Api, output: str, connection_id: str, yes: bool) -> int:
    """Decommission ID: routes withdrawn, the connection deleted, a gateway the control plane
    created removed."""
    if not yes:
        if not _interactive():
            raise CliError(
                f"refusing to decommission {connection_id} without --yes in a non-interactive run",
                EXIT_USAGE,
                error="ConfirmationRequired",
            )
        if not click.confirm(f"Decommission {connection_id}? Its traffic stops", default=False):
            raise CliError("not decommissioned", EXIT_FAILED, error="Cancelled")
    answer = api.client.decommission(connection_id)
    return _done(
        output,
        answer,
        f"{answer.get('connectionId')}: {answer.get('status')}; execution {answer.get('executionArn')}",
    )


def _interactive() -> bool:
    return sys.stdin.isatty()


# -- doctor ----------------------------------------------------------------------------------------
@_api_command("doctor", short_help="Quotas left, environments, gateways and problems.")
def doctor_command(api: Api, output: str) -> int:
    """What the account has left of each quota, the environments and their state, the Direct
    Connect gateways, and anything that would make the next request fail (exit 1 if any)."""
    account = api.client.account(api.region)
    _out(output, account, lambda: render.account_view(account))
    return EXIT_FAILED if account.get("problems") else 0


# -- local -------------------------------------------------------------------------------------------
@cli.group("local", short_help="The local cloud: everything on this machine, no AWS account.")
def local_group() -> None:
    """The local cloud: everything on this machine, no AWS account."""


@local_group.command("demo", short_help="Provision a multicloud and a last-mile connection to ACTIVE.")
@click.pass_context
def local_demo(ctx: click.Context) -> None:
    """Provision a multicloud and a last-mile connection to ACTIVE in the local cloud."""
    from icp_local.demo import run

    ctx.exit(run(operator=main))


@local_group.command("serve", short_help="Serve the REST API on loopback with the local cloud behind it.")
@click.option("--port", type=int, default=8080, show_default=True, help="Loopback port.")
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Create a local network (transit gateway, route table, backup VPN) and write a multicloud "
    "request aimed at it to FILE (for `icp request FILE` or the acceptance suite).",
)
@click.pass_context
def local_serve(ctx: click.Context, port: int, scenario: Path | None) -> None:
    """Serve the REST API on loopback with the local cloud behind it (Ctrl-C stops)."""
    from icp_local.serve import serve as serve_api

    ctx.exit(serve_api(port, scenario=scenario))


cli.add_command(admin_group)


def main(argv: list[str] | None = None) -> int:
    """The `icp` entry point: runs the command line ``argv`` (default: sys.argv[1:]) and returns
    its exit code."""
    try:
        result = cli.main(args=argv, prog_name="icp", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        return EXIT_FAILED
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
