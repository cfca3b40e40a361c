"""Runs the template's Lambda functions in-process: the real handler, the real event,
a Lambda context, and the function's environment variables."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from icp_local import iam
from icp_local.template import FunctionSpec, Stack


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str
    function_version: str = "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "icp-local"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


class FunctionRuntime:
    def __init__(
        self, stack: Stack, principal_for: Callable[[FunctionSpec], iam.Principal | None] | None = None
    ):
        self.stack = stack
        # Each invocation runs as its function's role session (None: unchecked, as the operator).
        self.principal_for = principal_for or (lambda spec: None)
        self.invocations: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()

    def environment(self) -> dict[str, str]:
        """The functions' environment variables, which the local cloud applies to the process.
        They must agree across functions, since all share one process."""
        merged: dict[str, str] = {}
        for spec in self.stack.functions.values():
            for key, value in spec.environment.items():
                if merged.setdefault(key, value) != value:
                    raise ValueError(f"functions disagree on {key}; the local cloud runs them in one process")
        return merged

    def _handler(self, spec: FunctionSpec) -> Any:
        module_name, _, attribute = spec.handler.rpartition(".")
        with self._lock:
            module = self._modules.get(spec.logical_id)
            if module is None:
                path = spec.code_dir / (module_name.replace(".", "/") + ".py")
                loader = importlib.util.spec_from_file_location(f"icp_local_fn_{spec.logical_id}", path)
                assert loader and loader.loader
                module = importlib.util.module_from_spec(loader)
                loader.loader.exec_module(module)
                self._modules[spec.logical_id] = module
        return getattr(module, attribute)

    def spec(self, function: str) -> FunctionSpec:
        """A function by name or ARN."""
        spec = self.stack.function_by_name(function.rsplit(":", 1)[-1]) or next(
            (f for f in self.stack.functions.values() if f.arn == function), None
        )
        if spec is None:
            raise LookupError(f"no function {function} in the template")
        return spec

    def invoke(self, function: str, event: Any) -> tuple[Any, bool]:
        """Invoke by name or ARN. Returns (result or error payload, errored)."""
        spec = self.spec(function)
        if isinstance(event, (str, bytes)):
            event = json.loads(event or "{}")
        self.invocations[spec.logical_id] += 1
        context = LambdaContext(spec.name, spec.arn, spec.memory, spec.timeout, str(uuid.uuid4()))
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = spec.name
        try:
            with iam.running_as(self.principal_for(spec)):
                return self._handler(spec)(event, context), False
        except Exception as exc:
            self.errors[spec.logical_id] += 1
            return {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_tb(exc.__traceback__)[-3:],
            }, True

    def moto_invoke(self, function_name: str, event: Any) -> tuple[str, bool, str]:
        """The shape moto's LambdaFunction._invoke_lambda returns."""
        result, errored = self.invoke(function_name, event)
        return json.dumps(result, default=str), errored, ""
