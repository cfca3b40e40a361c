"""ServiceNow tickets onto the request model (docs/servicenow.md).

ServiceNow's outbound REST posts one JSON object per ticket: a request item (``sc_req_item``)
of the catalog item "AWS Interconnect connection", or a change request (``change_request``)
from the record producer with the same variables. Both carry the variables in one place,
``variables``, as ServiceNow names and sends them: every value a string, hidden variables as
``""``, multi-values comma-separated. docs/servicenow.md describes the body field by field.

``request_from_servicenow`` turns that body into the dict for ``icp.models.ConnectionRequest``.
It maps and splits; it does not run the model's rules (the caller validates the result).
Anything it cannot map raises ``InvalidRequest`` whose ``field`` is the path in the
ServiceNow body (``variables.aws_cidrs``) and whose ``rule`` says what was wrong.
"""

from __future__ import annotations

import re
from typing import Any

from icp.errors import InvalidRequest

TABLES = ("sc_req_item", "change_request")
SYS_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
NUMBER_PATTERN = re.compile(r"[A-Z]{2,8}\d{4,}")

# Variables every ticket needs; then those of its connection type.
REQUIRED = (
    "connection_type",
    "provider",
    "aws_region",
    "aws_attachment",
    "aws_gateway_id",
    "aws_route_table_ids",
    "aws_cidrs",
    "remote_cidrs",
    "requester_team",
)
MULTICLOUD_ONLY = ("remote_project", "remote_network", "remote_mtu")
LAST_MILE_ONLY = ("remote_site_name", "remote_account")
REQUIRED_FOR_TYPE = {
    "multicloud": ("remote_project", "remote_network"),
    "last-mile": LAST_MILE_ONLY,
}
# Required unless the ticket carries activation_key (a proposal): the proposal then names them.
UNLESS_PROPOSAL = ("remote_location", "bandwidth")
OPTIONAL = (
    "activation_key",  # a partner's key (docs/servicenow.md): a secret, mapped and never echoed
    "max_bandwidth",
    "dx_gateway_id",
    "new_dx_gateway_name",
    "new_dx_gateway_asn",
    "aws_mtu",
    "aws_backup_target",
)
KNOWN = frozenset(REQUIRED + UNLESS_PROPOSAL + MULTICLOUD_ONLY + LAST_MILE_ONLY + OPTIONAL)

# Choice variables whose ServiceNow values may be spelled with "_" where the model has "-".
CHOICES = ("connection_type", "provider", "aws_attachment")
LISTS = ("aws_route_table_ids", "aws_cidrs", "remote_cidrs")
INTEGERS = ("new_dx_gateway_asn", "aws_mtu", "remote_mtu")
_LIST_SEPARATORS = re.compile(r"[,\n]")


def _refuse(field: str, rule: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {message}", field=field, rule=rule)


def _text(payload: dict[str, Any], key: str) -> str | None:
    """A top-level string field; empty counts as absent."""
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _refuse(key, "type", f"must be a string, not {type(value).__name__}")
    return value.strip() or None


def _table(payload: dict[str, Any]) -> str:
    class_name, table = _text(payload, "sys_class_name"), _text(payload, "table")
    if class_name and table and class_name != table:
        raise _refuse("table", "same-table", f"{table!r} disagrees with sys_class_name {class_name!r}")
    name = class_name or table
    if name is None:
        raise _refuse("sys_class_name", "required", "the ticket's table is missing")
    if name not in TABLES:
        raise _refuse(
            "sys_class_name" if class_name else "table",
            "table",
            f"{name!r} is not one of {', '.join(TABLES)}",
        )
    return name


def _sys_id(payload: dict[str, Any]) -> str:
    sys_id = _text(payload, "sys_id")
    if sys_id is None:
        raise _refuse("sys_id", "required", "the ticket's sys_id is missing")
    # ServiceNow writes sys_ids in lower case; one ticket must give one requestId however it is sent.
    sys_id = sys_id.lower()
    if not SYS_ID_PATTERN.fullmatch(sys_id):
        raise _refuse("sys_id", "sys-id", "must be 32 hexadecimal characters")
    return sys_id


def _check_number(payload: dict[str, Any]) -> None:
    number = _text(payload, "number")
    if number is None:
        raise _refuse("number", "required", "the ticket's number is missing")
    if not NUMBER_PATTERN.fullmatch(number):
        raise _refuse("number", "ticket-number", f"{number!r} is not a ticket number such as RITM0012345")


def _check_reference(payload: dict[str, Any], key: str) -> None:
    """``requested_for`` and ``assignment_group`` are optional reference fields: a
    ``{"value": sys_id, "display_value": name}`` object, or the sys_id alone."""
    value = payload.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    if isinstance(value, dict):
        reference = value.get("value")
        field = f"{key}.value"
    else:
        reference, field = value, key
    if not isinstance(reference, str) or not SYS_ID_PATTERN.fullmatch(reference.strip().lower()):
        raise _refuse(field, "sys-id", "a reference must hold the sys_id (32 hexadecimal characters)")


class _Variables:
    """The ticket's variables, read once each; empty strings are absent."""

    def __init__(self, raw: Any):
        if raw is None:
            raise _refuse("variables", "required", "the ticket carries no variables")
        if not isinstance(raw, dict):
            raise _refuse("variables", "type", f"must be an object, not {type(raw).__name__}")
        unknown = [name for name in raw if name not in KNOWN]
        if unknown:
            raise _refuse(
                f"variables.{unknown[0]}",
                "unknown",
                f"unknown variable{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                f"known: {', '.join(sorted(KNOWN))}",
            )
        self.values: dict[str, str | int | list[str]] = {}
        for name, value in raw.items():
            cleaned = self._clean(name, value)
            if cleaned not in (None, "", []):
                self.values[name] = cleaned

    @staticmethod
    def _clean(name: str, value: Any) -> str | int | list[str] | None:
        field = f"variables.{name}"
        if value is None:
            return None
        if name in LISTS and isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                raise _refuse(field, "type", "a list must hold strings")
            return [item.strip() for item in value if item.strip()]
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _refuse(field, "type", f"must be a string, not {type(value).__name__}")
        if isinstance(value, int):
            return value if name in INTEGERS else str(value)
        value = value.strip()
        if not value:
            return None
        if name in LISTS:
            return [item.strip() for item in _LIST_SEPARATORS.split(value) if item.strip()]
        if name in INTEGERS:
            if not re.fullmatch(r"[+-]?\d+", value):
                raise _refuse(field, "integer", f"{value!r} is not a whole number")
            return int(value)
        if name in CHOICES:
            return value.replace("_", "-")
        return value

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def require(self, name: str) -> Any:
        if name not in self.values:
            raise _refuse(f"variables.{name}", "required", "is required")
        return self.values[name]


def _connection_type(variables: _Variables) -> str:
    kind = variables.require("connection_type")
    if kind not in REQUIRED_FOR_TYPE:
        raise _refuse("variables.connection_type", "choice", f"{kind!r} is not one of multicloud, last_mile")
    others = LAST_MILE_ONLY if kind == "multicloud" else MULTICLOUD_ONLY
    for name in others:
        if variables.get(name) is not None:
            raise _refuse(
                f"variables.{name}", "not-for-connection-type", f"does not apply to a {kind} connection"
            )
    return kind


def _attach_point(variables: _Variables) -> dict[str, Any]:
    gateway_id, new_name = variables.get("dx_gateway_id"), variables.get("new_dx_gateway_name")
    asn = variables.get("new_dx_gateway_asn")
    if (gateway_id is None) == (new_name is None):
        raise _refuse(
            "variables.dx_gateway_id", "one-of", "give exactly one of dx_gateway_id or new_dx_gateway_name"
        )
    if gateway_id is not None:
        if asn is not None:
            raise _refuse(
                "variables.new_dx_gateway_asn",
                "only-with-new-gateway",
                "applies only to a new gateway (new_dx_gateway_name)",
            )
        return {"directConnectGatewayId": gateway_id}
    create: dict[str, Any] = {"name": new_name}
    if asn is not None:
        create["amazonSideAsn"] = asn
    return {"createGateway": create}


def _backup_target(target: str) -> dict[str, str]:
    if target.startswith("tgw-"):
        return {"transitGatewayId": target}
    if target.startswith("vgw-"):
        return {"gatewayId": target}
    raise _refuse(
        "variables.aws_backup_target",
        "backup-target",
        "must be a transit gateway (tgw-...) or a virtual private gateway (vgw-...)",
    )


def _aws_side(variables: _Variables) -> dict[str, Any]:
    aws: dict[str, Any] = {
        "attachment": variables.require("aws_attachment"),
        "gatewayId": variables.require("aws_gateway_id"),
        "routeTableIds": variables.require("aws_route_table_ids"),
        "cidrs": variables.require("aws_cidrs"),
    }
    if (mtu := variables.get("aws_mtu")) is not None:
        aws["mtu"] = mtu
    if (target := variables.get("aws_backup_target")) is not None:
        aws["backupTarget"] = _backup_target(target)
    return aws


def _remote_side(variables: _Variables, kind: str) -> dict[str, Any]:
    if kind == "multicloud":
        remote: dict[str, Any] = {
            "project": variables.require("remote_project"),
            "network": variables.require("remote_network"),
            "cidrs": variables.require("remote_cidrs"),
        }
        if (mtu := variables.get("remote_mtu")) is not None:
            remote["mtu"] = mtu
        return remote
    return {
        "siteName": variables.require("remote_site_name"),
        "cidrs": variables.require("remote_cidrs"),
        "remoteAccount": variables.require("remote_account"),
    }


def request_from_servicenow(payload: dict[str, Any]) -> dict[str, Any]:
    """The ConnectionRequest dict for one ServiceNow ticket; its requestId is the ticket's
    sys_id, so the same ticket sent twice is one connection."""
    if not isinstance(payload, dict):
        raise _refuse("body", "type", "must be a JSON object")
    table = _table(payload)
    sys_id = _sys_id(payload)
    _check_number(payload)
    for key in ("requested_for", "assignment_group"):
        _check_reference(payload, key)
    variables = _Variables(payload.get("variables"))
    key = variables.get("activation_key")
    for name in REQUIRED + (() if key is not None else UNLESS_PROPOSAL):
        variables.require(name)
    kind = _connection_type(variables)
    request: dict[str, Any] = {
        "requestId": sys_id,
        "type": kind,
        "provider": variables.require("provider"),
        "awsRegion": variables.require("aws_region"),
        "attachPoint": _attach_point(variables),
        "aws": _aws_side(variables),
        "remote": _remote_side(variables, kind),
        "requester": {
            "team": variables.require("requester_team"),
            "servicenow": {"table": table, "sysId": sys_id},
        },
    }
    for field, name in (("remoteLocation", "remote_location"), ("bandwidth", "bandwidth")):
        if (value := variables.get(name)) is not None:
            request[field] = value
    if (ceiling := variables.get("max_bandwidth")) is not None:
        request["maxBandwidth"] = ceiling
    if key is not None:
        request["activationKey"] = key
    return request
