"""Who runs now, in the local cloud (docs/iam.md): the role session a function or state machine
runs as (a context variable, so each thread and task has its own), and the credentials botocore
signs with, read from it at every request.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.credentials


@dataclass(frozen=True)
class Principal:
    """A role session: who a function or state machine is when it calls AWS."""

    name: str  # the template's logical id (what reports and tests name)
    role_arn: str
    arn: str  # arn:aws:sts::<account>:assumed-role/<role>/<session>
    access_key: str
    secret_key: str
    token: str
    # A caller from outside the template (icp_local.callers): its identity policies are not modelled.
    external: bool = False


# The operator's own role sessions in other accounts (icp_local.spoke.operator_session): like the
# operator, never checked.
OPERATOR_SESSION_NAME = "icp-local-operator"

_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "icp_local_principal", default=None
)


def current() -> Principal | None:
    return _current.get()


@contextmanager
def running_as(principal: Principal | None) -> Iterator[None]:
    token = _current.set(principal)
    try:
        yield
    finally:
        _current.reset(token)


class PrincipalCredentials(botocore.credentials.Credentials):
    """The credentials of whoever runs now (see the module docstring); the operator's, from the
    environment, when no principal does. Read at every signing, so cached clients follow."""

    def __init__(self) -> None:  # no fixed keys: every attribute is read at use
        self.method = "icp-local-principal"
        self.account_id = None

    def _keys(self) -> tuple[str, str, str | None]:
        principal = _current.get()
        if principal is not None:
            return principal.access_key, principal.secret_key, principal.token
        return (
            os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            os.environ.get("AWS_SESSION_TOKEN"),
        )

    # botocore's Credentials has these as attributes its __init__ sets; this class does not call it
    # and reads them at use, as read-only properties: hence the [override] ignores below.
    @property
    def access_key(self) -> str:  # type: ignore[override]
        return self._keys()[0]

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        return self._keys()[1]

    @property
    def token(self) -> str | None:  # type: ignore[override]
        return self._keys()[2]

    def get_frozen_credentials(self) -> botocore.credentials.ReadOnlyCredentials:
        return botocore.credentials.ReadOnlyCredentials(*self._keys(), None)


class Resolver(botocore.credentials.CredentialResolver):
    """botocore's credential chain, reduced to one link: the running principal's credentials."""

    def __init__(self, credentials: PrincipalCredentials):
        super().__init__(providers=[])
        self.credentials = credentials

    def load_credentials(self) -> PrincipalCredentials:
        return self.credentials


class PerPrincipal(dict[str, Any]):
    """Powertools keeps its parameter providers, and the secret values they cache, in one
    module-level dict; in Lambda each function has a process of its own, so here each
    principal gets its own dict (else one function would read another's cached secret and
    never make the call its role may not allow)."""

    def __init__(self) -> None:
        super().__init__()
        self._by_principal: dict[str | None, dict[str, Any]] = {}

    def _mine(self) -> dict[str, Any]:
        principal = _current.get()
        return self._by_principal.setdefault(principal.name if principal else None, {})

    def __contains__(self, key: object) -> bool:
        return key in self._mine()

    def __getitem__(self, key: str) -> Any:
        return self._mine()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._mine()[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        return self._mine().get(key, default)

    def clear(self) -> None:
        self._by_principal.clear()
