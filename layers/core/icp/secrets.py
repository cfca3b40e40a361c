"""Secrets from Secrets Manager, through Powertools' cached parameters (so a warm function
fetches each secret once per ``max_age``). Values never go into logs or messages."""

from __future__ import annotations

import json

from icp.errors import IcpError

MAX_AGE_SECONDS = 300


def _value(secret_arn: str, refresh: bool) -> str:
    # Imported here: Powertools' parameters pull boto3, which not every caller needs.
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(secret_arn, max_age=MAX_AGE_SECONDS, force_fetch=refresh)
    return value.decode() if isinstance(value, bytes) else str(value)


def shared_secret(secret_arn: str, *, refresh: bool = False) -> str:
    """An HMAC signing secret: the secret string itself, or ``{"secret": "..."}``."""
    value = _value(secret_arn, refresh)
    if value.lstrip().startswith("{"):
        value = json.loads(value).get("secret") or ""
    if not value:
        raise IcpError("a signing secret is empty", field="secretArn", rule="non-empty")
    return value
