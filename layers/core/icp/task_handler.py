"""The entry of every Step Functions task function (functions/*/app.py; README, "How it works"):
``icp.observability.entry`` (logging context, tracing, metrics) around a handler whose event is
parsed into its task model (icp.tasks), so a malformed task fails before any work is done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser

from icp.observability import entry


def task_handler(model: type[Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@task_handler(ConnectionTask)`` on ``lambda_handler(task, context)``."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        parsed = event_parser(model=model)(handler)
        return entry()(parsed)

    return wrap
