"""Receive Proposal: an EventBridge request carrying an activationKey, started with the key kept aside."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.submit_request import receive_proposal
from icp.observability import entry


# The event is not logged: its detail holds the activation key.
@entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return receive_proposal(event)
