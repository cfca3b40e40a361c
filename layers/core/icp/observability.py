"""Powertools' Logger, Tracer and Metrics, created once for the whole core, and the few
business metrics the dashboard shows (namespace InterconnectControlPlane):

- ``ExecutionsStarted`` (workflow), ``WorkflowOutcome`` (workflow, outcome)
- ``ConnectionsByStatus`` (status): a count of connections entering each status
- ``RemediationActions`` (action, outcome)
- ``SweepDuration`` (milliseconds) and ``SweepLag`` (seconds between schedule and run)
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from icp import config

SERVICE = "interconnect-control-plane"
NAMESPACE = "InterconnectControlPlane"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


def emit(name: str, value: float = 1, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
    """One metric with its own dimensions, written as an EMF line (CloudWatch picks it up from
    the function's log). Off where Powertools metrics are disabled (the local cloud)."""
    if config.settings().metrics_disabled:
        return
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension("service", SERVICE)
        for key, dimension in dimensions.items():
            metric.add_dimension(key, str(dimension))
