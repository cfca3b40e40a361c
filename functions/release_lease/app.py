"""Release Lease and publish Remediation Completed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import release_lease
from icp.task_handler import task_handler
from icp.tasks import ReleaseLeaseTask


@task_handler(ReleaseLeaseTask)
def lambda_handler(task: ReleaseLeaseTask, context: LambdaContext) -> dict[str, Any]:
    return release_lease(task.connectionId, task.action, task.outcome)
