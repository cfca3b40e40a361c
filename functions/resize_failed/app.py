"""Resize Failed: ACTIVE at the old bandwidth, with the reason."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.resize import resize_failed
from icp.task_handler import task_handler
from icp.tasks import ResizeFailedTask


@task_handler(ResizeFailedTask)
def lambda_handler(task: ResizeFailedTask, context: LambdaContext) -> dict[str, Any]:
    return resize_failed(task.connectionId, task.bandwidth, task.error)
