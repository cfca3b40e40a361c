"""Starting executions, and completing the task tokens of executions that wait on a connection."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from icp.aws.clients import call, client, error_code
from icp.observability import emit, logger

# A token that already completed, timed out or belongs to a stopped execution: nothing to do.
_GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"}


def send_success(token: str, output: dict[str, Any]) -> bool:
    return _complete("send_task_success", taskToken=token, output=json.dumps(output))


def send_failure(token: str, error: str, cause: str) -> bool:
    return _complete("send_task_failure", taskToken=token, error=error, cause=cause)


def _complete(operation: str, **params: str) -> bool:
    """Completes a task token; False if it was already gone (nothing waits on it any more)."""
    try:
        call(getattr(client("stepfunctions"), operation), **params)
        return True
    except ClientError as exc:
        if error_code(exc) in _GONE:
            logger.info("task token already gone", extra={"error": error_code(exc)})
            return False
        raise


def start_execution(state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
    """Start an execution by name. A name already used is the same request arriving again:
    the existing execution's ARN is returned and nothing new starts."""
    arn = f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
    try:
        started = str(
            call(
                client("stepfunctions").start_execution,
                stateMachineArn=state_machine_arn,
                name=name,
                input=json.dumps(payload),
            )["executionArn"]
        )
        emit("ExecutionsStarted", workflow=state_machine_arn.rsplit("-", 1)[-1])
        return started
    except ClientError as exc:
        if error_code(exc) == "ExecutionAlreadyExists":
            return arn
        raise
