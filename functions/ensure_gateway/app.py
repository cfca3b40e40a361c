"""Ensure Gateway: the Direct Connect gateway to attach to."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.ensure_gateway import ensure_gateway
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return ensure_gateway(task.connectionId)
