"""The entry of every Step Functions task function (functions/*/app.py; README, "How it works"):
Powertools' Lambda logging context, tracing and metrics around a handler whose event is parsed
into its task model (icp.tasks), so a malformed task fails before any work is done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser

from icp.observability import logger, metrics, tracer


def task_handler(model: type[Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@task_handler(ConnectionTask)`` on ``lambda_handler(task, context)``."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        parsed = event_parser(model=model)(handler)
        return logger.inject_lambda_context(tracer.capture_lambda_handler(metrics.log_metrics(parsed)))

    return wrap
