"""What the local cloud builds a template's resources with (icp_local.stack_build and
icp_local.hardening share it): boto3 clients, and for the two kinds a stack has by the dozen
(IAM roles with their policies, log groups), moto's own backends.

The build stands in for CloudFormation, whose calls are not the product's: nothing checks them
but moto. Written straight into the backends, the 376 IAM and Logs calls of a build take
milliseconds instead of most of a second, and every local cloud, so every e2e test, starts that
much sooner (benchmarks/README.md, "Test suite speed"). The backends keep the same checks their
API answers with (moto validates policy documents in the backend, not in the request layer).
"""

from __future__ import annotations

from typing import Any

_clients: dict[tuple[str, str], Any] = {}


def client_for(session: Any, service: str) -> Any:
    """One client per service and Region (making a client costs more than most calls), kept from
    one build to the next while icp_local.process_caches keeps clients."""
    key = (service, session.region_name)
    if key not in _clients:
        _clients[key] = session.client(service)
    return _clients[key]


def forget() -> None:
    _clients.clear()


def iam_backend(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["global"]


def logs_backend(account: str, region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[account][region]
