"""Update Bandwidth at AWS Interconnect."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.resize import update_bandwidth
from icp.task_handler import task_handler
from icp.tasks import BandwidthTask


@task_handler(BandwidthTask)
def lambda_handler(task: BandwidthTask, context: LambdaContext) -> dict[str, Any]:
    return update_bandwidth(task.connectionId, task.bandwidth)
