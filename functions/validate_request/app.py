"""Validate Request: create the record and run every check."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.validate_request import validate_request
from icp.task_handler import task_handler
from icp.tasks import ValidateRequestTask


@task_handler(ValidateRequestTask)
def lambda_handler(task: ValidateRequestTask, context: LambdaContext) -> dict[str, Any]:
    return validate_request(
        task.request,
        task.executionArn,
        retry=task.retry,
        requested_by=task.requested_by,
        key_kept=task.key_kept,
    )
