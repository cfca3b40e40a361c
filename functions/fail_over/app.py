"""Fail Over: routes to the remote CIDRs onto the backup path."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import fail_over
from icp.task_handler import task_handler
from icp.tasks import FailOverTask


@task_handler(FailOverTask)
def lambda_handler(task: FailOverTask, context: LambdaContext) -> dict[str, Any]:
    return fail_over(task.connectionId, task.reason, task.action)
