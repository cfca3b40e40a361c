"""IAM in the local cloud: each function, state machine and EventBridge delivery calls AWS with
the credentials of its own role, and every call is allowed or refused by that role's policies.

- **Who calls.** A principal is a role session assumed through moto's STS (session name: the
  function's or state machine's name, as Lambda and Step Functions name theirs). The local cloud
  sets the current principal in a context variable around each Lambda invocation and each
  execution's thread; every botocore session made while the local cloud runs resolves its
  credentials from that variable, so a handler's clients (boto3, PynamoDB, Powertools) sign
  with its own role's keys even though all functions share one process and one client cache.
- **What is asked.** Before botocore sends a call (moto's services and the emulators alike),
  ``icp_local.iam_actions`` turns the operation and its parameters into the IAM action, the
  resource ARNs the Service Authorization Reference says AWS checks, and condition keys.
- **The decision.** ``evaluate`` applies AWS's identity-policy logic: an explicit Deny wins, else
  an Allow whose Action, Resource and Condition all match, else an implicit deny. moto's own
  evaluator (``moto/iam/access_control.py``) is not used: it matches every request against the
  resource ``"*"`` and ignores conditions, so every resource-scoped statement would deny.
- **A refusal** is answered as AWS answers it (``AccessDeniedException``, ``AccessDenied`` or
  EC2's ``UnauthorizedOperation``, with the message naming the role session and the action) and
  recorded in ``Enforcer.denials``; every allowed call is counted in ``Enforcer.calls``.

- **Other accounts.** A role of another account (the spoke role of README "Other accounts") is
  assumed through moto's STS only if its trust policy allows the caller (with the
  ``sts:ExternalId`` it sends); calls signed with that session's keys are then checked against
  that role's own policies, in its own account.

The operator (tests, the demo, the local cloud itself) runs as no principal and is not checked;
nor are the callers of ``icp_local.callers``, except against resource-based policies (the bus's).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import botocore.credentials
import botocore.handlers
from botocore.awsrequest import AWSResponse

from icp_local import iam_accounts, iam_actions
from icp_local.iam_accounts import account_of
from icp_local.iam_denials import ERROR_CODES, Denial, error_response
from icp_local.iam_policy import Decision, denial_message, evaluate, parse_document
from icp_local.iam_principal import (
    PerPrincipal,
    Principal,
    PrincipalCredentials,
    Resolver,
    current,
)
from icp_local.iam_principal import running_as as running_as  # callers name it as icp_local.iam.running_as

_CONTEXT_KEY = "icp_local.iam_params"
_DONE_KEY = "icp_local.iam_checked"


# The enforcer of the running local cloud (one at a time per process; a list, so an enforcer that
# stops out of order leaves the right one).
_installed: list[Enforcer] = []


def _capture_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_CONTEXT_KEY] = params


def _before_call(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    """The check, made by whichever enforcer runs now. A botocore client keeps the handlers it
    was made with, and the local cloud keeps clients from one cloud to the next
    (icp_local.process_caches): so the handler is this function, never one enforcer's method."""
    return _installed[-1].before_call(**kwargs) if _installed else None


# The emulators answer on before-call.<service>, which botocore runs before plain before-call: the
# check goes first in their own slot.
_HANDLERS: list[tuple[Any, ...]] = [
    ("before-parameter-build", _capture_params),
    ("before-call", _before_call),
    *(
        (f"before-call.{service_id}", _before_call, botocore.handlers.REGISTER_FIRST)
        for service_id in iam_actions.EMULATED_SERVICE_IDS
    ),
]


# --- the enforcer ------------------------------------------------------------------------------
@dataclass
class Enforcer:
    """Installed by a LocalCloud: authorizes every AWS call a principal makes."""

    lookup: iam_actions.Lookup
    policies_of: Callable[[str], list[dict[str, Any]]]  # role ARN -> its identity policies
    assume: Callable[[str, str], dict[str, str]]  # (role ARN, session name) -> STS credentials
    # resource-based policies: a function's (by name), a queue's (by ARN)
    function_policy: Callable[[str], list[dict[str, Any]]] = lambda name: []
    queue_policy: Callable[[str], list[dict[str, Any]]] = lambda arn: []
    # another account's role session: access key -> (role ARN, session ARN), or None
    session_of_key: Callable[[str], tuple[str, str] | None] = lambda key: None
    # a role's trust policy (None: no such role), read when another account's role is assumed
    trust_of: Callable[[str], dict[str, Any] | None] = lambda role_arn: None
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (principal, action) -> allowed calls
    denials: list[Denial] = field(default_factory=list)
    # refusals of callers from outside the template (the bus policy's), kept apart from the roles'
    caller_denials: list[Denial] = field(default_factory=list)
    # AssumeRole refused by another account's trust policy (not by the caller's own role): apart too
    trust_denials: list[Denial] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._principals: dict[tuple[str, str], Principal] = {}
        self._by_key: dict[str, Principal] = {}
        self._credentials = PrincipalCredentials()
        self._saved: dict[str, Any] = {}

    # -- principals ------------------------------------------------------------------------------
    def principal(self, name: str, role_arn: str, session_name: str) -> Principal:
        """The role session ``name`` runs as (assumed once, through moto's STS)."""
        with self._lock:
            found = self._principals.get((name, role_arn))
            if found is None:
                credentials = self.assume(role_arn, session_name[:64])
                found = Principal(
                    name,
                    role_arn,
                    credentials["Arn"],
                    credentials["AccessKeyId"],
                    credentials["SecretAccessKey"],
                    credentials["SessionToken"],
                )
                self._principals[(name, role_arn)] = found
                self._by_key[found.access_key] = found
            return found

    # -- installing ------------------------------------------------------------------------------
    def install(self) -> Enforcer:
        import boto3
        from aws_lambda_powertools.utilities.parameters import secrets as powertools_secrets

        self._saved["resolver"] = botocore.credentials.create_credential_resolver
        botocore.credentials.create_credential_resolver = lambda *_, **__: Resolver(self._credentials)
        self._saved["providers"] = powertools_secrets.DEFAULT_PROVIDERS
        powertools_secrets.DEFAULT_PROVIDERS = PerPrincipal()
        _installed.append(self)
        for spec in _HANDLERS:
            if spec not in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.append(spec)
        session = boto3.DEFAULT_SESSION
        if session is not None:  # sessions made before now do not read BUILTIN_HANDLERS again
            for spec in _HANDLERS:
                register = session.events.register_first if len(spec) == 3 else session.events.register
                register(spec[0], spec[1], unique_id=f"icp_local.iam:{spec[0]}")
        return self

    def uninstall(self) -> None:
        from aws_lambda_powertools.utilities.parameters import secrets as powertools_secrets

        if not self._saved:
            return
        botocore.credentials.create_credential_resolver = self._saved.pop("resolver")
        powertools_secrets.DEFAULT_PROVIDERS = self._saved.pop("providers")
        # The handlers stay (clients made meanwhile keep them, and may serve the next local cloud):
        # with no enforcer installed they pass every call.
        if self in _installed:
            _installed.remove(self)

    # -- the check -------------------------------------------------------------------------------
    def _caller(self, request_signer: Any) -> Principal | None:
        # Who signs: a role session the local cloud handed out, else whoever runs now (moto's
        # Step Functions interpreter builds its clients with fixed placeholder keys).
        credentials = getattr(request_signer, "_credentials", None)
        key = credentials.get_frozen_credentials().access_key if credentials is not None else None
        return self._by_key.get(key or "") or self._other_account(key) or current()

    def _other_account(self, key: str | None) -> Principal | None:
        found = iam_accounts.principal_of_session(
            self.session_of_key(key) if key else None, key, self.lookup.account
        )
        if found is not None:
            with self._lock:
                self._by_key[found.access_key] = found
        return found

    def before_call(
        self, model: Any, context: dict[str, Any], request_signer: Any = None, **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        if context.get(_DONE_KEY):
            return None
        context[_DONE_KEY] = True
        principal = self._caller(request_signer)
        if principal is None or principal.external:
            return None
        params = context.get(_CONTEXT_KEY) or {}
        region = context.get("client_region") or self.lookup.region
        # Another account's role session names its own account's resources.
        account = account_of(principal.role_arn) or self.lookup.account
        lookup = (
            self.lookup
            if account == self.lookup.account
            else dataclasses.replace(self.lookup, account=account)
        )
        request = iam_actions.request_for(
            model.service_model.service_name, model.name, params, region, lookup
        )
        denial = self.check(principal, request)
        return None if denial is None else error_response(model, denial)

    def check(self, principal: Principal, request: iam_actions.Request) -> Denial | None:
        """Allow (and count) or refuse (and record) one request of ``principal``."""
        documents = self.policies_of(principal.role_arn)
        context = {
            **request.context,
            "aws:principalarn": [principal.role_arn],
            "aws:principalaccount": [account_of(principal.role_arn)],
            "aws:requestedregion": [request.region],
        }
        actions = [request.action, *request.also]
        for action in actions:
            for resource in request.resources:
                decision = evaluate(documents, action, resource.arn, {**context, **resource.context})
                if decision is not Decision.ALLOW:
                    code = ERROR_CODES.get(request.action.split(":")[0], ("AccessDeniedException", 400))[0]
                    message = denial_message(principal.arn, action, resource.arn, decision)
                    if code == "UnauthorizedOperation":
                        message = f"You are not authorized to perform this operation. {message}"
                    denial = Denial(principal.name, principal.arn, action, resource.arn, code, message)
                    with self._lock:
                        self.denials.append(denial)
                    return denial
        if request.action == "sts:AssumeRole":
            refused = self._untrusted(principal, request, context)
            if refused is not None:
                return refused
        with self._lock:
            for action in actions:
                self.calls[(principal.name, action)] += 1
        return None

    def _untrusted(
        self, principal: Principal, request: iam_actions.Request, context: dict[str, list[str]]
    ) -> Denial | None:
        role_arn = request.resources[0].arn
        message = iam_accounts.trust_refusal(
            principal.arn,
            role_arn,
            self.lookup.account,
            self.trust_of,
            {**context, **request.resources[0].context},
        )
        if message is None:
            return None
        denial = Denial(principal.name, principal.arn, "sts:AssumeRole", role_arn, "AccessDenied", message)
        with self._lock:
            self.trust_denials.append(denial)
        return denial

    def check_resource_policy(
        self,
        caller: str,
        action: str,
        resource: str,
        documents: list[dict[str, Any]],
        context: Mapping[str, list[str]],
    ) -> Denial | None:
        """A service principal (``events.amazonaws.com``) against a resource-based policy (a
        function's, a queue's): allow (and count), or refuse (and record)."""
        decision = evaluate(
            documents, action, resource, {k.lower(): v for k, v in context.items()}, caller=caller
        )
        with self._lock:
            if decision is Decision.ALLOW:
                self.calls[(caller, action)] += 1
                return None
            message = (
                f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
                f"because no resource-based policy allows the {action} action"
            )
            denial = Denial(caller, caller, action, resource, "AccessDeniedException", message)
            self.denials.append(denial)
            return denial


# --- the local cloud's view of moto and the emulators -------------------------------------------
def enforcer_for(
    region: str, account: str, interconnect: Any, directconnect: Any, networkmanager: Any = None
) -> Enforcer:
    """An Enforcer that reads roles and their policies from moto's IAM, assumes them through
    moto's STS, and looks up what a request does not say in moto and the emulators."""
    # moto's backends, not its API: these are the local cloud's own look-ups, which must not count
    # as calls (LocalCloud.api_calls) nor be checked.
    from moto.awslambda.models import lambda_backends
    from moto.iam.models import iam_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.sqs.models import sqs_backends
    from moto.sts.models import sts_backends

    def policies_of(role_arn: str) -> list[dict[str, Any]]:
        backend = iam_backends[account_of(role_arn) or account]["global"]
        name = role_arn.rsplit("/", 1)[-1]
        documents = [
            parse_document(backend.get_role_policy(name, policy)[1])
            for policy in backend.list_role_policies(name)
        ]
        attached, _ = backend.list_attached_role_policies(name)
        for policy in attached:  # customer managed ones (moto does not load AWS managed policies)
            version = next(v for v in policy.versions if v.is_default)
            documents.append(parse_document(version.document))
        return documents

    def assume(role_arn: str, session_name: str) -> dict[str, str]:
        role = sts_backends[account]["aws"].assume_role(
            region_name=region,
            role_session_name=session_name,
            role_arn=role_arn,
            policy="",
            duration=43200,
            external_id="",
        )
        return {
            "AccessKeyId": role.access_key_id,
            "SecretAccessKey": role.secret_access_key,
            "SessionToken": role.session_token,
            "Arn": role.arn,
        }

    def function_policy(name: str) -> list[dict[str, Any]]:
        try:
            wire = json.loads(lambda_backends[account][region].get_policy(name))
        except Exception:  # no policy at all
            return []
        return [json.loads(wire["Policy"])]

    def queue_policy(queue_arn: str) -> list[dict[str, Any]]:
        queue = sqs_backends[account][region].queues.get(queue_arn.rsplit(":", 1)[-1])
        policy = queue.policy if queue is not None else None
        return [json.loads(policy)] if policy else []

    def secret_arn(secret_id: str, secret_region: str) -> str:
        secret = secretsmanager_backends[account][secret_region].secrets.get(secret_id)
        if secret is not None:
            return str(secret.arn)
        # One that does not exist (yet): AWS evaluates the ARN its name makes, with no suffix.
        prefix = f"arn:aws:secretsmanager:{secret_region}:{account}:secret:"
        return secret_id if secret_id.startswith("arn:") else prefix + secret_id

    def state_machine_of_token(token: str) -> str | None:
        # AWS reads the execution out of the token; moto keeps tokens in each execution's pool.
        from moto.stepfunctions.responses import get_backend

        for state_machine in get_backend(account, region).state_machines:
            for execution in state_machine.executions:
                env = getattr(getattr(execution, "exec_worker", None), "env", None)
                pool = getattr(env, "callback_pool_manager", None)
                if pool is not None and pool.get(token) is not None:
                    return str(state_machine.arn)
        return None

    def connection(identifier: str, connection_region: str) -> dict[str, Any] | None:
        return next((c for c in interconnect.connections() if identifier in (c["id"], c["arn"])), None)

    def gateway_of_association(association_id: str) -> str | None:
        return next(
            (
                str(a["directConnectGatewayId"])
                for a in directconnect.associations()
                if a.get("associationId") == association_id
            ),
            None,
        )

    lookup = iam_actions.Lookup(
        region,
        account,
        secret_arn=secret_arn,
        state_machine_of_token=state_machine_of_token,
        connection=connection,
        gateway_of_association=gateway_of_association,
        gateway_tags=directconnect.gateway_tags,
        attachment_tags=networkmanager.attachment_tags if networkmanager is not None else lambda _: {},
    )
    return Enforcer(
        lookup,
        policies_of,
        assume,
        function_policy=function_policy,
        queue_policy=queue_policy,
        session_of_key=iam_accounts.session_in_moto,
        trust_of=iam_accounts.trust_in_moto,
    )
