"""Answer boto3 calls of one AWS service inside the process.

botocore validates a call's parameters against the service model, serializes it, then
emits ``before-call.<service>``; a handler that returns ``(http_response, parsed)`` there
short-circuits the HTTP layer (the botocore Stubber works this way, and it runs before
moto's own ``before-send`` hook). So an emulator sees only requests that passed
botocore's validation, and its answers reach the caller exactly as parsed responses do.

One router per service is registered in ``botocore.handlers.BUILTIN_HANDLERS`` (so every
session created afterwards gets it, as moto does) and on boto3's default session if one
exists. The router forwards to the emulator installed last, so clients cached by the core
across tests reach whichever emulator is installed now, and fall through when none is.

Every answer is checked against the operation's output shape with a strict validator
(icp_local.emulators.shape_checks; botocore's ParamValidator ignores maximums, enums and patterns), so an emulator bug
shows up as an AssertionError in the test that caused it, not as a confusing failure
further on.
"""

from __future__ import annotations

import base64
import contextvars
import copy
import json
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Self, TypeVar

import botocore.handlers
import botocore.session
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.model import OperationModel, ServiceModel

from icp_local.emulators.shape_checks import assert_matches_shape, shape_errors

T = TypeVar("T")

# Key under which the caller's validated parameters travel in botocore's request context.
_PARAMS_KEY = "icp_local.emulator_params"


class EmulatedError(Exception):
    """Raised by an emulator method; the caller gets a ClientError with this code."""

    def __init__(self, code: str, message: str, http_status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


# --------------------------------------------------------------------------------------
# Routing botocore events to the installed emulator
# --------------------------------------------------------------------------------------

_active: dict[str, list[ServiceEmulator]] = {}
_router_lock = threading.RLock()


def _capture_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    # The same dict is validated and serialized afterwards, so a reference sees any
    # later additions (botocore's generated clientToken) as well.
    context[_PARAMS_KEY] = params


def _route_call(
    model: OperationModel, context: dict[str, Any], request_signer: Any = None, **_: Any
) -> tuple[AWSResponse, dict] | None:
    emulator = _current(model.service_model.service_id.hyphenize())
    if emulator is None:
        return None
    token = _caller_account.set(_account_of(request_signer))
    try:
        return emulator._answer(model, context)
    finally:
        _caller_account.reset(token)


def _account_of(request_signer: Any) -> str | None:
    """The account whose credentials sign the call, as moto tells it (a role assumed in another
    account signs for that account); None outside moto."""
    credentials = getattr(request_signer, "_credentials", None)
    moto_iam = sys.modules.get("moto.iam.models")
    if credentials is None or moto_iam is None:
        return None
    return str(moto_iam.get_account_id_from(credentials.get_frozen_credentials().access_key))


def _current(service_id: str) -> ServiceEmulator | None:
    with _router_lock:
        stack = _active.get(service_id)
        return stack[-1] if stack else None


def _router_specs(service_id: str) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (f"before-parameter-build.{service_id}", _capture_params),
        (f"before-call.{service_id}", _route_call),
    ]


def _default_session_events() -> Any:
    import boto3  # only when installing: the emulators may be used without boto3 sessions

    session = boto3.DEFAULT_SESSION
    return session.events if session is not None else None


def _register_router(service_id: str) -> None:
    for spec in _router_specs(service_id):
        if spec not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(spec)
    events = _default_session_events()
    if events is not None:
        for event, handler in _router_specs(service_id):
            events.register(event, handler, unique_id=f"{_PARAMS_KEY}:{event}")


def _unregister_router(service_id: str) -> None:
    for spec in _router_specs(service_id):
        while spec in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.remove(spec)
    events = _default_session_events()
    if events is not None:
        for event, handler in _router_specs(service_id):
            events.unregister(event, handler, unique_id=f"{_PARAMS_KEY}:{event}")


@cache
def service_model(service_name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service_name)


# --------------------------------------------------------------------------------------
# The base class
# --------------------------------------------------------------------------------------


@dataclass
class _Injected:
    code: str
    message: str
    http_status: int | None
    remaining: int


class _EmptyBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        return iter(())


_region: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "icp_local_emulator_region", default=None
)
_caller_account: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "icp_local_emulator_caller_account", default=None
)


class ServiceEmulator:
    """Answers the operations of one botocore service that a subclass implements.

    A subclass names the service and defines one method per operation, named after it
    in snake_case and taking the operation's parameters as keyword arguments; it returns
    the response body as a dict or raises EmulatedError. Operations without a method
    fall through to whatever else answers (moto, for Direct Connect).
    """

    service_name: ClassVar[str]
    # The code AWS uses for a request that breaks the model's constraints.
    validation_error_code: ClassVar[str]
    default_region: ClassVar[str] = "us-east-1"
    max_page_size: ClassVar[int] = 100
    # Some services serve at most ``max_page_size`` when asked for more; others refuse.
    clamp_page_size: ClassVar[bool] = False

    def __init__(self) -> None:
        self.model = service_model(self.service_name)
        self.service_id = self.model.service_id.hyphenize()
        self.calls: Counter[str] = Counter()
        self.generation = 0
        self._lock = threading.RLock()
        self._injected: dict[str, list[_Injected]] = {}
        self._installed = False

    # -- installing --------------------------------------------------------------------------------
    def install(self) -> Self:
        with _router_lock:
            if not self._installed:
                _register_router(self.service_id)
                _active.setdefault(self.service_id, []).append(self)
                self._installed = True
        return self

    def uninstall(self) -> None:
        with _router_lock:
            if not self._installed:
                return
            stack = _active.get(self.service_id, [])
            if self in stack:
                stack.remove(self)
            if not stack:
                _unregister_router(self.service_id)
            self._installed = False

    @property
    def installed(self) -> bool:
        return self._installed

    def __enter__(self) -> Self:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    # -- what tests read and steer -----------------------------------------------------------------
    def implemented_operations(self) -> list[str]:
        return [
            name for name in self.model.operation_names if callable(getattr(self, xform_name(name), None))
        ]

    def fail_next(
        self,
        operation: str,
        code: str,
        times: int = 1,
        message: str = "Rate exceeded",
        http_status: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``operation`` (model name or snake_case) fail with ``code``."""
        name = self._operation_name(operation)
        with self._lock:
            self._injected.setdefault(name, []).append(_Injected(code, message, http_status, times))

    @property
    def region(self) -> str:
        """The Region of the client whose call is being answered."""
        return _region.get() or self.default_region

    @property
    def caller_account(self) -> str | None:
        """The account of the credentials the call being answered was signed with (None when
        answered without botocore)."""
        return _caller_account.get()

    # -- answering ---------------------------------------------------------------------------------
    def handle(self, operation: str, params: dict[str, Any], region: str | None = None) -> tuple[int, dict]:
        """Answer one call without botocore: ``(http_status, body)``; the body of an error
        is ``{"Error": {"Code", "Message"}}``. Used by the hook, usable directly."""
        name = self._operation_name(operation)
        op_model = self.model.operation_model(name)
        method = getattr(self, xform_name(name), None)
        if method is None:
            raise NotImplementedError(f"{self.service_name}.{name} is not emulated")
        token = _region.set(region)
        try:
            with self._lock:
                self.calls[name] += 1
                injected = self._take_injected(name)
                if injected is not None:
                    raise EmulatedError(injected.code, injected.message, injected.http_status)
                self._validate_input(op_model, params)
                body = method(**copy.deepcopy(params)) or {}
        except EmulatedError as error:
            return self._error_body(error)
        finally:
            _region.reset(token)
        if op_model.output_shape is not None:
            assert_matches_shape(body, op_model.output_shape, f"{self.service_name}.{name} response")
        return 200, body

    def _answer(self, model: OperationModel, context: dict[str, Any]) -> tuple[AWSResponse, dict] | None:
        if not callable(getattr(self, xform_name(model.name), None)):
            return None
        params = context.get(_PARAMS_KEY)
        if params is None:
            raise AssertionError(f"no parameters captured for {self.service_name}.{model.name}")
        status, body = self.handle(model.name, params, context.get("client_region"))
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-requestid": request_id, "content-type": "application/cbor"}
        parsed = copy.deepcopy(body)
        parsed["ResponseMetadata"] = {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        }
        return AWSResponse(
            f"https://{self.model.endpoint_prefix}.emulated",
            status,
            HTTPHeaders.from_dict(headers),
            _EmptyBody(),
        ), parsed

    def _validate_input(self, op_model: OperationModel, params: dict[str, Any]) -> None:
        # botocore checked required members, types and minimums; AWS also checks maximums,
        # enums and patterns, which botocore leaves to the service.
        if op_model.input_shape is None:
            return
        errors = shape_errors(params, op_model.input_shape)
        if errors:
            raise EmulatedError(self.validation_error_code, "; ".join(errors))

    def _error_body(self, error: EmulatedError) -> tuple[int, dict]:
        status = error.http_status or self._modeled_status(error.code)
        body: dict[str, Any] = {"Error": {"Code": error.code, "Message": error.message}}
        if error.code in self.model.shape_names:
            shape = self.model.shape_for(error.code)
            if "message" in getattr(shape, "members", {}):
                body["message"] = error.message  # modeled members, as botocore's parser adds them
        return status, body

    def _modeled_status(self, code: str) -> int:
        if code in self.model.shape_names:
            return int(self.model.shape_for(code).metadata.get("error", {}).get("httpStatusCode", 400))
        return 400

    def _take_injected(self, name: str) -> _Injected | None:
        queue = self._injected.get(name)
        if not queue:
            return None
        injected = queue[0]
        injected.remaining -= 1
        if injected.remaining <= 0:
            queue.pop(0)
        return injected

    def _operation_name(self, operation: str) -> str:
        if operation in self.model.operation_names:
            return operation
        for name in self.model.operation_names:
            if xform_name(name) == operation:
                return name
        raise ValueError(f"{self.service_name} has no operation {operation!r}")

    # -- helpers for subclasses --------------------------------------------------------------------
    def _changed(self) -> None:
        self.generation += 1

    def _page(
        self,
        items: Sequence[T],
        max_results: int | None,
        next_token: str | None,
        default_size: int | None = None,
    ) -> tuple[list[T], str | None]:
        """One page of ``items`` (in a stable order) and the token of the next, if any."""
        size = max_results if max_results is not None else (default_size or self.max_page_size)
        if self.clamp_page_size:
            size = min(size, self.max_page_size)
        if not 1 <= size <= self.max_page_size:
            raise EmulatedError(
                self.validation_error_code, f"maxResults must be between 1 and {self.max_page_size}"
            )
        start = _decode_token(next_token) if next_token else 0
        if start is None or start > len(items):
            raise EmulatedError(self.validation_error_code, "The nextToken is not valid")
        end = start + size
        return list(items[start:end]), (_encode_token(end) if end < len(items) else None)

    def _paged(
        self,
        key: str,
        items: Sequence[T],
        max_results: int | None,
        next_token: str | None,
        view: Callable[[T], Any] = lambda item: item,
    ) -> dict[str, Any]:
        """A list operation's answer: one page of ``items`` as ``view`` shows them under ``key``,
        and ``nextToken`` when more follow."""
        page, token = self._page(items, max_results, next_token)
        answer: dict[str, Any] = {key: [view(item) for item in page]}
        if token:
            answer["nextToken"] = token
        return answer


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str) -> int | None:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None
