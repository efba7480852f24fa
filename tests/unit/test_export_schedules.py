"""`listdrop:exportSchedules`: every mistake stops synthesis with an error that names the setting and what to fix."""

import copy
import json

import aws_cdk as cdk
import pytest

from infra.config import ConfigError, ListdropConfig
from infra.export_schedules import parse_export_schedules
from listdrop.export_request import parse_export_request
from localcloud.cloud import EXAMPLE_SCHEDULE

REQUEST = EXAMPLE_SCHEDULE["request"]
WEEKLY = {
    "name": "weekly-vdm",
    "schedule": "cron(0 6 ? * MON *)",
    "window": {"lastWholeUtcDays": 7},
    "request": REQUEST,
}


def config(schedules: object, **context: object) -> ListdropConfig:
    return ListdropConfig.from_context(cdk.App(context={"listdrop:exportSchedules": schedules, **context}).node)


def changed(**fields: object) -> dict:
    schedule = copy.deepcopy(WEEKLY)
    schedule.update(fields)
    return schedule


def test_off_by_default():
    assert ListdropConfig.from_context(cdk.App().node).export_schedules == ()


def test_a_schedule_is_read_from_context_or_from_its_json_text_on_the_command_line():
    (schedule,) = config([WEEKLY]).export_schedules
    assert (schedule.name, schedule.expression, schedule.timezone) == ("weekly-vdm", "cron(0 6 ? * MON *)", "UTC")
    assert config(json.dumps([WEEKLY])).export_schedules == (schedule,)
    assert schedule.key("listdrop/", "abc123") == "listdrop/exports/ses/scheduled/weekly-vdm/abc123/weekly-vdm.json"


def test_each_run_writes_a_request_the_starter_resolves_to_whole_utc_days():
    (schedule,) = config([changed(schedule="rate(1 day)", timezone="Europe/Berlin")]).export_schedules
    body = schedule.request_body("2026-12-01T05:00:00Z").encode()
    source = parse_export_request(body).parameters["ExportDataSource"]["MetricsDataSource"]
    assert (source["StartDate"].isoformat(), source["EndDate"].isoformat()) == (
        "2026-11-24T00:00:00+00:00",
        "2026-12-01T00:00:00+00:00",
    )


def test_list_exports_are_scheduled_with_a_window_or_whole():
    bounces = changed(name="weekly-bounces", request={"ListSuppressedDestinations": {"Reasons": ["BOUNCE"]}})
    contacts = {
        "name": "nightly-newsletter",
        "schedule": "cron(0 2 * * ? *)",
        "request": {"ListContacts": {"ContactListName": "newsletter"}},
    }
    weekly, nightly = config([bounces, contacts]).export_schedules
    members = parse_export_request(weekly.request_body("2026-12-01T05:00:00Z").encode()).parameters
    assert members["ListSuppressedDestinations"]["StartDate"].isoformat() == "2026-11-24T00:00:00+00:00"
    assert nightly.last_whole_utc_days is None
    assert json.loads(nightly.request_body("2026-12-01T05:00:00Z")) == contacts["request"]


def test_a_window_on_a_contact_list_or_none_on_a_metrics_export_stops_synthesis():
    with pytest.raises(ConfigError, match="applies to ListSuppressedDestinations only"):
        config([changed(request={"ListContacts": {"ContactListName": "newsletter"}})])
    unwindowed = {key: value for key, value in WEEKLY.items() if key != "window"}
    with pytest.raises(ConfigError, match="StartDate"):
        config([unwindowed])


@pytest.mark.parametrize(
    "expression",
    [
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(7 days)",
        "cron(0 6 ? * MON *)",
        "cron(15 10 L * ? 2026-2030)",
        "cron(0/30 8-17 ? * MON-FRI *)",
        "cron(0 6 1 JAN,JUL ? *)",
        "cron(0 6 ? * 6#3 *)",
        "cron(0 6 15W * ? *)",
    ],
)
def test_scheduler_expressions_are_taken(expression):
    assert config([changed(schedule=expression)]).export_schedules[0].expression == expression


@pytest.mark.parametrize(
    ("schedule", "says"),
    [
        (changed(schedule="rate(0 days)"), "[0] (weekly-vdm).schedule must be rate(value unit) or cron("),
        (changed(schedule="rate(2 weeks)"), "must be rate(value unit)"),
        (changed(schedule="at(2026-12-01T06:00:00)"), "must be rate(value unit)"),
        (changed(schedule="cron(0 6 * * MON *)"), "put '?' in one of day-of-month and day-of-week"),
        (changed(schedule="cron(0 6 ? * ? *)"), "put '?' in one of day-of-month and day-of-week"),
        (changed(schedule="cron(0 6 ? * MON)"), "a cron expression has 6 fields, this one 5"),
        (changed(schedule="cron(0 6h ? * MON *)"), "'6h' is not a cron hours field"),
        (changed(timezone="Mars/Olympus"), ".timezone: 'Mars/Olympus' is not a time zone name"),
        (changed(name="weekly vdm"), "exportSchedules[0].name must be 1-64 letters, digits"),
        (changed(window={"lastWholeUtcDays": 0}), '.window must be {"lastWholeUtcDays": N}'),
        (changed(window={"days": 7}), '.window must be {"lastWholeUtcDays": N}'),
        (changed(window={"lastWholeUtcDays": 4000}), "Window.LastWholeUtcDays must be a whole number from 1 to 3650"),
        (changed(cron="x"), "unknown ['cron']"),
        ({"name": "x"}, "missing ['request', 'schedule']"),
        (
            changed(request={"ExportDestination": {"DataFormat": "CSV"}}),
            ".request: An export request holds ExportDataSource",
        ),
        (
            changed(request={**REQUEST, "ExportDestination": {"DataFormat": "XML"}}),
            ".request: ExportDestination.DataFormat is 'XML'; use one of CSV, JSON",
        ),
        (
            changed(
                request={
                    "ExportDataSource": {
                        "MetricsDataSource": {
                            **REQUEST["ExportDataSource"]["MetricsDataSource"],
                            "StartDate": "2026-11-01",
                        }
                    },
                    "ExportDestination": {"DataFormat": "CSV"},
                }
            ),
            "A Window replaces MetricsDataSource.StartDate and EndDate",
        ),
    ],
)
def test_a_mistake_stops_synthesis_naming_the_setting(schedule, says):
    with pytest.raises(ConfigError) as refused:
        config([schedule])
    assert "listdrop:exportSchedules" in str(refused.value)
    assert says in str(refused.value)


def test_two_schedules_of_one_name_are_refused():
    with pytest.raises(ConfigError, match="repeated: weekly-vdm"):
        config([WEEKLY, changed(schedule="rate(1 day)")])


def test_not_a_list_is_refused():
    with pytest.raises(ConfigError, match="must be a list of schedules"):
        config({"name": "weekly-vdm"})
    with pytest.raises(ConfigError, match="must be a JSON list"):
        config("weekly-vdm")


def test_schedules_need_the_ses_export_provider():
    with pytest.raises(ConfigError, match="add ses-export to listdrop:enabledProviders"):
        config([WEEKLY], **{"listdrop:enabledProviders": ["ses-import"]})


def test_parse_takes_nothing_as_no_schedules():
    assert parse_export_schedules(None) == () == parse_export_schedules("")
