"""The module-level Logger, Tracer and Metrics every handler shares."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "listdrop"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="listdrop", service=SERVICE)
