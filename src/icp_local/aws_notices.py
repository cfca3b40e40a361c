"""Events AWS itself publishes that tests need on demand (README, "The local cloud, for your
own tests"): a CloudWatch alarm changing state, and AWS Health announcing Direct Connect
maintenance. Both go to the default bus as AWS would send them (icp_local.eventbridge)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from icp_local.eventbridge import put_aws_event


def set_alarm_state(region: str, name: str, state: str, now: datetime) -> None:
    """Move the CloudWatch alarm ``name`` to ``state`` and publish the `CloudWatch Alarm State
    Change` event, with the state it left."""
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not found:
        raise KeyError(f"no alarm {name!r}")
    previous = found[0]["StateValue"]
    cloudwatch.set_alarm_state(
        AlarmName=name, StateValue=state, StateReason=f"set by the local cloud: {state}"
    )
    put_aws_event(
        region,
        "aws.cloudwatch",
        "CloudWatch Alarm State Change",
        {
            "alarmName": name,
            "state": {"value": state, "reason": "set by the local cloud", "timestamp": now.isoformat()},
            "previousState": {"value": previous},
        },
    )


def announce_maintenance(region: str, aws_connection_id: str, start: float, end: float) -> None:
    """Publish the AWS Health event for scheduled Direct Connect maintenance of a connection."""
    code = "AWS_DIRECTCONNECT_MAINTENANCE_SCHEDULED"
    put_aws_event(
        region,
        "aws.health",
        "AWS Health Event",
        {
            "eventArn": f"arn:aws:health:{region}::event/DIRECTCONNECT/{code}/{aws_connection_id}-{int(start)}",
            "service": "DIRECTCONNECT",
            "eventTypeCode": code,
            "eventTypeCategory": "scheduledChange",
            "startTime": datetime.fromtimestamp(start, tz=UTC).isoformat(),
            "endTime": datetime.fromtimestamp(end, tz=UTC).isoformat(),
            "affectedEntities": [{"entityValue": aws_connection_id}],
        },
    )
