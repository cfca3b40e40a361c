"""`icp local demo`: three connections from request to ACTIVE through the real state machine: a
Google-initiated multicloud one (a proposal), a last-mile one, and one from a ServiceNow ticket."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
from icp.models import connection_id_for
from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from rich.console import Console
from rich.table import Table

from icp_local.cloud import LocalCloud
from icp_local.http_server import LocalApiServer
from icp_local.scenario import (
    Network,
    request_for,
    servicenow_ticket,
    transit_gateway_network,
    virtual_private_gateway_network,
)

REQUESTED = "Interconnect Connection Requested"


def _elapsed(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days}d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _signed_webhook(url: str, secret: str, ticket: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST a ticket the way ServiceNow's outbound REST message signs it."""
    body = json.dumps(ticket).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{url}/v1/webhooks/servicenow",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        },
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    with opener.open(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def _routes(network: Network) -> str:
    routes = boto3.client("ec2", region_name="us-east-1").search_transit_gateway_routes(
        TransitGatewayRouteTableId=network.route_table_id, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"]
    return ", ".join(
        f"{r['DestinationCidrBlock']} via {r['TransitGatewayAttachments'][0]['ResourceType']}"
        for r in routes
        if r.get("TransitGatewayAttachments")
    )


def _google_proposal(cloud: LocalCloud, request: dict[str, Any]) -> str:
    """The activation key a transport created on Google's side generates for ``request``'s network."""
    remote = request["remote"]
    return str(
        cloud.partner("google-cloud").propose(
            aws_region=request["awsRegion"],
            location="us-east4",
            bandwidth="2Gbps",
            project=remote["project"],
            network=remote["network"],
            cidrs=remote["cidrs"],
        )
    )


def _link_down_and_up(console: Console, cloud: LocalCloud, request: dict[str, Any], network: Network) -> bool:
    """The multicloud link goes down for ten minutes: remediation fails over to the VPN and back."""
    record = cloud.connection(request["requestId"])
    assert record is not None
    console.print()
    console.rule("[bold]The multicloud link goes down")
    console.print(f"routes before: {_routes(network)}")
    cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    cloud.advance(300)
    during = _routes(network)
    console.print(f"routes during: {during}")
    console.rule("[bold]The link comes back")
    cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    cloud.run_until_idle(timeout=90)
    after = _routes(network)
    console.print(f"routes after:  {after}")
    incidents = cloud.servicenow.tickets("incident")
    for incident in incidents:
        console.print(
            f"ServiceNow incident {incident['number']}: {incident['short_description']} "
            f"(state {incident['state']}: {'resolved' if incident['state'] == '6' else 'open'})"
        )
    return "vpn" in during and "direct-connect-gateway" in after and all(i["state"] == "6" for i in incidents)


def run(
    console: Console | None = None,
    inspect: Callable[[LocalCloud], None] | None = None,
    operator: Callable[[list[str]], object] | None = None,
) -> int:
    """The demo; ``operator(argv)`` runs an ``icp`` command (the CLI passes itself, so the demo
    shows the operator's view without importing the CLI); ``inspect(cloud)`` is called at its
    end, before the local cloud stops (tests read what it recorded)."""
    console = console or Console(width=max(Console().width, 110))
    started = time.monotonic()
    # The handlers' own JSON logs would drown the story; the status events tell it.
    with LocalCloud(parameters={"LogLevel": "WARNING"}) as cloud, LocalApiServer(cloud) as api:
        t0 = cloud.clock.time()
        names: dict[str, str] = {}

        def show(event: dict[str, Any]) -> None:
            detail = event["detail"]
            label = names.get(detail.get("connectionId", ""), detail.get("connectionId", ""))
            at = _elapsed(cloud.clock.time() - t0)
            if event["detail-type"] == "Interconnect Connection Status Changed":
                reason = f"  [dim]{detail.get('reason') or ''}[/dim]"
                console.print(
                    f"[cyan]{at:>11}[/cyan]  {label:<11} {detail.get('from') or '-':>19} → "
                    f"[bold]{detail['to']}[/bold]{reason}"
                )
            elif event["detail-type"] == "Interconnect Remediation Completed":
                console.print(
                    f"[cyan]{at:>11}[/cyan]  {label:<11} [magenta]remediation {detail['action']}: "
                    f"{detail['outcome']}[/magenta]"
                )
            elif event["detail-type"] == "Interconnect Link State Changed":
                console.print(
                    f"[cyan]{at:>11}[/cyan]  {label:<11} [dim]AWS link state {detail.get('from')} → "
                    f"{detail['to']}[/dim]"
                )

        cloud.on_event(show)
        console.rule("[bold]Interconnect Control Plane — local cloud demo")
        console.print(
            "Network: two us-east-1 transit gateways (multicloud) and a VPC with a virtual private gateway "
            "behind an existing Direct Connect gateway (last mile).\n"
        )
        tgw = transit_gateway_network()
        # Google-initiated (README, "Proposals"): a transport made on Google's side generates the key,
        # and the request carries it; bandwidth and location come from the proposal.
        multicloud = request_for("multicloud-proposal", tgw)
        multicloud["activationKey"] = _google_proposal(cloud, multicloud)
        console.print(
            "→ Google Cloud: a transport created in acme-network-prod/us-east4 (2Gbps, to aws-us-east-1)"
            " generates an activation key"
        )
        last_mile = request_for("last-mile-request", virtual_private_gateway_network())
        for label, request in (("multicloud", multicloud), ("last-mile", last_mile)):
            names[connection_id_for(request["requestId"])] = label
            what = (
                "accept the Google transport's key"
                if "activationKey" in request
                else f"{request['awsRegion']} ↔ {request['remoteLocation']} ({request['bandwidth']})"
            )
            console.print(f"→ EventBridge {REQUESTED}: {label} with {request['provider']}: {what}")
            cloud.put_event("com.example.network", REQUESTED, request)

        ticket = servicenow_ticket("request-item-multicloud", transit_gateway_network(cidr="10.40.0.0/16"))
        names[connection_id_for(ticket["sys_id"])] = "servicenow"
        status, answer = _signed_webhook(api.url, cloud.servicenow_webhook_secret, ticket)
        console.print(
            f"→ ServiceNow {ticket['number']} signed webhook over HTTP to {api.url}: "
            f"{status} {answer['connectionId']}"
        )
        cloud.partner("google-cloud").accept_after(3600)  # Google's side is set up an hour later
        cloud.partner("lumen").accept_after(3 * 86400)  # the partner takes three days to validate
        console.print()
        cloud.run_until_idle(timeout=90)
        ok = True

        ok &= _link_down_and_up(console, cloud, multicloud, tgw)

        table = Table(title="Connections", show_lines=False)
        for column in ("connection", "id", "AWS id", "status", "AWS state", "billing tier", "history"):
            table.add_column(column)
        for request_id, label in (
            (multicloud["requestId"], "multicloud"),
            (last_mile["requestId"], "last-mile"),
            (ticket["sys_id"], "servicenow"),
        ):
            record = cloud.connection(request_id)
            assert record is not None
            ok &= record["status"] == "ACTIVE"
            table.add_row(
                label,
                record["connectionId"],
                record["awsConnectionId"] or "-",
                record["status"],
                record["awsState"] or "-",
                str(record["billing"]["billingTier"]),
                str(len(record["history"])) + " transitions",
            )
        console.print()
        console.print(table)
        if operator is not None:
            # What an operator sees: the same `icp` commands, against this local cloud's API.
            console.print()
            console.rule("[bold]$ icp list")
            operator(["list", "--endpoint", api.url])
            console.rule(f"[bold]$ icp show {multicloud['requestId']}")
            operator(["show", multicloud["requestId"], "--endpoint", api.url])
        notes = cloud.servicenow.work_notes("sc_req_item", ticket["sys_id"])
        console.print(f"\nWork notes received by ServiceNow on {ticket['number']} ({len(notes)}):")
        for note in notes:
            console.print(f"  • {note.splitlines()[0]}")
        from_servicenow = cloud.connection(ticket["sys_id"])
        ok &= from_servicenow is not None and len(notes) == len(from_servicenow["history"])
        simulated = cloud.clock.time() - t0
        if inspect is not None:
            inspect(cloud)
    console.print(
        f"\nSimulated {_elapsed(simulated)} of waiting in {time.monotonic() - started:.1f} s of real time. "
        + ("[green]All three connections ACTIVE.[/green]" if ok else "[red]Something did not finish.[/red]")
    )
    return 0 if ok else 1
