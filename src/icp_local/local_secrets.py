"""The secrets a local cloud keeps in Secrets Manager (README, "The local cloud"): each last-mile
partner's signing secret, and the ServiceNow credentials pointed at the fake instance. Secret
values stay here and in Secrets Manager: never in logs, events or errors."""

from __future__ import annotations

import json
from typing import Any

from icp_local.emulators.partner_server import PartnerServer
from icp_local.emulators.servicenow import FakeServiceNow
from icp_local.template import Stack

PARTNER_SECRET_NAME = "interconnect-control-plane/partners/{provider}"


def create_partner_secrets(session: Any, values: dict[str, str]) -> dict[str, str]:
    """One secret a partner, as the operator creates them before deploying; their ARNs by partner."""
    client = session.client("secretsmanager")
    return {
        p: client.create_secret(Name=PARTNER_SECRET_NAME.format(provider=p), SecretString=value)["ARN"]
        for p, value in values.items()
    }


def stack_parameters(
    partner_server: PartnerServer,
    secret_arns: dict[str, str],
    servicenow: FakeServiceNow,
    overrides: dict[str, str],
) -> dict[str, str]:
    """The template's parameters pointing at the emulators, then the caller's overrides."""
    partners = {p: {"url": partner_server.partner_url(p), "secretArn": arn} for p, arn in secret_arns.items()}
    return {"LastMilePartners": json.dumps(partners), "ServiceNowInstanceUrl": servicenow.url, **overrides}


def point_servicenow_at_the_fake(stack: Stack, session: Any, servicenow: FakeServiceNow) -> None:
    """The template makes the ServiceNow credentials secret; here it holds the fake's."""
    arn = stack.physical.get("ServiceNowCredentials")
    if arn:
        session.client("secretsmanager").put_secret_value(
            SecretId=arn, SecretString=json.dumps(servicenow.credentials)
        )


def servicenow_webhook_secret(session: Any, stack: Stack) -> str:
    """The shared secret a ServiceNow instance signs its webhooks with."""
    return str(
        session.client("secretsmanager").get_secret_value(SecretId=stack.physical["ServiceNowWebhookSecret"])[
            "SecretString"
        ]
    )
