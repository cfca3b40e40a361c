"""`icp local serve`: the REST API on loopback with the local cloud behind it, its clock
driven continuously, until Ctrl-C."""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml
from rich.console import Console

from icp_local.cloud import LocalCloud
from icp_local.http_server import LocalApiServer
from icp_local.scenario import request_for, transit_gateway_network

SECRET_FILE = Path(".icp-local") / "servicenow-webhook-secret"


def write_scenario(path: Path) -> Path:
    """A network in the local cloud (a transit gateway, its route table and a Site-to-Site VPN as
    the backup path) and, in ``path``, a multicloud request aimed at it: what the acceptance
    suite (tests/acceptance) and `icp request` need to run against `icp local serve`."""
    network = transit_gateway_network()
    request = request_for("multicloud-request", network)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(request, sort_keys=False))
    return path


def serve(
    port: int,
    console: Console | None = None,
    secret_file: Path = SECRET_FILE,
    run_for: float | None = None,
    scenario: Path | None = None,
) -> int:
    console = console or Console()
    with LocalCloud(parameters={"LogLevel": "WARNING"}) as cloud, LocalApiServer(cloud, port) as server:
        # The signing secret goes to a file only the user can read, never to the terminal.
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(cloud.servicenow_webhook_secret)
        os.chmod(secret_file, 0o600)
        if scenario is not None:
            console.print(
                f"a local network and a multicloud request aimed at it in {write_scenario(scenario)}"
            )
        console.print(
            f"Interconnect Control Plane API on [bold]{server.url}[/bold] (local cloud, simulated clock)"
        )
        console.print(
            f"ServiceNow webhook secret in {secret_file}; fake ServiceNow at {cloud.servicenow.url}"
        )
        console.print(
            "Operator routes want a SigV4 Authorization header (not verified locally). Ctrl-C stops."
        )
        started = time.monotonic()
        try:
            while run_for is None or time.monotonic() - started < run_for:
                cloud.run_until_idle(timeout=300)
                time.sleep(0.05)
        except KeyboardInterrupt:
            console.print("stopped")
    return 0
