"""Remediation Failed: escalate and release the lease."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import remediation_failed
from icp.task_handler import task_handler
from icp.tasks import RemediationTask


@task_handler(RemediationTask)
def lambda_handler(task: RemediationTask, context: LambdaContext) -> dict[str, Any]:
    return remediation_failed(task.connectionId, str(task.action), task.error)
