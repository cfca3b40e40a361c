"""Remediation Failed: escalate and release the lease."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import remediation_failed
from icp.task_handler import task_handler
from icp.tasks import RemediationFailedTask


@task_handler(RemediationFailedTask)
def lambda_handler(task: RemediationFailedTask, context: LambdaContext) -> dict[str, Any]:
    return remediation_failed(task.connectionId, task.action, task.error)
