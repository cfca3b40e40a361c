"""What the Interconnect emulator's tests share: the API's ids and a CreateConnection helper."""

from __future__ import annotations

from typing import Any

GOOGLE_US_EAST = "mce-aws-gcp-iad"
GOOGLE_LONDON = "mce-aws-gcp-lhr"
GOOGLE_FRANKFURT = "mce-aws-gcp-fra"
LUMEN_NEW_YORK = "lmce-aws-lumen-new-york"
LUMEN_CHICAGO = "lmce-aws-lumen-chicago"
LUMEN_SEATTLE = "lmce-aws-lumen-seattle"
GOOGLE = {"cloudServiceProvider": "gcp"}
LUMEN = {"lastMileProvider": "lumen"}
GOOGLE_PROJECT = {"identifier": "my-project"}
LUMEN_ACCOUNT = {"identifier": "noc@example.com"}


def create(client: Any, gateway_id: str, **overrides: Any) -> dict[str, Any]:
    """CreateConnection to Google Cloud from the client's Region unless overridden; an override
    of ``None`` leaves that parameter out."""
    params: dict[str, Any] = {
        "environmentId": GOOGLE_US_EAST,
        "bandwidth": "1Gbps",
        "attachPoint": {"directConnectGateway": gateway_id},
        "remoteAccount": GOOGLE_PROJECT,
    }
    params.update(overrides)
    return client.create_connection(**{k: v for k, v in params.items() if v is not None})["connection"]


def state(client: Any, connection_id: str) -> str:
    return str(client.get_connection(identifier=connection_id)["connection"]["state"])
