"""No secret (webhook secret, partner secrets, ServiceNow credentials, activation keys) appears
in any log line, event, error body, work note or execution history of a full run."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

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
