"""`listdrop:exportSchedules`: SES exports that EventBridge Scheduler starts on a schedule, each over a relative window.

    "listdrop:exportSchedules": [
      {"name": "weekly-vdm", "schedule": "cron(0 6 ? * MON *)", "timezone": "UTC",
       "window": {"lastWholeUtcDays": 7},
       "request": {"ExportDataSource": {"MetricsDataSource": {"Namespace": "VDM", ...}},
                   "ExportDestination": {"DataFormat": "CSV"}}}
    ]

`request` is an export request file (listdrop/export_request.py) without its StartDate and EndDate: each
run writes it with `"Window": {"LastWholeUtcDays": N, "Before": <the scheduled time>}` to
`exports/ses/scheduled/<name>/<execution id>/<name>.json`, and the starter resolves the window to the N whole UTC
days before the scheduled time's UTC day. A list export (`ListSuppressedDestinations`, `ListContacts`) may leave
`window` out: each run then exports the whole list as it is then (a contact list has no dates to window).
Everything is checked here, at synthesis, and an error names the setting.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from listdrop.errors import RejectedFile
from listdrop.export_request import WINDOW, parse_export_request

SETTING = "listdrop:exportSchedules"
# Where each run's request file goes (under the deployment's key prefix), one folder per schedule.
SCHEDULED_PREFIX = "exports/ses/scheduled/"
# A schedule's name is a folder of that key and part of the schedule's description: letters, digits, '-', '_' (a
# subset of what Scheduler allows in a name, `[0-9a-zA-Z-_.]+`, 1-64: botocore scheduler service-2.json, Name).
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# EventBridge Scheduler's recurring expressions, as its user guide's "Schedule types" page gives them
# (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html): `rate(value unit)`, the value a
# positive integer, the unit minute(s), hour(s) or day(s); `cron(minutes hours day-of-month month day-of-week year)`,
# six fields of the values and wildcards each field takes, and `?` in day-of-month or day-of-week (never `*` in
# both). One-time `at(...)` schedules are refused: a one-time export is an ordinary upload.
_RATE = re.compile(r"^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^()]+)\)$")
_CRON_FIELDS = (
    ("minutes", re.compile(r"^[0-9,*/-]+$")),
    ("hours", re.compile(r"^[0-9,*/-]+$")),
    ("day-of-month", re.compile(r"^([0-9,*/-]+|[0-9]*LW?|[0-9]+W|\?)$")),
    ("month", re.compile(r"^[0-9A-Za-z,*/-]+$")),
    ("day-of-week", re.compile(r"^([0-9A-Za-z,*/-]+|[0-9A-Za-z]*L|[0-9A-Za-z]+#[1-5]|\?)$")),
    ("year", re.compile(r"^[0-9,*/-]+$")),
)
# ScheduleExpression is at most 256 characters, ScheduleExpressionTimezone 50 (botocore scheduler service-2.json).
_MAX_EXPRESSION, _MAX_TIMEZONE = 256, 50
_KEYS = {"name", "schedule", "timezone", "window", "request"}
# A scheduled time to check each request with at synthesis (any time does: the window only moves).
_SAMPLE_TIME = "2026-11-30T06:00:00Z"


@dataclass(frozen=True)
class ExportSchedule:
    name: str
    expression: str
    timezone: str
    last_whole_utc_days: int | None  # None: no window (a list export of the whole list)
    request: dict[str, Any]

    def request_body(self, scheduled_time: str) -> str:
        """The request file one run writes: the request and its window before `scheduled_time` (Scheduler's
        `<aws.scheduler.scheduled-time>` in the template)."""
        if self.last_whole_utc_days is None:
            return json.dumps(self.request, separators=(",", ":"))
        window = {"LastWholeUtcDays": self.last_whole_utc_days, "Before": scheduled_time}
        return json.dumps({**self.request, WINDOW: window}, separators=(",", ":"))

    def key(self, key_prefix: str, run_id: str) -> str:
        """A new object each run, in the schedule's folder, named after the schedule (as its notifications are)."""
        return f"{key_prefix}{SCHEDULED_PREFIX}{self.name}/{run_id}/{self.name}.json"


class ScheduleError(ValueError):
    pass


def parse_export_schedules(value: Any) -> tuple[ExportSchedule, ...]:
    """The setting's value (a list of objects, or its JSON text from `-c`), checked."""
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise ScheduleError(f"{SETTING} must be a JSON list of schedules") from None
    if not isinstance(value, list):
        raise ScheduleError(f"{SETTING} must be a list of schedules, got {type(value).__name__}")
    schedules = tuple(_schedule(index, item) for index, item in enumerate(value))
    names = [schedule.name for schedule in schedules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ScheduleError(f"{SETTING}: each schedule needs its own name; repeated: {', '.join(repeated)}")
    return schedules


def _schedule(index: int, item: Any) -> ExportSchedule:
    where = f"{SETTING}[{index}]"
    if not isinstance(item, dict):
        raise ScheduleError(f"{where} must be an object with {', '.join(sorted(_KEYS))}")
    unknown = sorted(set(item) - _KEYS)
    missing = sorted({"name", "schedule", "request"} - set(item))
    if unknown or missing:
        raise ScheduleError(f"{where}: unknown {unknown} or missing {missing} (it takes {', '.join(sorted(_KEYS))})")
    name = item["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise ScheduleError(f"{where}.name must be 1-64 letters, digits, '-' or '_', got {name!r}")
    where = f"{SETTING}[{index}] ({name})"
    schedule = ExportSchedule(
        name=name,
        expression=_expression(where, item["schedule"]),
        timezone=_timezone(where, item.get("timezone", "UTC")),
        last_whole_utc_days=_window_days(where, item["window"]) if "window" in item else None,
        request=_request(where, item["request"]),
    )
    try:
        parse_export_request(schedule.request_body(_SAMPLE_TIME).encode())
    except RejectedFile as refused:
        raise ScheduleError(f"{where}.request: {refused.reason}") from None
    return schedule


def _expression(where: str, expression: Any) -> str:
    text = expression.strip() if isinstance(expression, str) else ""
    if len(text) > _MAX_EXPRESSION:
        raise ScheduleError(f"{where}.schedule is longer than {_MAX_EXPRESSION} characters")
    if _RATE.match(text):
        return text
    cron = _CRON.match(text)
    if cron is None:
        raise ScheduleError(
            f"{where}.schedule must be rate(value unit) or cron(minutes hours day-of-month month day-of-week "
            f"year), as EventBridge Scheduler takes them, got {expression!r}"
        )
    fields = cron.group(1).split()
    if len(fields) != len(_CRON_FIELDS):
        raise ScheduleError(f"{where}.schedule: a cron expression has 6 fields, this one {len(fields)}")
    for (field, pattern), value in zip(_CRON_FIELDS, fields, strict=True):
        if not pattern.match(value):
            raise ScheduleError(f"{where}.schedule: {value!r} is not a cron {field} field")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ScheduleError(f"{where}.schedule: put '?' in one of day-of-month and day-of-week (and only one)")
    return text


def _timezone(where: str, timezone: Any) -> str:
    if not isinstance(timezone, str) or not 0 < len(timezone) <= _MAX_TIMEZONE:
        raise ScheduleError(f"{where}.timezone must be a time zone name such as UTC or Europe/Berlin")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"{where}.timezone: {timezone!r} is not a time zone name (IANA, e.g. Europe/Berlin)"
        ) from None
    return timezone


def _window_days(where: str, window: Any) -> int:
    days = window.get("lastWholeUtcDays") if isinstance(window, dict) and set(window) == {"lastWholeUtcDays"} else 0
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ScheduleError(f'{where}.window must be {{"lastWholeUtcDays": N}}, N a whole number of days >= 1')
    return days


def _request(where: str, request: Any) -> dict[str, Any]:
    if not isinstance(request, dict):
        raise ScheduleError(f"{where}.request must be an export request object (ExportDataSource, ExportDestination)")
    if WINDOW in request:
        raise ScheduleError(f"{where}.request: leave Window out; the schedule's window gives it")
    return request
