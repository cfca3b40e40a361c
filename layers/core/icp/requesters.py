"""Who asked, and the rule that an approver may not approve their own request (README,
"Who may ask").

A request's requesters are recorded when it is taken, as identity strings:

- through the REST API (SigV4): the IAM principal API Gateway authenticated, its ARN
  (``identity.userArn``), e.g. ``arn:aws:sts::111122223333:assumed-role/network-team/alice``;
- through the ServiceNow webhook: the ticket's ``requested_for`` and ``opened_by`` users, as
  ``servicenow:sys_user/<sys_id>``;
- through an EventBridge event: ``events:<account>/<source>`` of the event envelope, which
  EventBridge fills in and a sender cannot forge.

Two identities are the same person when they are equal, ignoring case; a role session is the
role *and* its session name, so the same role with another session name is someone else (with
IAM Identity Center, and with trust policies that pin ``sts:RoleSessionName``, the session name
names the person).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SERVICENOW_PREFIX = "servicenow:sys_user/"
_SYS_ID = re.compile(r"[0-9a-f]{32}")


def from_event(event: Mapping[str, Any]) -> list[str]:
    """The requesters of a workflow's input: the ``requestedBy`` the API put there when it started
    the workflow itself, else the EventBridge envelope's account and source."""
    given = event.get("requestedBy")
    if given:
        return [str(i) for i in given] if isinstance(given, list) else [str(given)]
    account, source = event.get("account"), event.get("source")
    return [f"events:{account}/{source}"] if account and source else []


def servicenow_user(reference: Any) -> str | None:
    """A ServiceNow user reference (``{"value": sys_id, ...}`` or the sys_id) as an identity."""
    value = reference.get("value") if isinstance(reference, dict) else reference
    if not isinstance(value, str) or not _SYS_ID.fullmatch(value.strip().lower()):
        return None
    return SERVICENOW_PREFIX + value.strip().lower()


def from_servicenow(ticket: Mapping[str, Any]) -> list[str]:
    """The people a ServiceNow ticket is from: whom it is for, and who opened it."""
    found = (servicenow_user(ticket.get(key)) for key in ("requested_for", "opened_by"))
    return list(dict.fromkeys(i for i in found if i))


def same_person(one: str, other: str) -> bool:
    return one.strip().lower() == other.strip().lower()


def is_requester(approver: str | None, requesters: Iterable[str]) -> bool:
    return approver is not None and any(same_person(approver, r) for r in requesters)
