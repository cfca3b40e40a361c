"""Reject Request: an approver said no (or the approval window passed); nothing was created."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.approval import reject_request
from icp.task_handler import task_handler
from icp.tasks import CleanUpTask


@task_handler(CleanUpTask)
def lambda_handler(task: CleanUpTask, context: LambdaContext) -> dict[str, Any]:
    return reject_request(task.connectionId, task.error)
