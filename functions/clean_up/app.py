"""Clean Up after a failure, then record FAILED."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.clean_up import clean_up
from icp.task_handler import task_handler
from icp.tasks import CleanUpTask


@task_handler(CleanUpTask)
def lambda_handler(task: CleanUpTask, context: LambdaContext) -> dict[str, Any]:
    return clean_up(task.connectionId, task.error)
