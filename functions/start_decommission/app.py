"""Start Decommission: the record moves to DECOMMISSIONING, or is held for an approver first
(RequireDecommissionApproval); the same function ends the hold either way."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.decommission import decommission_approved, decommission_not_approved, start_decommission
from icp.task_handler import task_handler
from icp.tasks import StartDecommissionTask


@task_handler(StartDecommissionTask)
def lambda_handler(task: StartDecommissionTask, context: LambdaContext) -> dict[str, Any]:
    if task.phase == "approved":
        return decommission_approved(task.connectionId)
    if task.phase == "not-approved":
        return decommission_not_approved(task.connectionId, task.error)
    return start_decommission(task.connectionId, task.event, task.requireApproval == "true")
