"""SES exports: a metrics export of yesterday, then its result file must be in the bucket."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.cases import SmokeCase
from listdrop.cli.smoke.drops import SUCCEEDED, Drop
from listdrop.cli.smoke.report import CheckFailed

VDM_HINT = (
    " SES exports read Virtual Deliverability Manager data: if VDM is not enabled in this account, an export "
    "cannot succeed; enable VDM, or leave the check out with --skip ses-export."
)


def export_request(today: datetime) -> bytes:
    """Yesterday's sending volume of an identity that is not the account's (example.com): a metrics export reads
    nothing that matters and carries no address. Metrics exports take whole UTC days."""
    end = today.astimezone(UTC).date()
    start = end - timedelta(days=1)
    request = {
        "ExportDataSource": {
            "MetricsDataSource": {
                "Namespace": "VDM",
                "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
                "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
                "StartDate": start.isoformat(),
                "EndDate": end.isoformat(),
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    }
    return json.dumps(request, indent=2).encode()


def landed(connection: Connection, event: dict[str, Any]) -> str:
    detail = event["detail"]
    result = detail.get("result")
    if not result or not str(result).startswith("s3://"):
        raise CheckFailed(f"the outcome names no result file: {detail.get('reason') or 'no reason given'}")
    bucket, _, key = str(result)[len("s3://") :].partition("/")
    size = connection.client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"]
    return f"{result} ({size:,} bytes)"


def drop(destination: str | None, folder: str, today: datetime) -> Drop:
    return Drop(
        label="SES export",
        provider="ses-export",
        key=f"exports/ses/{folder}.json",
        body=export_request(today),
        content_type="application/json",
        outcome=SUCCEEDED,
        topic="completed",
        landed=landed,
    )


CASE = SmokeCase(label="SES export", drop=drop, failure_hint=VDM_HINT)
