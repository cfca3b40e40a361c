"""Resize For Utilization: start the resize workflow to the next bandwidth."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import resize_for_utilization
from icp.task_handler import task_handler
from icp.tasks import BandwidthTask


@task_handler(BandwidthTask)
def lambda_handler(task: BandwidthTask, context: LambdaContext) -> dict[str, Any]:
    return resize_for_utilization(task.connectionId, task.bandwidth)
