"""Powertools' Logger, Tracer and Metrics, created once for the whole core, and the few
business metrics the dashboard shows (namespace InterconnectControlPlane):

- ``ExecutionsStarted`` (workflow), ``WorkflowOutcome`` (workflow, outcome)
- ``ConnectionsByStatus`` (status): a count of connections entering each status
- ``RemediationActions`` (action, outcome)
- ``SweepDuration`` (milliseconds) and ``SweepLag`` (seconds between schedule and run)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.tracing.base import BaseProvider

from icp import config

SERVICE = "interconnect-control-plane"
NAMESPACE = "InterconnectControlPlane"

logger = Logger(service=SERVICE)
# X-Ray's recorder is loaded when the first segment opens, not at import: aws_xray_sdk.core pulls in
# asyncio and its recorder, a tenth of a bare `import boto3`, on every cold start (README, "Cold
# starts"). Patched then, and only there: botocore (every AWS call, DynamoDB's through PynamoDB
# included) and http.client (icp.http's urllib calls to ServiceNow and partners); X-Ray's
# patch_all, Powertools' default, would import requests, sqlite3 and the rest only to patch them.
# requests is patched where the Google clients are built (icp.partners.google_clients).
TRACED_LIBRARIES = ("botocore", "httplib")


class XRayOnFirstUse(BaseProvider):
    """Powertools' tracing provider: X-Ray's recorder, imported, configured and patched on first use."""

    def __init__(self, libraries: Sequence[str]) -> None:
        self._libraries = tuple(libraries)
        self._recorder: Any = None
        self._lock = threading.Lock()

    def recorder(self) -> Any:
        with self._lock:
            if self._recorder is None:
                from aws_xray_sdk import global_sdk_config
                from aws_xray_sdk.core import patch, xray_recorder

                # Both skip themselves where tracing is off (Powertools disables the SDK then).
                patch(self._libraries)
                if global_sdk_config.sdk_enabled():
                    # What Powertools does for its own X-Ray provider: send subsegments one by one.
                    xray_recorder.configure(streaming_threshold=0)
                self._recorder = xray_recorder
            return self._recorder

    def in_subsegment(self, name: Any = None, **kwargs: Any) -> Any:
        return self.recorder().in_subsegment(name=name, **kwargs)

    def in_subsegment_async(self, name: Any = None, **kwargs: Any) -> Any:
        return self.recorder().in_subsegment_async(name=name, **kwargs)

    def put_annotation(self, key: str, value: Any) -> None:
        self.recorder().put_annotation(key, value)

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.recorder().put_metadata(key, value, namespace)

    def patch(self, modules: Sequence[str]) -> None:
        from aws_xray_sdk.core import patch

        self.recorder()
        patch(modules)

    def patch_all(self) -> None:
        self.patch(())  # the core never asks for every library


logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, auto_patch=False, provider=XRayOnFirstUse(TRACED_LIBRARIES))
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


def entry(correlation_id_path: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@entry()`` on a function that is not a Step Functions task. Neither the event nor the
    answer goes into the logs or the trace: events may carry a requester's secrets (an
    activation key), and answers can be large."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        traced = tracer.capture_lambda_handler(metrics.log_metrics(handler), capture_response=False)
        return logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path, log_event=False)

    return wrap
