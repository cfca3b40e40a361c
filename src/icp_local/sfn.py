"""Hooks into moto's Step Functions interpreter (moto 5.2.5, pinned in pyproject.toml).

moto runs real ASL in threads and really sleeps in Wait states, Retry intervals,
waitForTaskToken timeouts and between the DescribeExecution polls of a
``startExecution.sync:2`` task. These hooks put those waits on the local cloud's simulated
clock (a parent following a child parks until some execution ends), count running
executions so the driver knows when every execution is parked, and send Lambda invocations
to the in-process handlers.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

from icp_local import iam
from icp_local.clock import SimClock

_lock = threading.Lock()
_state: dict[str, Any] = {
    "clock": None,
    "invoke": None,
    "running": 0,
    "installed": False,
    "saved": {},
    "principal": lambda role_arn, state_machine_arn: None,
    "followers": set(),
}  # events of parents parked on a child workflow


class _ContextThread(threading.Thread):
    """A thread that runs in a copy of its creator's context variables (as asyncio tasks do):
    the interpreter runs each state in a thread of its own, and the state's calls to AWS are
    still the execution's, made with its role (icp_local.iam)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._context = contextvars.copy_context()

    def run(self) -> None:
        self._context.run(super().run)


def _threading_with_context() -> ModuleType:
    shim = ModuleType("threading")
    shim.__dict__.update(threading.__dict__)
    shim.Thread = _ContextThread  # type: ignore[attr-defined]
    return shim


def _sfn_names(value: Any) -> Any:
    """A Step Functions API answer (camelCase) as the startExecution integration returns it
    (PascalCase, docs/conformance.md), except the execution's own input and output JSON."""
    if not isinstance(value, dict):
        return value
    value.pop("ResponseMetadata", None)
    for key in list(value):
        item = value.pop(key)
        value[key[:1].upper() + key[1:]] = item if key in ("input", "output") else _sfn_names(item)
    return value


def running_executions() -> int:
    return int(_state["running"])


def install(
    clock: SimClock,
    invoke: Callable[[str, Any], tuple[str, bool, str]],
    principal: Callable[[str, str], iam.Principal | None] | None = None,
) -> None:
    """Route moto's waits to ``clock`` and its Lambda invocations to ``invoke(function_name, event)``;
    each execution runs as ``principal(role ARN, state machine ARN)`` (its role session)."""
    _state["clock"], _state["invoke"], _state["running"] = clock, invoke, 0
    _state["principal"] = principal or (lambda role_arn, state_machine_arn: None)
    if _state["installed"]:
        return
    from moto.awslambda import models as lambda_models
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.program import program
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as callback_module,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_module,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
    from moto.stepfunctions.parser.asl.eval.callback import callback as callback_endpoints
    from moto.stepfunctions.parser.backend import execution_worker

    saved = _state["saved"]
    saved["sfn_parameters"] = sfn_module.StateTaskServiceSfn._normalise_parameters
    saved["sfn_response"] = sfn_module.StateTaskServiceSfn._normalise_response
    saved["program_threading"], saved["state_thread"] = program.threading, execute_state.Thread
    saved["wait"] = wait_function.WaitFunction._wait_interval
    saved["retry_time"] = retrier_decl.time
    saved["token"] = callback_module.StateTaskServiceCallback._wait_for_task_token_timeout
    saved["logic"] = execution_worker.ExecutionWorker._execution_logic
    saved["start"] = execution_worker.ExecutionWorker.start
    saved["invoke"] = lambda_models.LambdaFunction._invoke_lambda
    saved["notify"] = callback_endpoints.CallbackEndpoint.notify
    saved["sync"] = callback_module.StateTaskServiceCallback._eval_sync

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        _state["clock"].park(wait_seconds)

    def wait_for_token(self: Any, timeout_seconds: int | None, callback_endpoint: Any) -> Any:
        # Task timeouts default to 99999999 s in moto; the clock treats them like any other time.
        _state["clock"].park(timeout_seconds, [callback_endpoint._notify_event])
        return callback_endpoint.get_outcome()

    def start(self: Any) -> None:
        # Counted before the thread exists, so the driver never sees a just-started execution as idle.
        with _lock:
            _state["running"] += 1
        saved["start"](self)

    def execution_logic(self: Any) -> None:
        details = self._evaluation_details
        try:
            # The interpreter's Lambda and SDK calls are the state machine's, made with its role.
            with iam.running_as(
                _state["principal"](details.aws_execution_details.role_arn, details.state_machine_details.arn)
            ):
                saved["logic"](self)
        finally:
            with _lock:
                _state["running"] -= 1
                for ended in _state["followers"]:  # a parent may be following this one
                    ended.set()
            _state["clock"].poke()

    def sfn_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        # moto 5.2.5 dropped the parser's renaming of ASL's StateMachineArn/Input/Name to boto's
        # stateMachineArn/input/name: StartExecution failed with KeyError (tests/unit/test_sfn_sync.py).
        saved["sfn_parameters"](self, parameters, boto_service_name, service_action_name)
        for key in list(parameters):
            parameters[key[:1].lower() + key[1:]] = parameters.pop(key)

    def sfn_response(
        self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
    ) -> None:
        _sfn_names(response)

    def eval_sync(
        self: Any,
        env: Any,
        sync_resolver: Any,
        timeout_seconds: Any,
        callback_endpoint: Any,
        heartbeat_endpoint: Any,
    ) -> Any:
        # moto polls DescribeExecution every 0.5 real seconds; here the parent parks on the clock
        # until an execution ends, then asks again (as AWS, told by its managed rule). moto also
        # listens for a task token on every Step Functions task; no workflow here passes one.
        while env.is_running():
            ended = threading.Event()
            with _lock:  # listening before asking: an end between the two still wakes it
                _state["followers"].add(ended)
            try:
                result = sync_resolver()
                if result:
                    return result
                _state["clock"].park(None, [ended])
            finally:
                with _lock:
                    _state["followers"].discard(ended)
        return None

    def invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        return _state["invoke"](self.function_name, event)

    def notify(self: Any, outcome: Any) -> None:
        saved["notify"](self, outcome)
        _state["clock"].poke()  # wake the parked execution now, not at its next re-check

    wait_function.WaitFunction._wait_interval = wait_interval
    # The retrier reads only time.sleep: a namespace stands in for the module.
    retrier_decl.time = SimpleNamespace(sleep=lambda seconds: _state["clock"].park(seconds))  # type: ignore[assignment]
    callback_module.StateTaskServiceCallback._wait_for_task_token_timeout = wait_for_token
    execution_worker.ExecutionWorker._execution_logic = execution_logic
    execution_worker.ExecutionWorker.start = start
    lambda_models.LambdaFunction._invoke_lambda = invoke_lambda
    callback_endpoints.CallbackEndpoint.notify = notify
    callback_module.StateTaskServiceCallback._eval_sync = eval_sync
    sfn_module.StateTaskServiceSfn._normalise_parameters = sfn_parameters
    sfn_module.StateTaskServiceSfn._normalise_response = sfn_response
    program.threading = _threading_with_context()
    execute_state.Thread = _ContextThread  # type: ignore[misc]  # the name moto starts state threads by
    _state["installed"] = True


def uninstall() -> None:
    if not _state["installed"]:
        return
    from moto.awslambda import models as lambda_models
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.program import program
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as callback_module,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_module,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
    from moto.stepfunctions.parser.asl.eval.callback import callback as callback_endpoints
    from moto.stepfunctions.parser.backend import execution_worker

    saved = _state["saved"]
    sfn_module.StateTaskServiceSfn._normalise_parameters = saved["sfn_parameters"]
    sfn_module.StateTaskServiceSfn._normalise_response = saved["sfn_response"]
    program.threading = saved["program_threading"]
    execute_state.Thread = saved["state_thread"]  # type: ignore[misc]  # as install set it
    wait_function.WaitFunction._wait_interval = saved["wait"]
    retrier_decl.time = saved["retry_time"]
    callback_module.StateTaskServiceCallback._wait_for_task_token_timeout = saved["token"]
    execution_worker.ExecutionWorker._execution_logic = saved["logic"]
    execution_worker.ExecutionWorker.start = saved["start"]
    lambda_models.LambdaFunction._invoke_lambda = saved["invoke"]
    callback_endpoints.CallbackEndpoint.notify = saved["notify"]
    callback_module.StateTaskServiceCallback._eval_sync = saved["sync"]
    _state["installed"] = False
