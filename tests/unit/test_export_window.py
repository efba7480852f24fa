"""A scheduled export's relative window: the last N whole UTC days before the scheduled time, resolved to dates."""

import json
from datetime import UTC, datetime

import pytest

from listdrop.errors import RejectedFile
from listdrop.export_request import parse_export_request

METRICS = {
    "Namespace": "VDM",
    "Dimensions": {"EMAIL_IDENTITY": ["example.com"]},
    "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
}


def scheduled(before: str, days: object = 7, source: dict | None = None, name: str = "MetricsDataSource") -> bytes:
    return json.dumps(
        {
            "ExportDataSource": {name: source if source is not None else METRICS},
            "ExportDestination": {"DataFormat": "CSV"},
            "Window": {"LastWholeUtcDays": days, "Before": before},
        }
    ).encode()


def dates(body: bytes, name: str = "MetricsDataSource") -> tuple[datetime, datetime]:
    source = parse_export_request(body).parameters["ExportDataSource"][name]
    return source["StartDate"], source["EndDate"]


@pytest.mark.parametrize(
    ("before", "days", "start", "end"),
    [
        ("2026-11-30T06:00:00Z", 7, datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
        # At midnight exactly, the day that starts is not yet whole: it is left out.
        ("2026-11-30T00:00:00Z", 1, datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
        # Across a month end, a year end, and a leap day.
        ("2026-03-02T23:59:59Z", 3, datetime(2026, 2, 27, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),
        ("2027-01-01T06:00:00Z", 7, datetime(2026, 12, 25, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2028-03-01T06:00:00Z", 2, datetime(2028, 2, 28, tzinfo=UTC), datetime(2028, 3, 1, tzinfo=UTC)),
        # A time with an offset is read in UTC: 01:30 in Berlin on the 1st is still the 31st in UTC.
        ("2026-11-01T01:30:00+02:00", 1, datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)),
        # Daylight saving ends in Europe on 2026-10-25: UTC days stay 24 hours.
        ("2026-10-26T06:00:00Z", 2, datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC)),
    ],
)
def test_the_window_is_whole_utc_days_ending_at_the_scheduled_days_start(before, days, start, end):
    assert dates(scheduled(before, days)) == (start, end)


def test_a_message_insights_export_gets_the_same_dates_and_the_summary_shows_them():
    body = scheduled("2026-11-30T06:00:00Z", 1, {"MaxResults": 100}, "MessageInsightsDataSource")
    request = parse_export_request(body)
    assert request.parameters["ExportDataSource"]["MessageInsightsDataSource"]["EndDate"] == datetime(
        2026, 11, 30, tzinfo=UTC
    )
    assert "2026-11-29 00:00 to 2026-11-30 00:00 UTC" in request.summary
    assert "Window" not in request.parameters


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (scheduled("2026-11-30T06:00:00Z", 0), "LastWholeUtcDays must be a whole number from 1"),
        (scheduled("2026-11-30T06:00:00Z", True), "LastWholeUtcDays must be a whole number"),
        (scheduled("2026-11-30T06:00:00Z", "7"), "LastWholeUtcDays must be a whole number"),
        (scheduled("2026-11-30T06:00:00Z", 3651), "from 1 to 3650"),
        (scheduled("<aws.scheduler.scheduled-time>"), "Window.Before must be an ISO 8601 date"),
        (scheduled("2026-11-30T06:00:00Z", 7, {**METRICS, "StartDate": "2026-11-01"}), "give one or the other"),
        (
            json.dumps(
                {
                    "ExportDataSource": {"MetricsDataSource": METRICS},
                    "ExportDestination": {"DataFormat": "CSV"},
                    "Window": {"LastWholeUtcDays": 7},
                }
            ).encode(),
            "Window holds exactly LastWholeUtcDays and Before",
        ),
    ],
)
def test_a_window_that_names_no_days_is_refused_with_what_to_fix(body, says):
    with pytest.raises(RejectedFile) as refused:
        parse_export_request(body)
    assert refused.value.code == "INVALID_EXPORT_REQUEST"
    assert says in refused.value.reason
