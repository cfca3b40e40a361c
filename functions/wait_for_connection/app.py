"""Keep a waiting execution's task token on the record (waitForTaskToken steps)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.wait_for_connection import wait_for_connection
from icp.task_handler import task_handler
from icp.tasks import WaitTask


@task_handler(WaitTask)
def lambda_handler(task: WaitTask, context: LambdaContext) -> dict[str, Any]:
    return wait_for_connection(task.connectionId, task.waitFor, task.taskToken, task.status, task.reason)
