"""The boto3 clients the local cloud builds a template's resources with (icp_local.template and
icp_local.hardening share them)."""

from __future__ import annotations

from typing import Any


def client_for(session: Any, service: str) -> Any:
    """One client per service for the whole build (making a client costs more than most calls)."""
    clients = session.__dict__.setdefault("_icp_local_clients", {})
    if service not in clients:
        clients[service] = session.client(service)
    return clients[service]
