"""Receive Proposal: an EventBridge request carrying an activationKey, started with the key kept aside."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.submit_request import receive_proposal
from icp.observability import logger, metrics, tracer


# The event is not logged: its detail holds the activation key.
@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return receive_proposal(event)
