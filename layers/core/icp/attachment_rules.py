"""Which ``aws`` fields each attachment kind takes (docs/events.md, "Interconnect Connection
Requested"; README, "Cloud WAN"). Used by ``icp.models.AwsSide``'s field validators, so that an
error names the field (``aws.segment``, ``aws.routeTableIds``, ...)."""

from __future__ import annotations

import re
from typing import Any

CLOUD_WAN = "cloud-wan"
# Network Manager's CoreNetworkId pattern (botocore's networkmanager model).
CORE_NETWORK_ID = r"^core-network-[0-9a-f]{8,17}$"


def check_field(field: str, value: Any, attachment: str | None) -> None:
    """Raise ValueError when ``field`` (with ``value``) does not go with ``attachment``
    (None: the attachment itself was invalid, and its own error is reported)."""
    if attachment is None:
        return
    cloud_wan = attachment == CLOUD_WAN
    if field == "gatewayId":
        if cloud_wan and not re.fullmatch(CORE_NETWORK_ID, str(value)):
            raise ValueError("gatewayId must be a core network id: core-network- and 8 to 17 hex digits")
    elif field == "routeTableIds":
        if cloud_wan and value:
            raise ValueError("not used with attachment cloud-wan: the segment carries the routes to the VPCs")
        if not cloud_wan and not value:
            raise ValueError(f"at least one route table is required with attachment {attachment}")
    elif field == "backupTarget":
        if cloud_wan and value is not None:
            raise ValueError(
                "not used with attachment cloud-wan: Cloud WAN chooses among the segment's attachments itself"
            )
    elif field == "accountId":
        if cloud_wan and value is not None:
            raise ValueError(
                "not used with attachment cloud-wan: the Direct Connect gateway attachment is made in "
                "the core network's policy, not by an association proposal"
            )
    elif cloud_wan and value is None and field == "segment":
        raise ValueError("required with attachment cloud-wan")
    elif not cloud_wan and value is not None:
        raise ValueError(f"only used with attachment cloud-wan, not {attachment}")
    elif isinstance(value, list) and len(set(value)) != len(value):
        raise ValueError("names an edge location twice")
