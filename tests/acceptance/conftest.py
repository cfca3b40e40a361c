"""Where the acceptance suite runs (README, "Acceptance tests in a real account").

- `ICP_ACCEPTANCE_STACK=<stack>`: a deployed stack, reached through its `ApiUrl` output with
  the caller's own AWS credentials (the usual AWS_PROFILE / AWS_REGION variables), with the
  request in `ICP_ACCEPTANCE_REQUEST=path.yaml`. Skipped when no credentials are found.
- `ICP_ACCEPTANCE_LOCAL=1`: `icp local serve --scenario` in a subprocess (its own local network
  and request), or an already running one named by `ICP_ACCEPTANCE_ENDPOINT` with
  `ICP_ACCEPTANCE_REQUEST`. `make test` runs it this way so the suite cannot rot.
- Neither: every test is skipped, saying so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from icp_cli.client import ApiClient, CliError, resolve_target

STACK = os.environ.get("ICP_ACCEPTANCE_STACK", "")
LOCAL = os.environ.get("ICP_ACCEPTANCE_LOCAL", "") == "1"
NO_TARGET = (
    "acceptance tests need a target: ICP_ACCEPTANCE_STACK=<stack> with ICP_ACCEPTANCE_REQUEST=<file> "
    "(a real account: `make acceptance STACK=<stack>`), or ICP_ACCEPTANCE_LOCAL=1 (`make acceptance`)"
)
SERVE_START_SECONDS = 120.0


@dataclass
class Step:
    name: str
    seconds: float
    outcome: str
    detail: str = ""


@dataclass
class Report:
    """Each step with its elapsed time, printed as a table at the end of the run."""

    target: str = ""
    steps: list[Step] = field(default_factory=list)

    def record(self, name: str, started: float, outcome: str, detail: str = "") -> None:
        step = Step(name, time.monotonic() - started, outcome, detail)
        self.steps.append(step)
        print(f"[{step.seconds:9.1f}s] {name:<30} {outcome:<7} {detail}", flush=True)


REPORT = Report()


@dataclass(frozen=True)
class Target:
    api: ApiClient
    request: dict[str, Any]
    described_as: str
    poll_seconds: float
    timeout_seconds: float  # for each wait (provisioning, drill, decommissioning)


if STACK:

    @pytest.fixture(autouse=True)
    def _no_network_beyond_loopback() -> None:
        """Replaces the suite's loopback guard (tests/conftest.py): a real stack is the point here."""


def _request(path: str, run_id: str) -> dict[str, Any]:
    """The request file, with a requestId of this run's own: the same requestId twice is one
    connection, and a decommissioned one is not provisioned again."""
    request = yaml.safe_load(Path(path).read_text())
    if not isinstance(request, dict):
        raise pytest.UsageError(
            f"ICP_ACCEPTANCE_REQUEST={path}: not a request (a YAML mapping: docs/events.md)"
        )
    request["requestId"] = f"{request.get('requestId') or 'icp-acceptance'}-{run_id}"[:128]
    return request


def _real_target() -> Target:
    import boto3

    if boto3.Session().get_credentials() is None:
        pytest.skip(
            f"no AWS credentials found to reach stack {STACK!r} (set AWS_PROFILE, or the AWS_* variables)"
        )
    path = os.environ.get("ICP_ACCEPTANCE_REQUEST")
    if not path:
        pytest.fail(
            "ICP_ACCEPTANCE_REQUEST=path.yaml is needed: the request naming your sandbox's gateway, route "
            "table, backup VPN and Google project (README, 'Acceptance tests in a real account')"
        )
    try:
        target = resolve_target(None, STACK, None, None)
    except CliError as exc:
        pytest.fail(f"stack {STACK!r}: {exc.message}")
    return Target(
        ApiClient(target),
        _request(path, time.strftime("%Y%m%d%H%M%S", time.gmtime())),
        target.described_as,
        float(os.environ.get("ICP_ACCEPTANCE_POLL_SECONDS", "30")),
        float(os.environ.get("ICP_ACCEPTANCE_TIMEOUT", str(4 * 3600))),
    )


# Module-scoped: the server stops once this module's tests are done, not when the whole run ends
# (under xdist each worker that runs one of them starts its own).
@pytest.fixture(scope="module")
def _local_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`icp local serve --scenario` in a subprocess: its URL and the request file it wrote."""
    endpoint = os.environ.get("ICP_ACCEPTANCE_ENDPOINT")
    if endpoint:
        yield (
            endpoint,
            os.environ.get("ICP_ACCEPTANCE_REQUEST")
            or pytest.fail(
                "ICP_ACCEPTANCE_ENDPOINT needs ICP_ACCEPTANCE_REQUEST (e.g. the file `icp local serve --scenario` wrote)"
            ),
        )
        return
    workdir = tmp_path_factory.mktemp("serve")
    scenario = workdir / "request.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "icp_cli", "local", "serve", "--port", "0", "--scenario", str(scenario)],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + SERVE_START_SECONDS
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if " API on " in line:
            url = line.split(" API on ", 1)[1].split()[0]
    try:
        if url is None:
            pytest.fail("icp local serve did not start:\n" + "\n".join(lines))
        yield url, str(scenario)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C: serve stops its local cloud cleanly
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest) -> Target:
    if STACK:
        chosen = _real_target()
    elif LOCAL:
        url, path = request.getfixturevalue("_local_serve")
        api = ApiClient(resolve_target(url, None, None, None))
        chosen = Target(
            api,
            _request(path, "local"),
            f"icp local serve at {url}",
            float(os.environ.get("ICP_ACCEPTANCE_POLL_SECONDS", "0.2")),
            float(os.environ.get("ICP_ACCEPTANCE_TIMEOUT", "120")),
        )
    else:
        pytest.skip(NO_TARGET)
    REPORT.target = chosen.described_as
    return chosen


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT.steps:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"acceptance steps against {REPORT.target}")
    write(f"{'step':<30} {'outcome':<8} {'elapsed':>10}  detail")
    for step in REPORT.steps:
        write(
            f"{step.name:<30} {step.outcome:<8} {step.seconds:>9.1f}s  {step.detail}",
            red=step.outcome != "ok",
            green=step.outcome == "ok",
        )
