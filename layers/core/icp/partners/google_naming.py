"""What the Google Cloud adapter (icp.partners.google_cloud) names on Google's side, derived from a
connection record: the transport, its network, the peering, and request ids stable across
retries (so a retry finds or replays the first attempt).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from icp.errors import RemoteSideError
from icp.models import ConnectionRecord, RemoteMulticloud

# Request ids must be UUIDs; derived from the connectionId so a retry is the same request.
_REQUEST_NAMESPACE = uuid.UUID("0f5e3c1a-8d7b-4f0e-9a61-3c2b7d9e4a10")


@dataclass(frozen=True)
class Target:
    """Where one connection lives on the Google side; every name derives from the record."""

    connection_id: str
    project: str
    region: str
    network_name: str
    google_cidrs: tuple[str, ...]
    aws_cidrs: tuple[str, ...]
    generation: int = 0  # how many times the AWS connection was replaced: each gets its own transport
    # A transport Google's side created (a proposal, README "Proposals"): its own name, not ours.
    adopted: str | None = None

    @classmethod
    def of(cls, record: ConnectionRecord) -> Target:
        request = record.parsed_request
        remote = request.remote
        if not isinstance(remote, RemoteMulticloud):
            raise RemoteSideError(f"connection {record.connectionId} is not a multicloud request")
        return cls(
            record.connectionId,
            remote.project,
            str(request.remoteLocation),
            remote.network,
            tuple(remote.cidrs),
            tuple(request.aws.cidrs),
            record.replacements,
            # A replacement gets a transport of its own (hand_off), named as ours are.
            record.remoteRefs.get("googleProposalTransport") if not record.replacements else None,
        )

    @property
    def parent(self) -> str:
        return f"projects/{self.project}/locations/{self.region}"

    @property
    def transport_id(self) -> str:
        # "icc-" + hex is a valid resource id; a replacement connection (a new activation key)
        # needs a transport of its own.
        return self.connection_id if not self.generation else f"{self.connection_id}-r{self.generation}"

    @property
    def transport_name(self) -> str:
        return self.adopted or f"{self.parent}/transports/{self.transport_id}"

    @property
    def network(self) -> str:
        return f"projects/{self.project}/global/networks/{self.network_name}"

    @property
    def peering_name(self) -> str:
        return f"icp-{self.connection_id}"

    def request_id(self, purpose: str) -> str:
        return str(uuid.uuid5(_REQUEST_NAMESPACE, f"{self.transport_id}:{purpose}"))


def network_path(url: str) -> str:
    """``projects/p/global/networks/n`` from a full or partial network URL."""
    index = url.find("projects/")
    return url[index:] if index >= 0 else url


def enum_name(value: Any) -> str:
    """The name of a proto enum value (an int the library does not know has none)."""
    return str(getattr(value, "name", ""))
