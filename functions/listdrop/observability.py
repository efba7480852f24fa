"""The module-level Logger and Metrics every handler shares.

Tracing is Lambda's own (the functions' Tracing: Active, infra/constructs/function.py), with no tracing SDK in
the code: Lambda records each invocation's segment, the state machine's (tracing_enabled) carries the trace from
the starter's StartExecution to the poller, and botocore itself puts the invocation's trace header on every call
(botocore/handlers.py, add_recursion_detection_header). The X-Ray SDK that Powertools' Tracer wraps cost about a
quarter of a cold start to import and reaches end of support on 25 February 2027
(https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon-eos.html); see the README, "Tracing".
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

SERVICE = "listdrop"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="listdrop", service=SERVICE)
