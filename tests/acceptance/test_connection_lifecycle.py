"""The acceptance suite, as terraform-provider-aws proves its resources: one connection is
provisioned, drilled (its routes fail over to the backup path and come back: a route table
change, not an outage) and decommissioned through the API of a deployed stack, or of `icp local
serve` (tests/acceptance/conftest.py says which). Each step is reported with its elapsed time.

A connection is billed while it exists: whatever fails after it was requested, the test asks
for its decommissioning before it ends, and says so."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import REPORT, Target

from icp_cli.client import ApiError

pytestmark = pytest.mark.acceptance

ENDED = {"FAILED", "REJECTED", "DECOMMISSIONED"}


def wait_for(
    target: Target,
    connection_id: str,
    what: str,
    done: Callable[[dict[str, Any]], bool],
    allowed_ends: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Poll GET /v1/connections/{id} until ``done`` (bounded by the target's timeout); a
    status that ends the record otherwise fails at once with its reason. The record of a request
    just accepted may not exist yet (the provision workflow writes it): 404 means "not yet"."""
    deadline = time.monotonic() + target.timeout_seconds
    while True:
        try:
            record: dict[str, Any] = target.api.connection(connection_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
            record = {"status": "not recorded yet", "statusReason": exc.message}
        else:
            if done(record):
                return record
            if record["status"] in ENDED - allowed_ends:
                pytest.fail(f"{what}: {connection_id} ended {record['status']}: {record.get('statusReason')}")
        if time.monotonic() > deadline:
            pytest.fail(
                f"{what}: {connection_id} still {record['status']} ({record.get('statusReason')}) after "
                f"{target.timeout_seconds:.0f} s (ICP_ACCEPTANCE_TIMEOUT)"
            )
        time.sleep(target.poll_seconds)


def step(name: str, action: Callable[[], Any], detail: Callable[[Any], str] = lambda _: "") -> Any:
    started = time.monotonic()
    try:
        result = action()
    except BaseException as exc:
        REPORT.record(
            name, started, "failed", str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        )
        raise
    REPORT.record(name, started, "ok", detail(result))
    return result


def drill_entries(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [h for h in record["history"] if "failover drill" in (h.get("reason") or "")]


def test_the_api_answers_the_caller_and_names_an_unknown_connection(target: Target):
    def unknown() -> ApiError:
        with pytest.raises(ApiError) as refused:
            target.api.connection("icp-acceptance-no-such-request")
        assert (refused.value.status, refused.value.field) == (404, "connectionId")
        return refused.value

    step(
        "api reachable, signed",
        lambda: target.api.connection_list(),
        lambda listed: f"{len(listed['connections'])} connection(s)",
    )
    step("unknown id is 404", unknown, lambda error: f"{error.error}: {error.rule}")


def test_a_connection_is_provisioned_drilled_and_decommissioned_through_the_api(target: Target):
    request = target.request
    accepted = step(
        "request",
        lambda: target.api.create(request),
        lambda answer: f"{answer['connectionId']} ({request['requestId']})",
    )
    connection_id = accepted["connectionId"]
    decommissioning = False
    try:
        active = step(
            "provision to ACTIVE",
            lambda: wait_for(target, connection_id, "provisioning", lambda r: r["status"] == "ACTIVE"),
            lambda r: f"AWS {r['awsConnectionId']} {r['awsState']}",
        )
        assert active["awsState"] == "available"

        started = step(
            "drill requested",
            lambda: target.api.drill(connection_id, "acceptance suite"),
            lambda answer: answer["executionArn"].rsplit(":", 1)[-1],
        )
        assert started["action"] == "drill"
        drilled = step(
            "drill to ACTIVE again",
            lambda: wait_for(
                target,
                connection_id,
                "failover drill",
                lambda r: r["status"] == "ACTIVE" and any(h["to"] == "ACTIVE" for h in drill_entries(r)),
            ),
            lambda r: drill_entries(r)[-1]["reason"],
        )
        moves = [(h["from"], h["to"]) for h in drill_entries(drilled) if h["from"] != h["to"]]
        assert moves == [("ACTIVE", "DEGRADED"), ("DEGRADED", "ACTIVE")], drill_entries(drilled)
        assert "backup path" in drill_entries(drilled)[0]["reason"]

        step(
            "decommission requested",
            lambda: target.api.decommission(connection_id),
            lambda answer: answer["status"],
        )
        decommissioning = True
        gone = step(
            "decommission to DECOMMISSIONED",
            lambda: wait_for(
                target,
                connection_id,
                "decommissioning",
                lambda r: r["status"] == "DECOMMISSIONED",
                allowed_ends=frozenset({"DECOMMISSIONED"}),
            ),
            lambda r: r.get("statusReason") or "",
        )
        assert gone["status"] == "DECOMMISSIONED"
    finally:
        if not decommissioning:
            _clean_up(target, connection_id)


def _clean_up(target: Target, connection_id: str) -> None:
    """After a failure: the connection must not stay billed. Ask once; say how to finish by hand."""
    started = time.monotonic()
    hint = f"check it with `icp show {connection_id}`; if it is still there: `icp decommission {connection_id} --yes`"
    try:
        answer = target.api.decommission(connection_id)
    except ApiError as exc:
        REPORT.record("clean up", started, "failed", f"{exc.error}: {exc.message[:80]}; {hint}")
        return
    REPORT.record("clean up", started, "asked", f"decommission {answer.get('status')}; {hint}")
