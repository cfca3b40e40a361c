"""Check Link after the grace period: down, flapping, or under maintenance."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import check_link
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return check_link(task.connectionId)
