"""The CloudWatch alarm each ACTIVE connection gets, and that decommissioning removes.

``<stack>-<connectionId>-utilization``: egress over 80 % of the provisioned bandwidth for N
periods (AWS/DX ConnectionBpsEgress of the connection), which remediation answers by growing
to the next bandwidth within maxBandwidth. ``<stack>`` is the stack's name (``STACK_NAME``),
so two stacks in one account never react to each other's alarms.

No latency or packet-loss alarm is created: they would watch a Network Synthetic Monitor
probe, which needs a source subnet and a destination address on the remote side that no
request carries (README, "Watching and repairing links"). An alarm a user makes on their own
probe, named ``<stack>-<connectionId>-latency`` or ``-packet-loss``, is still a signal.
Decommissioning also removes the three alarms releases before 0.6.0 made
(``icp-<connectionId>-utilization|latency|packet-loss``).

State changes reach the control plane as ``CloudWatch Alarm State Change`` events.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from icp import config
from icp import stack as icp_stack
from icp.aws.clients import call, client, error_code
from icp.errors import AwsServiceError
from icp.models import ConnectionRecord, bandwidth_mbps

UTILIZATION_SHARE = 0.8
KINDS = ("utilization", "latency", "packet-loss")  # the signals an alarm name may carry
LEGACY_PREFIX = "icp"  # what alarm names started with before they carried the stack's name
NAME_LIMIT = 255  # PutMetricAlarm's AlarmName
_ALARM_NAME = re.compile(
    r"^(?P<stack>.+)-(?P<connection>icc-[0-9a-f]{20})-(?P<kind>utilization|latency|packet-loss)$"
)


def alarm_name(connection_id: str, kind: str, stack: str | None = None) -> str:
    return f"{stack or icp_stack.name()}-{connection_id}-{kind}"


def parse_alarm_name(name: str, stack: str | None = None) -> tuple[str, str] | None:
    """``(connectionId, kind)`` of this stack's connection alarm, or None for any other alarm
    (another stack's included)."""
    match = _ALARM_NAME.match(name)
    if not match or match.group("stack") != (stack or icp_stack.name()):
        return None
    return match.group("connection"), match.group("kind")


def _definitions(record: ConnectionRecord) -> list[dict[str, Any]]:
    periods = config.settings().utilization_periods
    bandwidth_bps = bandwidth_mbps(record.bandwidth or "1Gbps") * 1_000_000
    common = {
        "TreatMissingData": "notBreaching",
        "ComparisonOperator": "GreaterThanThreshold",
        "Tags": [
            {"Key": k, "Value": v}
            for k, v in icp_stack.tags(**{"icp:connectionId": record.connectionId}).items()
        ],
    }
    return [
        {
            **common,
            "AlarmName": alarm_name(record.connectionId, "utilization"),
            "AlarmDescription": f"{record.connectionId}: egress over {int(UTILIZATION_SHARE * 100)} % of {record.bandwidth}",
            "Namespace": "AWS/DX",
            "MetricName": "ConnectionBpsEgress",
            "Statistic": "Average",
            "Dimensions": [{"Name": "ConnectionId", "Value": str(record.awsConnectionId)}],
            "Period": 300,
            "EvaluationPeriods": periods,
            "Threshold": UTILIZATION_SHARE * bandwidth_bps,
        },
    ]


def ensure_alarms(record: ConnectionRecord) -> list[str]:
    """Create or update the connection's alarms (put_metric_alarm is an upsert)."""
    cloudwatch = client("cloudwatch", record.awsRegion)
    names = []
    for definition in _definitions(record):
        try:
            call(cloudwatch.put_metric_alarm, **definition)
        except ClientError as exc:
            raise AwsServiceError(f"PutMetricAlarm failed with {error_code(exc)}") from exc
        names.append(definition["AlarmName"])
    return names


def delete_alarms(record: ConnectionRecord) -> list[str]:
    """The connection's utilization alarm, and any alarm an earlier release made for it."""
    names = [
        alarm_name(record.connectionId, "utilization"),
        *(alarm_name(record.connectionId, kind, LEGACY_PREFIX) for kind in KINDS),
    ]
    cloudwatch = client("cloudwatch", record.awsRegion)
    try:
        existing = {
            a["AlarmName"] for a in call(cloudwatch.describe_alarms, AlarmNames=names)["MetricAlarms"]
        }
        if existing:
            call(cloudwatch.delete_alarms, AlarmNames=sorted(existing))
    except ClientError as exc:
        raise AwsServiceError(f"DeleteAlarms failed with {error_code(exc)}") from exc
    return [f"alarm {name}" for name in sorted(existing)]
