"""The REST API, the ServiceNow webhook and partner callbacks, in the local cloud."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from icp_local import LocalCloud
from icp_local.scenario import (
    Network,
    request_for,
    servicenow_ticket,
    transit_gateway_network,
    virtual_private_gateway_network,
)

READ_ONLY = ("Get", "List", "Describe", "Search", "Scan", "Query", "BatchGet")


def signed(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(secret, stamp, body),
    }


def webhook(cloud: LocalCloud, ticket: dict[str, Any] | bytes, **headers: str) -> tuple[int, Any]:
    body = ticket if isinstance(ticket, bytes) else json.dumps(ticket).encode()
    return cloud.api(
        "POST",
        "/v1/webhooks/servicenow",
        body=body,
        headers={**signed(cloud.servicenow_webhook_secret, body), **headers},
        signed=False,
    )


def mutating_calls(cloud: LocalCloud, before: dict[tuple[str, str], int]) -> list[str]:
    return [
        f"{service}.{op}"
        for (service, op), n in cloud.api_calls.items()
        if n > before.get((service, op), 0) and not op.startswith(READ_ONLY)
    ]


@pytest.fixture
def ticket(local_cloud: LocalCloud) -> dict[str, Any]:
    return servicenow_ticket("request-item-multicloud", transit_gateway_network(cidr="10.40.0.0/16"))


class Raw(str):
    """A body sent as it is, not the changed request."""


def _rest(change: Callable[[dict[str, Any]], Any]) -> Callable[[LocalCloud, dict[str, Any]], tuple[int, Any]]:
    def call(cloud: LocalCloud, request: dict[str, Any]) -> tuple[int, Any]:
        changed = copy.deepcopy(request)
        result = change(changed)
        body = result if isinstance(result, Raw) else json.dumps(changed)
        return cloud.api("POST", "/v1/connections", body=body, headers={"Content-Type": "application/json"})

    return call


BAD_REQUESTS = [
    ("malformed JSON", _rest(lambda r: Raw("{not json")), 400, "body", "json_invalid"),
    (
        "body over 64 KiB",
        _rest(lambda r: Raw(json.dumps({**r, "pad": "x" * 70_000}))),
        413,
        "body",
        "max-64KiB",
    ),
    ("unknown field", _rest(lambda r: r.update(color="blue")), 400, "color", "extra_forbidden"),
    ("missing field", _rest(lambda r: r.pop("bandwidth")), 400, "bandwidth", "missing"),
    (
        "invalid CIDR",
        _rest(lambda r: r["aws"].update(cidrs=["10.0.0.1/16"])),
        400,
        "aws.cidrs",
        "value_error",
    ),
    (
        "overlapping CIDR",
        _rest(lambda r: r["remote"].update(cidrs=["10.10.4.0/24"])),
        422,
        "remote.cidrs",
        "no-overlap",
    ),
    (
        "unsupported region pair",
        _rest(lambda r: r.update(remoteLocation="asia-east1")),
        422,
        "remoteLocation",
        "supported-pair",
    ),
    (
        "bandwidth not offered",
        _rest(lambda r: r.update(bandwidth="3Gbps")),
        422,
        "bandwidth",
        "offered-bandwidth",
    ),
]


@pytest.mark.default_reading
@pytest.mark.parametrize(
    ("case", "call", "status", "field", "rule"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS]
)
def test_a_bad_request_is_refused_naming_the_field_and_rule_with_nothing_written(
    local_cloud: LocalCloud,
    tgw: Network,
    case: str,
    call: Callable[..., tuple[int, Any]],
    status: int,
    field: str,
    rule: str,
):
    before = dict(local_cloud.api_calls)
    answer_status, body = call(local_cloud, request_for("multicloud-request", tgw))
    assert answer_status == status, body
    assert (body["field"], body["rule"]) == (field, rule), body
    assert local_cloud.connections() == [] and local_cloud.executions() == []
    assert mutating_calls(local_cloud, before) == []


BAD_WEBHOOKS = [
    (
        "no signature",
        lambda secret, body: {"Content-Type": "application/json"},
        401,
        SIGNATURE_HEADER,
        "required",
    ),
    (
        "wrong signature",
        lambda secret, body: signed("not-the-secret", body),
        401,
        SIGNATURE_HEADER,
        "hmac-sha256",
    ),
    (
        "timestamp outside the window",
        lambda secret, body: signed(secret, body, int(time.time()) - 301),
        401,
        TIMESTAMP_HEADER,
        "replay-window",
    ),
]


@pytest.mark.parametrize(
    ("case", "headers", "status", "field", "rule"), BAD_WEBHOOKS, ids=[b[0] for b in BAD_WEBHOOKS]
)
def test_a_webhook_that_is_not_properly_signed_is_refused_with_nothing_written(
    local_cloud: LocalCloud,
    ticket: dict[str, Any],
    case: str,
    headers: Callable[..., dict[str, str]],
    status: int,
    field: str,
    rule: str,
):
    before = dict(local_cloud.api_calls)
    body = json.dumps(ticket).encode()
    answer_status, answer = local_cloud.api(
        "POST",
        "/v1/webhooks/servicenow",
        body=body,
        headers=headers(local_cloud.servicenow_webhook_secret, body),
        signed=False,
    )
    assert (answer_status, answer["field"], answer["rule"]) == (status, field, rule)
    assert local_cloud.connections() == [] and local_cloud.executions() == []
    assert mutating_calls(local_cloud, before) == []


@pytest.mark.default_reading
@pytest.mark.parametrize(
    ("body", "status", "field", "rule"),
    [
        (b"{not json", 400, "body", "json"),
        (b"[1, 2]", 400, "body", "json-object"),
        (b"{" + b" " * 70_000 + b"}", 413, "body", "max-64KiB"),
    ],
    ids=["malformed JSON", "not an object", "body over 64 KiB"],
)
def test_a_signed_but_malformed_webhook_is_refused(
    local_cloud: LocalCloud, body: bytes, status: int, field: str, rule: str
):
    answer_status, answer = webhook(local_cloud, body)
    assert (answer_status, answer["field"], answer["rule"]) == (status, field, rule)
    assert local_cloud.connections() == [] and local_cloud.executions() == []


def test_a_webhook_with_an_unknown_variable_names_it(local_cloud: LocalCloud, ticket: dict[str, Any]):
    ticket["variables"]["colour"] = "blue"
    status, answer = webhook(local_cloud, ticket)
    assert (status, answer["field"], answer["rule"]) == (400, "variables.colour", "unknown")
    assert local_cloud.executions() == []


def test_a_replayed_webhook_is_refused(local_cloud: LocalCloud, ticket: dict[str, Any]):
    body = json.dumps(ticket).encode()
    headers = signed(local_cloud.servicenow_webhook_secret, body)
    first = local_cloud.api("POST", "/v1/webhooks/servicenow", body=body, headers=headers, signed=False)
    again = local_cloud.api("POST", "/v1/webhooks/servicenow", body=body, headers=headers, signed=False)
    assert first[0] == 202
    assert (again[0], again[1]["rule"]) == (401, "once-only")
    assert len(local_cloud.executions()) == 1


def test_a_servicenow_ticket_becomes_an_active_connection_with_its_work_notes(
    local_cloud: LocalCloud, ticket: dict[str, Any]
):
    status, answer = webhook(local_cloud, ticket)
    assert status == 202 and answer["statusUrl"] == f"/v1/connections/{answer['connectionId']}"
    local_cloud.run_until_idle()

    status, record = local_cloud.api("GET", answer["statusUrl"])
    assert status == 200 and record["status"] == "ACTIVE"
    assert record["requestId"] == ticket["sys_id"]
    assert ticket["number"] in record["executionArn"] or ticket["sys_id"] in record["executionArn"]
    notes = local_cloud.servicenow.work_notes("sc_req_item", ticket["sys_id"])
    assert len(notes) == len(record["history"])
    assert "ACTIVE" in notes[-1]
    assert local_cloud.servicenow.ticket("sc_req_item", ticket["sys_id"])["state"] == "3"


def test_the_same_ticket_sent_twice_gives_one_connection_and_the_same_answer(
    local_cloud: LocalCloud, ticket: dict[str, Any]
):
    first = webhook(local_cloud, ticket)
    time.sleep(1.01)  # a second, separately signed delivery of the same ticket
    second = webhook(local_cloud, ticket)
    local_cloud.run_until_idle()
    assert first[0] == second[0] == 202
    assert first[1]["connectionId"] == second[1]["connectionId"]
    assert first[1]["executionArn"] == second[1]["executionArn"]
    assert len(local_cloud.connections()) == 1 and len(local_cloud.interconnect.connections()) == 1


def test_the_rest_api_requests_lists_resizes_and_decommissions(local_cloud: LocalCloud, tgw: Network):
    request = request_for("multicloud-request", tgw)
    status, answer = local_cloud.api("POST", "/v1/connections", json=request)
    assert status == 202 and answer["status"] == "RECEIVED"
    local_cloud.run_until_idle()
    status, listed = local_cloud.api("GET", "/v1/connections")
    assert [c["status"] for c in listed["connections"]] == ["ACTIVE"]

    status, resized = local_cloud.api(
        "POST", f"/v1/connections/{answer['connectionId']}/bandwidth", json={"bandwidth": "2Gbps"}
    )
    assert status == 202 and resized["status"] == "RESIZING"
    local_cloud.run_until_idle()
    record = local_cloud.connection(answer["connectionId"])
    assert (record["status"], record["bandwidth"]) == ("ACTIVE", "2Gbps")

    status, gone = local_cloud.api("DELETE", f"/v1/connections/{request['requestId']}")
    assert status == 202 and gone["status"] == "DECOMMISSIONING"
    status, again = local_cloud.api("DELETE", f"/v1/connections/{request['requestId']}")
    assert (status, again["rule"]) == (409, "not-already-decommissioning")
    local_cloud.run_until_idle()
    assert local_cloud.connection(answer["connectionId"])["status"] == "DECOMMISSIONED"
    assert local_cloud.interconnect.live_resources() == [] and local_cloud.directconnect.gateways() == []


@pytest.mark.default_reading
@pytest.mark.parametrize(
    ("bandwidth", "status", "rule"),
    [
        ("3Gbps", 422, "offered-bandwidth"),
        ("10Gbps", 422, "within-max-bandwidth"),
        ("fast", 400, "string_pattern_mismatch"),
    ],
)
def test_a_resize_outside_the_rules_is_refused(
    local_cloud: LocalCloud, tgw: Network, bandwidth: str, status: int, rule: str
):
    request = request_for("multicloud-request", tgw)
    local_cloud.api("POST", "/v1/connections", json=request)
    local_cloud.run_until_idle()
    answer = local_cloud.api(
        "POST", f"/v1/connections/{request['requestId']}/bandwidth", json={"bandwidth": bandwidth}
    )
    assert (answer[0], answer[1]["rule"]) == (status, rule)
    assert local_cloud.connection(request["requestId"])["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/connections/icc-00000000000000000000"),
        ("DELETE", "/v1/connections/REQ-NOPE"),
        ("POST", "/v1/connections/REQ-NOPE/bandwidth"),
    ],
)
def test_an_unknown_connection_is_404(local_cloud: LocalCloud, method: str, path: str):
    status, answer = local_cloud.api(method, path, json={"bandwidth": "2Gbps"} if method == "POST" else None)
    assert (status, answer["field"], answer["rule"]) == (404, "connectionId", "exists")


def test_operator_routes_need_a_sigv4_caller(local_cloud: LocalCloud):
    assert local_cloud.api("GET", "/v1/connections", signed=False)[0] == 403


def _callback(
    cloud: LocalCloud, provider: str, decision: dict[str, Any], secret: str | None = None
) -> tuple[int, Any]:
    body = json.dumps(decision).encode()
    return cloud.api(
        "POST",
        f"/v1/partners/{provider}/callback",
        body=body,
        headers=signed(secret or cloud.partner_secret(provider), body),
        signed=False,
    )


def test_a_partner_rejection_by_callback_fails_the_connection_at_once(local_cloud: LocalCloud):
    local_cloud.partner("lumen").ignore()
    request = request_for("last-mile-request", virtual_private_gateway_network())
    local_cloud.api("POST", "/v1/connections", json=request)
    local_cloud.advance(600)
    shared_id = local_cloud.connection(request["requestId"])["sharedId"]

    status, answer = _callback(
        local_cloud, "lumen", {"sharedId": shared_id, "decision": "rejected", "reason": "site not ready"}
    )
    assert status == 200 and answer["waitCompleted"] is True
    local_cloud.run_until_idle()
    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "FAILED" and "site not ready" in record["statusReason"]
    assert local_cloud.interconnect.live_resources() == []


def test_a_partner_callback_with_a_bad_signature_or_unknown_partner_is_refused(local_cloud: LocalCloud):
    decision = {"sharedId": "nope", "decision": "accepted"}
    assert _callback(local_cloud, "lumen", decision, secret="wrong")[0] == 401
    status, answer = _callback(local_cloud, "acme-fiber", decision, secret="whatever")
    assert (status, answer["field"]) == (404, "provider")
    assert _callback(local_cloud, "lumen", decision)[0] == 404  # well signed, unknown sharedId
