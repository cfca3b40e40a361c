"""Mark Recovered: DEGRADED back to ACTIVE."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import mark_recovered
from icp.task_handler import task_handler
from icp.tasks import MarkRecoveredTask


@task_handler(MarkRecoveredTask)
def lambda_handler(task: MarkRecoveredTask, context: LambdaContext) -> dict[str, Any]:
    return mark_recovered(task.connectionId, action=task.action)
