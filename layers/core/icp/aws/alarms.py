"""The CloudWatch alarms each ACTIVE connection gets, and that decommissioning removes.

- ``icp-<connectionId>-utilization``: egress over 80 % of the provisioned bandwidth for N
  periods (AWS/DX ConnectionBpsEgress of the connection), which remediation answers by
  growing to the next bandwidth within maxBandwidth;
- ``icp-<connectionId>-latency`` and ``-packet-loss``: a Network Synthetic Monitor probe over
  the link (monitor ``icp-<connectionId>``), which catches grey failures.

Their state changes reach the control plane as ``CloudWatch Alarm State Change`` events.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.exceptions import ClientError

from icp import stack
from icp.aws.clients import call, client, error_code
from icp.errors import AwsServiceError
from icp.models import ConnectionRecord, bandwidth_mbps

UTILIZATION_SHARE = 0.8
KINDS = ("utilization", "latency", "packet-loss")


def alarm_name(connection_id: str, kind: str) -> str:
    return f"icp-{connection_id}-{kind}"


def _definitions(record: ConnectionRecord) -> list[dict[str, Any]]:
    periods = int(os.environ.get("UTILIZATION_PERIODS", "3"))
    monitor = [{"Name": "Monitor", "Value": f"icp-{record.connectionId}"}]
    bandwidth_bps = bandwidth_mbps(record.bandwidth or "1Gbps") * 1_000_000
    common = {"TreatMissingData": "notBreaching", "ComparisonOperator": "GreaterThanThreshold",
              "Tags": [{"Key": k, "Value": v} for k, v in stack.tags(**{"icp:connectionId": record.connectionId}).items()]}
    return [
        {**common, "AlarmName": alarm_name(record.connectionId, "utilization"),
         "AlarmDescription": f"{record.connectionId}: egress over {int(UTILIZATION_SHARE * 100)} % of {record.bandwidth}",
         "Namespace": "AWS/DX", "MetricName": "ConnectionBpsEgress", "Statistic": "Average",
         "Dimensions": [{"Name": "ConnectionId", "Value": str(record.awsConnectionId)}],
         "Period": 300, "EvaluationPeriods": periods, "Threshold": UTILIZATION_SHARE * bandwidth_bps},
        {**common, "AlarmName": alarm_name(record.connectionId, "latency"),
         "AlarmDescription": f"{record.connectionId}: round-trip time over the link",
         "Namespace": "AWS/NetworkMonitor", "MetricName": "RTT", "Statistic": "Average", "Dimensions": monitor,
         "Period": 60, "EvaluationPeriods": 5, "Threshold": 100_000.0},  # microseconds
        {**common, "AlarmName": alarm_name(record.connectionId, "packet-loss"),
         "AlarmDescription": f"{record.connectionId}: packet loss over the link",
         "Namespace": "AWS/NetworkMonitor", "MetricName": "PacketLoss", "Statistic": "Average", "Dimensions": monitor,
         "Period": 60, "EvaluationPeriods": 5, "Threshold": 5.0},  # percent
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
    names = [alarm_name(record.connectionId, kind) for kind in KINDS]
    cloudwatch = client("cloudwatch", record.awsRegion)
    try:
        existing = {a["AlarmName"] for a in call(cloudwatch.describe_alarms, AlarmNames=names)["MetricAlarms"]}
        if existing:
            call(cloudwatch.delete_alarms, AlarmNames=sorted(existing))
    except ClientError as exc:
        raise AwsServiceError(f"DeleteAlarms failed with {error_code(exc)}") from exc
    return [f"alarm {name}" for name in sorted(existing)]
