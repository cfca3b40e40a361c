"""Who asks from outside the template: the operator, and the people and systems a test plays.

A caller is named by an IAM ARN: a user or a role (``arn:aws:iam::<account>:user/alice``,
``…:role/network-team``) or a role session (``arn:aws:sts::<account>:assumed-role/network-team/alice``).
Inside ``cloud.as_principal(arn)`` every AWS call the thread makes is signed with that caller's own
keys and attributed to it, the REST API sees it in API Gateway's request context (``identity.userArn``),
and a SigV4 request over HTTP signed with those keys (``icp`` run in the same thread) is attributed
to it too. Outside it, the caller is the operator, ``OPERATOR_ARN``.

As for the operator (docs/iam.md), a caller's identity-based policies are not modelled: only
resource-based policies, such as the event bus's, are evaluated against it (icp_local.bus_policy).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from icp_local import iam
from icp_local.template import ACCOUNT_ID

# Who the tests, the demo and `icp local serve`'s unknown signers are.
OPERATOR_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/local"

_SESSION = re.compile(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/(.+)")
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")
_lock = threading.Lock()
_by_arn: dict[str, iam.Principal] = {}
_by_key: dict[str, iam.Principal] = {}


def principal_arn(arn: str) -> str:
    """What ``aws:PrincipalArn`` holds for ``arn``: a role session is seen as its role."""
    session = _SESSION.fullmatch(arn)
    return f"arn:{session[1]}:iam::{session[2]}:role/{session[3]}" if session else arn


def caller(arn: str) -> iam.Principal:
    """The caller named ``arn``, with keys of its own (the same keys every time)."""
    if not arn.startswith("arn:aws:iam::") and not _SESSION.fullmatch(arn):
        raise ValueError(f"a caller is an IAM user, role or role session ARN, not {arn!r}")
    with _lock:
        found = _by_arn.get(arn)
        if found is None:
            digest = hashlib.sha256(arn.encode()).hexdigest().upper()
            found = iam.Principal(
                name=arn,
                role_arn=principal_arn(arn),
                arn=arn,
                access_key=f"AKIC{digest[:16]}",
                secret_key=digest[16:56],
                token="",
                external=True,
            )
            _by_arn[arn] = found
            _by_key[found.access_key] = found
        return found


@contextmanager
def as_principal(arn: str) -> Iterator[iam.Principal]:
    with iam.running_as(caller(arn)):
        yield caller(arn)


def identity() -> str:
    """The ARN of whoever runs now: a caller, a function's role session, or the operator."""
    current = iam.current()
    return current.arn if current is not None else OPERATOR_ARN


def from_authorization(header: str) -> str:
    """The caller a SigV4 ``Authorization`` header was signed by (its access key id names it);
    keys the local cloud did not hand out are the operator's."""
    found = _CREDENTIAL.search(header or "")
    known = _by_key.get(found.group(1)) if found else None
    return known.arn if known is not None else OPERATOR_ARN
