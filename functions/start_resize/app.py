"""Start Resize: check the new bandwidth and move to RESIZING."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.resize import start_resize
from icp.task_handler import task_handler
from icp.tasks import BandwidthTask


@task_handler(BandwidthTask)
def lambda_handler(task: BandwidthTask, context: LambdaContext) -> dict[str, Any]:
    return start_resize(task.connectionId, task.bandwidth)
