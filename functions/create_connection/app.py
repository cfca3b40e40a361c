"""Create Connection: the AWS Interconnect connection."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.create_connection import create_connection
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return create_connection(task.connectionId)
