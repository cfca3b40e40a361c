"""`icp request` and `icp accept`: check a request, show its plan, then submit it (README, "For
operators: `icp`")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icp_cli import render
from icp_cli.client import ApiClient
from icp_cli.plan import check_request, plan_for


def submit(api: Callable[[], ApiClient], output: str, raw: dict[str, Any], source: str, dry_run: bool) -> int:
    """Check ``raw`` (read from ``source``), show the plan, and unless ``dry_run`` POST it through
    ``api()`` (asked for only then: a dry run needs no endpoint). The request's activationKey, if
    any, is sent and never printed."""
    plan = plan_for(check_request(raw, source))
    if dry_run:
        if output == "json":
            render.emit_json({"dryRun": True, "plan": plan})
        else:
            render.make_console().print(render.plan_view(plan))
        return 0
    console = render.make_console()
    if output == "table":
        console.print(render.plan_view(plan))  # before submitting: shown even if the API refuses it
    client = api()
    answer = client.create(raw)
    status_url = client.url(str(answer.get("statusUrl") or f"/v1/connections/{answer.get('connectionId')}"))
    if output == "json":
        render.emit_json({"dryRun": False, "plan": plan, "accepted": {**answer, "statusUrl": status_url}})
    else:
        console.print(render.accepted_view(answer, status_url))
    return 0
