"""Shared test setup. Nothing in the tests may reach an address outside loopback: any name
lookup or socket connection off loopback fails the test (boto3, urllib and requests go
through these; gRPC has its own resolver and is only ever given loopback targets)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise AssertionError(f"a test tried to reach {address[0]}")
        return connect(sock, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            raise AssertionError(f"a test tried to resolve {host}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


# --- the suite's IAM ledger (issue 9): every (function, action) pair the local clouds running
# template.yaml were allowed, and every call they were refused, across all workers.
def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller; xdist workers inherit the variable
        import os
        import tempfile
        from pathlib import Path

        ledger = Path(tempfile.mkdtemp(prefix="icp-iam-")) / "ledger.jsonl"
        os.environ["ICP_IAM_LEDGER"] = str(ledger)
        config.stash[_LEDGER] = ledger


_LEDGER = pytest.StashKey["Any"]()
# Granted for code paths the suite does not reach (each named); any other grant that no function
# uses in a full run fails it: the template is trimmed to what the functions call.
NOT_REACHED_BY_THE_SUITE = {
    "directconnect:UpdateDirectConnectGatewayAssociation": "icp/aws/directconnect.py ensure_association: an existing association lacking some prefixes",
    "ec2:ReplaceRoute": "icp/aws/ec2_routes.py put_routes: a VPC route table that already routes the CIDR",
    # Parents of child workflows (statemachines/*.asl.json with startExecution.sync:2): AWS makes these
    # calls on the parent's role; the local cloud follows children on its clock instead
    # (docs/conformance.md, "Child workflows").
    "states:StopExecution": "a parent stopped while its child runs: AWS stops the child",
    "events:PutRule": "AWS's managed rule StepFunctionsGetEventsForStepFunctionsExecutionRule",
    "events:PutTargets": "AWS's managed rule StepFunctionsGetEventsForStepFunctionsExecutionRule",
    "events:DescribeRule": "AWS's managed rule StepFunctionsGetEventsForStepFunctionsExecutionRule",
}


def _ledger_report(config: pytest.Config) -> dict[str, Any] | None:
    import json

    ledger = config.stash.get(_LEDGER, None)
    if ledger is None or not ledger.exists():
        return None
    entries = [json.loads(line) for line in ledger.read_text().splitlines() if line]
    used: dict[str, set[str]] = {}
    denials: set[tuple[str, ...]] = set()
    kinds: dict[str, str] = {}
    for entry in entries:
        kinds.update(entry["kinds"])
        for principal, action in entry["calls"]:
            used.setdefault(principal, set()).add(action)
        denials.update(tuple(d) for d in entry["denials"])
    from icp_local.cloud import DEFAULT_TEMPLATE
    from icp_local.sar import role_policies
    from icp_local.template import translate

    resources = translate(DEFAULT_TEMPLATE, "us-east-1")["Resources"]
    unused: dict[str, list[str]] = {}
    for logical, kind in sorted(kinds.items()):
        policies = role_policies(resources, f"{logical}Role") if f"{logical}Role" in resources else []
        # SAM's DeadLetterQueuePolicy is for the failures Lambda sends on, which a green run may not have.
        granted = {
            a
            for name, document in policies
            if name != "DeadLetterQueuePolicy"
            for s in document["Statement"]
            if s.get("Effect") == "Allow"
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        if kind == "function" and granted - used.get(logical, set()):
            unused[logical] = sorted(granted - used.get(logical, set()))
    pairs = sum(len(actions) for principal, actions in used.items() if kinds.get(principal) == "function")
    used_anywhere = {action for actions in used.values() for action in actions}
    never_used = sorted(
        {a for actions in unused.values() for a in actions} - used_anywhere - set(NOT_REACHED_BY_THE_SUITE)
    )
    return {
        "clouds": len(entries),
        "pairs": pairs,
        "denials": sorted(denials),
        "unused": unused,
        "neverUsed": never_used,
    }


def _full_run(session: pytest.Session) -> bool:
    """The whole suite ran, and passed: only then is "no function used it" meaningful."""
    from pathlib import Path

    option = session.config.option
    if option.keyword or option.markexpr or getattr(option, "lf", False) or getattr(option, "deselect", None):
        return False
    roots = {Path(session.config.rootpath, p).resolve() for p in session.config.getini("testpaths")}
    given = {
        Path(session.config.invocation_params.dir, a.split("::")[0]).resolve() for a in session.config.args
    }
    return given == roots and session.testsfailed == 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A call refused by its own role in any run of template.yaml fails the suite, even where the
    test itself tolerated the failure."""
    if hasattr(session.config, "workerinput"):
        return
    report = _ledger_report(session.config)
    session.config.stash[_REPORT] = report
    if report:
        report["full"] = _full_run(session)
    if report and (report["denials"] or (report["full"] and report["neverUsed"])):
        report["failed"] = True
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_REPORT = pytest.StashKey["Any"]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    report = config.stash.get(_REPORT, None)
    if not report:
        return
    write = terminalreporter.write_line
    write(
        f"IAM ledger: {report['clouds']} local clouds of template.yaml, {report['pairs']} (function, action) "
        f"pairs allowed, {len(report['denials'])} refused"
    )
    for principal, action, resource in report["denials"]:
        write(f"  REFUSED {principal} {action} on {resource}", red=True)
    if not report["full"]:
        return  # what a part of the suite did not call says nothing
    for action in report["neverUsed"]:
        write(
            f"  GRANTED BUT USED BY NO FUNCTION: {action} (trim it, or name the path in "
            "tests/conftest.py NOT_REACHED_BY_THE_SUITE)",
            red=True,
        )
    if report["unused"]:
        write(
            f"  granted but called by no function in this run: {sum(map(len, report['unused'].values()))} "
            "(function: actions)"
        )
        for function, actions in report["unused"].items():
            write(f"    {function}: {', '.join(actions)}")
