"""No secret (webhook secret, partner secrets, ServiceNow credentials, activation keys) appears
in any log line, event, error body, work note or execution history of a full run."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import boto3
import pytest
from icp.observability import logger
from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from icp_local import LocalCloud
from icp_local.scenario import (
    request_for,
    servicenow_ticket,
    transit_gateway_network,
    virtual_private_gateway_network,
)


def _signed_post(cloud: LocalCloud, path: str, secret: str, payload: dict) -> tuple[int, object]:
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    return cloud.api(
        "POST",
        path,
        body=body,
        signed=False,
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(secret, stamp, body),
        },
    )


@pytest.fixture
def core_log() -> Iterator[io.StringIO]:
    """Every line the core's Powertools logger writes, formatted as in Lambda."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_a_full_run_leaks_no_secret_anywhere(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, core_log: io.StringIO
):
    # The core logs at DEBUG; other libraries at INFO, as Lambda's root logger would let through
    # (botocore's own DEBUG wire logs are never enabled in a deployment).
    caplog.set_level(logging.INFO)
    seen: list[str] = []
    with LocalCloud(parameters={"LogLevel": "DEBUG"}) as cloud:
        # Every channel: an event, the REST API, a signed ServiceNow ticket, a partner's rejection by callback.
        cloud.put_event(
            "com.example.network",
            "Interconnect Connection Requested",
            request_for("multicloud-request", transit_gateway_network()),
        )
        ticket = servicenow_ticket("request-item-multicloud", transit_gateway_network(cidr="10.40.0.0/16"))
        seen.append(
            str(_signed_post(cloud, "/v1/webhooks/servicenow", cloud.servicenow_webhook_secret, ticket))
        )
        seen.append(str(_signed_post(cloud, "/v1/webhooks/servicenow", "wrong-secret", ticket)))
        cloud.partner("lumen").ignore()
        last_mile = request_for("last-mile-request", virtual_private_gateway_network())
        seen.append(str(cloud.api("POST", "/v1/connections", json=last_mile)))
        cloud.advance(600)
        shared_id = cloud.connection(last_mile["requestId"])["sharedId"]
        seen.append(
            str(
                _signed_post(
                    cloud,
                    "/v1/partners/lumen/callback",
                    cloud.partner_secret("lumen"),
                    {"sharedId": shared_id, "decision": "rejected", "reason": "no site access"},
                )
            )
        )
        cloud.run_until_idle()

        secrets = {
            "ServiceNow webhook secret": cloud.servicenow_webhook_secret,
            "ServiceNow password": cloud.servicenow.credentials["password"],
            "partner secret": cloud.partner_secret("lumen"),
            **{
                f"activation key of {c['id']}": c["activationKey"]
                for c in cloud.interconnect.connections()
                if c.get("activationKey")
            },
        }
        assert sum(name.startswith("activation key") for name in secrets) == 3, "every connection had a key"
        seen.append(json.dumps(cloud.events_seen, default=str))
        seen.append(json.dumps(cloud.executions(), default=str))
        seen.append(json.dumps(cloud.connections(), default=str))
        for table, sys_id in (("sc_req_item", ticket["sys_id"]),):
            seen.extend(cloud.servicenow.work_notes(table, sys_id))
        assert cloud.connection(ticket["sys_id"])["status"] == "ACTIVE"
    output = capfd.readouterr()
    seen += [output.out, output.err, caplog.text, core_log.getvalue()]
    assert "status changed" in core_log.getvalue(), "the run's logs were captured"
    everything = "\n".join(seen)
    leaked = [name for name, value in secrets.items() if value and value in everything]
    assert leaked == []


def test_a_proposal_key_leaks_nowhere_from_any_entrance(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, core_log: io.StringIO
):
    """Proposals (README, "Proposals"): the keys Google transports generate, taken in by an
    EventBridge event, the ServiceNow webhook (its activation_key variable) and the REST API, and
    an unknown key, appear in no log, event the control plane put, record, work note, error body
    or execution history; none is left in Secrets Manager."""
    caplog.set_level(logging.INFO)
    seen: list[str] = []
    keys: dict[str, str] = {}
    with LocalCloud(parameters={"LogLevel": "DEBUG"}) as cloud:
        google = cloud.partner("google-cloud")

        def propose(name: str, project: str, network: str, cidrs: list[str]) -> str:
            keys[name] = google.propose(
                aws_region="us-east-1", location="us-east4", bandwidth="1Gbps",
                project=project, network=network, cidrs=cidrs,
            )  # fmt: skip
            return keys[name]

        event = request_for("multicloud-proposal", transit_gateway_network())
        event["activationKey"] = propose("event", "acme-network-prod", "shared-vpc", event["remote"]["cidrs"])
        cloud.put_event("com.example.network", "Interconnect Connection Requested", event)
        ticket = servicenow_ticket("request-item-multicloud", transit_gateway_network(cidr="10.40.0.0/16"))
        variables = ticket["variables"]
        del variables["remote_location"], variables["bandwidth"], variables["max_bandwidth"]
        variables["activation_key"] = propose(
            "ServiceNow", "acme-analytics-prod", "analytics-vpc", [variables["remote_cidrs"]]
        )
        seen.append(
            str(_signed_post(cloud, "/v1/webhooks/servicenow", cloud.servicenow_webhook_secret, ticket))
        )
        # Through the API: one that disagrees with its proposal (422), one whose key is unknown.
        mismatched = request_for(
            "multicloud-proposal", transit_gateway_network(cidr="10.60.0.0/16"), requestId="REQ-LEAK-3"
        )
        mismatched["remote"] = {
            "project": "acme-other-prod",
            "network": "other-vpc",
            "cidrs": ["10.150.0.0/16"],
        }
        mismatched["aws"]["cidrs"] = ["10.60.0.0/16"]
        mismatched["activationKey"] = propose("mismatched", "acme-other-prod", "other-vpc", ["10.150.0.0/16"])
        answers = [cloud.api("POST", "/v1/connections", json={**mismatched, "bandwidth": "5Gbps"})]
        keys["unknown"] = "an-unknown-key-" + "x" * 40
        answers.append(
            cloud.api("POST", "/v1/connections", json={**mismatched, "activationKey": keys["unknown"]})
        )
        assert [(status, body["field"]) for status, body in answers] == [
            (422, "bandwidth"),
            (422, "activationKey"),
        ]
        seen += [str(answer) for answer in answers]
        cloud.run_until_idle()

        assert cloud.connection(event["requestId"])["status"] == "ACTIVE"
        assert cloud.connection(ticket["sys_id"])["status"] == "ACTIVE"
        # The caller's own event holds its key; every other event is the control plane's.
        seen.append(json.dumps([e for e in cloud.events_seen if e["detail"] != event], default=str))
        seen.append(json.dumps(cloud.executions(), default=str))
        seen.append(json.dumps(cloud.connections(), default=str))
        seen.extend(cloud.servicenow.work_notes("sc_req_item", ticket["sys_id"]))
        left = boto3.client("secretsmanager", region_name="us-east-1").list_secrets()["SecretList"]
        assert [s["Name"] for s in left if "/proposals/" in s["Name"]] == []
    output = capfd.readouterr()
    seen += [output.out, output.err, caplog.text, core_log.getvalue()]
    assert "status changed" in core_log.getvalue(), "the run's logs were captured"
    everything = "\n".join(seen)
    assert [name for name, key in keys.items() if key in everything] == []
