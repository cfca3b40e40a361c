"""Other accounts in the local cloud's IAM (docs/iam.md, "Other accounts"): a session of another
account's role, assumed through moto's STS, is checked against that role's own policies; and
AssumeRole of such a role needs its trust policy's consent as well as the caller's policy (AWS
checks both sides of a cross-account AssumeRole: STS API Reference, AssumeRole).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from icp_local.iam_policy import Decision, evaluate, parse_document
from icp_local.iam_principal import OPERATOR_SESSION_NAME, Principal


def account_of(arn: str) -> str:
    return arn.split(":")[4] if arn.count(":") >= 5 else ""


def principal_of_session(session: tuple[str, str] | None, key: str | None, home: str) -> Principal | None:
    """The principal signing with ``key``, a session (role ARN, session ARN) of a role in an
    account other than ``home``; None for anything else."""
    if session is None or not key or account_of(session[0]) == home:
        return None
    role_arn, arn = session
    return Principal(f"{role_arn.rsplit('/', 1)[-1]}@{account_of(role_arn)}", role_arn, arn, key, "", "")


def trust_refusal(
    caller_arn: str,
    role_arn: str,
    home: str,
    trust_of: Callable[[str], dict[str, Any] | None],
    context: Mapping[str, list[str]],
) -> str | None:
    """Why another account's role may not be assumed by ``caller_arn`` (its trust policy, with the
    request's condition keys such as ``sts:externalid``), or None when it may. The stack's own roles
    (``home``) are assumed by the local cloud itself, and not checked here."""
    if account_of(role_arn) == home:
        return None
    trust = trust_of(role_arn)
    if (
        trust is not None
        and evaluate([trust], "sts:AssumeRole", role_arn, context, caller=caller_arn) is Decision.ALLOW
    ):
        return None
    return f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"


def session_in_moto(key: str) -> tuple[str, str] | None:
    """(role ARN, session ARN) of the role session moto issued ``key`` for; None for the operator's
    own sessions (icp_local.spoke.operator_session), which are never checked."""
    from moto.sts.models import sts_backends  # moto's backends: a look-up, not a call

    for backends in list(sts_backends.values()):
        for role in list(backends["aws"].assumed_roles):
            if role.access_key_id == key and role.session_name != OPERATOR_SESSION_NAME:
                return str(role.role_arn), str(role.arn)
    return None


def trust_in_moto(role_arn: str) -> dict[str, Any] | None:
    """The role's trust policy, from moto's IAM (None: no such role)."""
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account_of(role_arn)]["global"].get_role(role_arn.rsplit("/", 1)[-1])
    except Exception:  # moto raises its own NoSuchEntity
        return None
    return parse_document(role.assume_role_policy_document)
