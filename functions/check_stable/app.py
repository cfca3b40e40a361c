"""Check Stable: up, and no longer flapping."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import check_stable
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return check_stable(task.connectionId)
