"""Work the local cloud does once per process instead of once per cloud or per call, because
doing it again gives the same answer (README, "The local cloud"; the figures are in
benchmarks/README.md, "Test suite speed"):

- botocore's data loader. Every botocore session (each ``boto3.session.Session()``, each thread
  of PynamoDB, each client moto's Step Functions interpreter makes) would read and parse the
  service models, endpoints and partitions from JSON again; sessions here share one loader per
  search path. The files are botocore's own and never change under a running process.
- Clients, from one cloud to the next: the core's (``icp.aws.clients.client``, the store's
  PynamoDB models and connection), the build's, and those moto's Step Functions interpreter makes
  for each Task state it runs (one per Region and service). A client keeps the request handlers
  it was made with, so every handler the local cloud installs is a function that serves whichever
  cloud runs now (the IAM check, the call counter, the emulators' routers), never one cloud's
  method. They are kept only while each cloud is made alike (IAM on or off, Region, stack name,
  template, parameters: :func:`open_clients`) and nothing outside a cloud made a client meanwhile.
- What a new botocore session spends most of its making on: whether each of its ~130 built-in
  handlers takes ``**kwargs`` (``inspect.getfullargspec``, per handler, per session) and the
  aliasing of each event name (per session, and again per client): once per handler and name.
  The local cloud makes sessions by the hundred (each core client, each PynamoDB thread).
- The names of a moto response class's methods, which moto lists with ``inspect.getmembers`` at
  every call it answers: once per class.
- Parsed YAML, by text, and the SAM transform's output, by its whole input (the template with
  its includes and definitions inlined, and the Region): each copied, not made again.
- The parse of a definition moto's interpreter makes at every execution's start (an ANTLR parse
  of the whole ASL): once per definition text. The parsed program is a tree of components that
  keep nothing of an execution (its state lives in the execution's environment; checked for
  moto 5.2.5, pinned); the one value a component makes lazily, its key in that environment's
  heap, is made before the program is shared, so no two threads race to make it.
- The private key moto generates for every KMS key it creates (an RSA key, even for the
  symmetric keys the template declares, which never use it): one per key spec, shared. Each
  local cloud makes two keys; generating them was a tenth of a second of every cloud's start.
- SigV4 signatures, which nothing in a local cloud checks (moto reads the access key from the
  ``Authorization`` header's credential scope, and so does the local cloud's IAM): while a cloud
  runs, and only then (a test of real signing in the same process must see real signatures), the
  header is written with its scope and without hashing the request.
- The core's pydantic models, built before any handler runs. They defer building their
  validators to first use (cold starts, README "Cold starts"), and pydantic's deferred build is
  not safe across threads: two handlers of one local cloud validating a model for the first time
  at once can see pydantic's placeholder (a PydanticUserError). In Lambda one process serves one
  invocation at a time; here every module of the core is imported and each deferred model built
  once, on the thread that starts the first cloud.
- The ASL check moto makes at CreateStateMachine (an ANTLR parse of the whole definition): a
  definition text that passed once passes again; one that failed is checked again (and fails).

Each cache is keyed by all of its input, and nothing here changes what a call of the control
plane is answered (the shared KMS key material is read by no call it makes; signatures are
checked by nothing in a local cloud).
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_installed = False
_clients: dict[tuple[str, str], Any] = {}
_valid_definitions: set[str] = set()


def install() -> None:
    """Idempotent; stays for the life of the process (each patch is keyed by its whole input)."""
    global _installed
    with _lock:
        if _installed:
            return
        _share_botocore_loader()
        _register_handlers_cheaply()
        _cache_interpreter_clients()
        _remember_valid_definitions()
        _parse_programs_once()
        _list_response_methods_once()
        _one_private_key_per_spec()
        _build_core_models()
        _installed = True


_last_cloud: list[Any] = []  # (signature, core cache misses) of the cloud that stopped last


def _core_client_caches() -> tuple[Any, ...]:
    from icp.aws import clients
    from icp.store import items

    return (clients.client, items.records_model, items.history_model, items.markers_model, items.connection)


def _misses() -> tuple[int, ...]:
    return tuple(cache.cache_info().misses for cache in _core_client_caches())


def open_clients(signature: Any) -> None:
    """At a cloud's start: keep the clients the last cloud made if it was made alike and nothing
    made clients since (a test using the core outside a cloud, say); else forget them all."""
    last = _last_cloud.pop() if _last_cloud else None
    if last != (signature, _misses()):
        forget_clients()
    _sign_without_hashing(True)


def close_clients(signature: Any) -> None:
    """At a cloud's stop: what the next one compares with; real signatures again."""
    _sign_without_hashing(False)
    _last_cloud.append((signature, _misses()))


def forget_clients() -> None:
    from icp_local import build_clients

    for cache in _core_client_caches():
        cache.cache_clear()
    build_clients.forget()
    with _lock:
        _clients.clear()


@functools.cache
def _parsed_yaml(text: str) -> Any:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(text)


def yaml_parse(text: str) -> Any:
    """samtranslator's ``yaml_parse`` (CloudFormation's short forms included), cached by text; the
    caller gets its own copy to change."""
    return copy.deepcopy(_parsed_yaml(text))


_transformed: dict[str, Any] = {}


def transformed(sam: dict[str, Any], region: str, transform: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``transform()`` (the SAM transform of ``sam`` in ``region``), made once per input; the
    caller gets its own copy to change."""
    key = json.dumps([sam, region], sort_keys=True, default=str)
    if key not in _transformed:
        _transformed[key] = transform()
    return copy.deepcopy(_transformed[key])


def _share_botocore_loader() -> None:
    import botocore.loaders
    import botocore.session

    # botocore.session imported create_loader by name; the session calls that name.
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)  # type: ignore[attr-defined]


def _register_handlers_cheaply() -> None:
    from botocore import hooks

    accepts_kwargs = hooks.accepts_kwargs
    known: dict[Any, bool] = {}

    def accepts_kwargs_once(func: Any) -> bool:
        target = getattr(func, "__func__", func)  # a bound method takes what its function takes
        try:
            return known[target]
        except KeyError:
            known[target] = found = bool(accepts_kwargs(func))
            return found
        except TypeError:  # unhashable: asked each time
            return bool(accepts_kwargs(func))

    hooks.accepts_kwargs = accepts_kwargs_once  # type: ignore[assignment]

    aliased: dict[str, str] = {}  # for botocore's default aliases, which every session uses
    make = hooks.EventAliaser.__init__

    def init(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        make(self, event_emitter, event_aliases)
        if self._event_aliases == hooks.EVENT_ALIASES:
            self._alias_name_cache = aliased

    hooks.EventAliaser.__init__ = init  # type: ignore[method-assign]


def _cache_interpreter_clients() -> None:
    import sys

    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils  # noqa: F401
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: F401
        state_task_service_factory,
    )
    from moto.stepfunctions.parser.asl.utils import boto_client

    make = boto_client.boto_client_for

    def cached(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        with _lock:
            found = _clients.get(key)
        if found is None:
            found = make(region, service, state_credentials)  # moto's fixed test credentials
            with _lock:
                found = _clients.setdefault(key, found)
        return found

    # Each task module imported the function by name: the name is replaced where it was bound.
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.") and getattr(module, "boto_client_for", None) is make:
            module.boto_client_for = cached  # type: ignore[attr-defined]


def _parse_programs_once() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    programs: dict[str, Any] = {}

    def entrypoint(self: Any) -> Any:
        definition = self._evaluation_details.state_machine_details.definition
        with _lock:
            program = programs.get(definition)
        if program is None:
            program = AmazonStateLanguageParser.parse(definition)[0]
            _make_heap_keys(program)
            with _lock:
                program = programs.setdefault(definition, program)
        return program

    ExecutionWorker._get_evaluation_entrypoint = entrypoint  # type: ignore[method-assign]


def _make_heap_keys(program: Any) -> None:
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    seen: set[int] = set()
    pending = [program]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            _ = node.heap_key
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, (list, tuple, set)):
            pending.extend(node)
        elif hasattr(node, "__dict__") and type(node).__module__.startswith("moto."):
            pending.extend(vars(node).values())


def _one_private_key_per_spec() -> None:
    from moto.kms import models

    models.generate_private_key = functools.cache(models.generate_private_key)  # type: ignore[attr-defined]


_real_add_auth: list[Any] = []


def _sign_without_hashing(on: bool) -> None:
    from botocore import auth
    from botocore.exceptions import NoCredentialsError

    if not _real_add_auth:
        _real_add_auth.append(auth.SigV4Auth.add_auth)
    if not on:
        auth.SigV4Auth.add_auth = _real_add_auth[0]  # type: ignore[method-assign]
        return

    def add_auth(self: Any, request: Any) -> None:
        if self.credentials is None:
            raise NoCredentialsError()
        # botocore.auth has get_current_datetime at run time (its stubs do not list it).
        now = auth.get_current_datetime()  # type: ignore[attr-defined]
        request.context["timestamp"] = now.strftime(auth.SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)  # the date and session-token headers
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.scope(request)}, SignedHeaders=host, Signature=local"
        )

    auth.SigV4Auth.add_auth = add_auth  # type: ignore[method-assign]


def _build_core_models() -> None:
    import importlib
    import pkgutil

    import icp
    from pydantic import BaseModel

    for module in pkgutil.walk_packages(icp.__path__, "icp."):
        importlib.import_module(module.name)
    pending: list[type[BaseModel]] = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("icp.") and not model.__pydantic_complete__:
            model.model_rebuild()


def _list_response_methods_once() -> None:
    from moto.core import responses

    responses.method_names_from_class = functools.cache(responses.method_names_from_class)  # type: ignore[attr-defined]


def _remember_valid_definitions() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    check = StepFunctionsParserBackend._validate_definition

    def validate(definition: str) -> None:
        if definition in _valid_definitions:
            return
        check(definition)  # raises InvalidDefinition
        _valid_definitions.add(definition)

    StepFunctionsParserBackend._validate_definition = staticmethod(validate)  # type: ignore[method-assign,assignment]
