"""Repair Routes: propagate both sides again."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import repair_routes
from icp.task_handler import task_handler
from icp.tasks import RemediationTask


@task_handler(RemediationTask)
def lambda_handler(task: RemediationTask, context: LambdaContext) -> dict[str, Any]:
    return repair_routes(task.connectionId)
