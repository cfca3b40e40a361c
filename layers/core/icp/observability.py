"""Powertools' Logger, Tracer and Metrics, created once for the whole core."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "interconnect-control-plane"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace="InterconnectControlPlane")
