"""Helpers for the `icp` tests: the local cloud behind its REST API on loopback, and the CLI
run in-process (click's CliRunner) against it with `--endpoint`."""

from __future__ import annotations

import copy
import json
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import icp.observability
import yaml
from click.testing import CliRunner, Result

from icp_cli.main import cli
from icp_local import LocalCloud
from icp_local.http_server import LocalApiServer
from icp_local.scenario import Network, request_for


def icp(*args: str, input: str | None = None) -> Result:
    """Run `icp ARGS` in-process; stdout and stderr are kept apart (result.stdout, result.stderr)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def icp_json(*args: str) -> Any:
    result = icp(*args, "--output", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@dataclass
class Local:
    """The local cloud and the URL of its REST API."""

    cloud: LocalCloud
    url: str

    def icp(self, *args: str, input: str | None = None) -> Result:
        return icp(*args, "--endpoint", self.url, input=input)

    def icp_json(self, *args: str) -> Any:
        return icp_json(*args, "--endpoint", self.url)

    def submit(self, request: dict[str, Any]) -> str:
        status, answer = self.cloud.api("POST", "/v1/connections", json=request)
        assert status == 202, answer
        return str(answer["connectionId"])


@contextmanager
def serving(parameters: dict[str, str] | None = None) -> Iterator[Local]:
    with (
        LocalCloud(parameters={"LogLevel": "WARNING", **(parameters or {})}) as cloud,
        LocalApiServer(cloud) as server,
    ):
        yield Local(cloud, server.url)


def multicloud(network: Network, n: int, **changes: Any) -> dict[str, Any]:
    """The multicloud sample aimed at ``network``, made distinct by ``n``: its own requestId,
    gateway name and CIDRs on both sides (so it overlaps no other test's connection)."""
    request = request_for("multicloud-request", network, requestId=f"REQ-CLI-MC-{n}", **changes)
    request["attachPoint"] = {"createGateway": {"name": f"icp-cli-{n}", "amazonSideAsn": 64512}}
    request["aws"]["cidrs"] = [f"10.{100 + n}.0.0/16"]
    request["remote"]["cidrs"] = [f"172.{16 + n}.0.0/16"]
    return request


def last_mile(network: Network, n: int, **changes: Any) -> dict[str, Any]:
    request = request_for("last-mile-request", network, requestId=f"REQ-CLI-LM-{n}", **changes)
    request["aws"]["cidrs"] = [f"10.{200 + n}.0.0/16"]
    request["remote"]["cidrs"] = [f"192.168.{4 * n}.0/22"]
    return request


def write_request(directory: Path, request: dict[str, Any], suffix: str = ".yaml") -> Path:
    path = directory / f"{request.get('requestId', 'request')}{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(request, indent=2))
    else:
        path.write_text(yaml.safe_dump(copy.deepcopy(request), sort_keys=False))
    return path


def free_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Lines:
    """The stdout of a running process, line by line, readable while it runs."""

    def __init__(self, process: subprocess.Popen[str]):
        self.process = process
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: Callable[[str], bool], timeout: float = 30.0) -> str:
        for line in self.seen:
            if wanted(line):
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if line is None:
                break
            self.seen.append(line)
            if wanted(line):
                return line
        raise AssertionError("no such line; output so far:\n" + "\n".join(self.seen))

    def rest(self, timeout: float = 30.0) -> list[str]:
        """Every line up to the end of the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            if line is None:
                return self.seen
            self.seen.append(line)
        raise AssertionError("the output did not end; so far:\n" + "\n".join(self.seen))
