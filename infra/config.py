"""Deployment settings read from cdk.json context (override with `-c listdrop:<name>=<value>`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

from listdrop.poll_schedule import SHORT_WAITS
from listdrop.providers.registry import ENABLED_BY_DEFAULT, PROVIDERS
from listdrop.providers.ses_export.keys import PROVIDER as SES_EXPORT
from listdrop.providers.ses_export.list_export import QUICK_STEPS as LIST_EXPORT_QUICK_STEPS
from listdrop.providers.ses_export.list_export import SECONDS_PER_POLL as LIST_EXPORT_STEP_SECONDS

from .export_schedules import ExportSchedule, ScheduleError, parse_export_schedules

PREFIX = "listdrop:"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIST_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# An SNS topic ARN (the topic name: 1-256 letters, digits, '-' or '_'; a FIFO topic cannot reach a chat channel).
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_LAYER_VERSION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d+$")
# Settings that no longer exist, and what replaced them: naming one stops synthesis rather than being ignored.
_REPLACED = {
    "powertoolsLayerVersion": "the Powertools layer now follows requirements.txt through Powertools' public SSM "
    "parameter; where there is none (China, GovCloud), set listdrop:powertoolsLayerArn",
}


class ConfigError(ValueError):
    pass


# "Maximum execution history size: 25,000 events in a single state machine execution history. If the execution
# history reaches this quota, the execution will fail." (Standard workflows; a hard quota)
# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
HISTORY_EVENT_QUOTA = 25_000
# How many events each state adds is our reading of the history's event types, not a documented figure: keep 20%
# of the quota in reserve.
HISTORY_EVENT_BUDGET = 20_000
# The poller shortens its last wait to land on the deadline, and a poll may land a second before it: a few more.
_POLLS_AT_THE_DEADLINE = 3


@dataclass(frozen=True)
class HistoryCosts:
    """History events of one execution, as the workflow's definition makes them (infra/constructs/workflow.py):
    per pass through the polling loop, at its costliest, and once for the rest of the way."""

    per_poll: int
    once: int


def worst_case_polls(
    *,
    initial_wait: int,
    max_wait: int,
    job_max: int,
    unreadable: int,
    wait_percent: int,
    step_seconds: int = 0,
    quick_steps: int = 0,
) -> int:
    """The most polls one execution can make (listdrop.poll_schedule's schedule, and the workflow's own loop).

    Every wait is at least the blind one at its time (`wait_percent` of the time the job has run, between
    `initial_wait` and `max_wait`), but for the progress-aware waits the schedule lets be shorter (at most
    `SHORT_WAITS` per job), each of which can add one poll: a later poll never makes the next come sooner. The
    workflow's loop waits the blind wait the poller precomputed for the poll that failed, then doubles it, which keeps
    up with the blind wait while `wait_percent` <= 100. Polling stops by the deadline (`job_max` after the upload),
    or, for a poller that never answered, once the waits since its first failure reach the `unreadable` window; so at
    most as many polls as blind waits fit in the longer of the two, plus one wait's worth.
    """
    horizon = max(job_max, unreadable) + max_wait
    floor, polls, waited = max(1, initial_wait), 0, 0
    while waited < horizon:  # the growing waits: a few hundred at the most (1%, from 1 s to a day)
        wait = max(floor, min(waited * wait_percent // 100, max_wait))
        if wait >= max_wait:
            polls += -(-(horizon - waited) // max_wait)  # then one every max_wait
            break
        polls, waited = polls + 1, waited + wait
    steps = min(-(-job_max // step_seconds), quick_steps) if step_seconds else 0
    return polls + steps + SHORT_WAITS + _POLLS_AT_THE_DEADLINE


def history_events(costs: HistoryCosts, **settings: int) -> int:
    """The most history events one execution can log: every poll at its costliest, plus the rest once."""
    polls = worst_case_polls(**settings)
    return costs.once + polls * costs.per_poll


def check_history_limit(config: ListdropConfig, costs: HistoryCosts) -> None:
    """Refuse settings under which one job's workflow could reach Step Functions' history quota and fail mid-job."""
    settings = {
        "initial_wait": config.poll_initial_wait_seconds,
        "max_wait": config.poll_max_wait_seconds,
        "job_max": config.job_max_duration_seconds,
        "unreadable": config.status_unreadable_seconds,
        "wait_percent": config.poll_wait_percent,
        # A list export reads for SECONDS_PER_POLL at each poll and is polled again a second later, QUICK_STEPS times.
        "step_seconds": int(LIST_EXPORT_STEP_SECONDS) if SES_EXPORT in config.enabled_providers else 0,
        "quick_steps": LIST_EXPORT_QUICK_STEPS,
    }
    events = history_events(costs, **settings)
    if events <= HISTORY_EVENT_BUDGET:
        return

    def fits(**changed: int) -> bool:
        return history_events(costs, **{**settings, **changed}) <= HISTORY_EVENT_BUDGET

    polls = worst_case_polls(**settings)
    remedies = []
    horizon = max(config.job_max_duration_seconds, config.status_unreadable_seconds)
    if fits(max_wait=horizon):
        wait = _least(lambda value: fits(max_wait=value), config.poll_max_wait_seconds, horizon)
        remedies.append(f"raise {PREFIX}pollMaxWaitSeconds to at least {wait}")
    if fits(job_max=0):
        longest = _most(lambda value: fits(job_max=value), 0, config.job_max_duration_seconds)
        remedies.append(f"lower {PREFIX}jobMaxDurationSeconds to at most {longest}")
    raise ConfigError(
        f"{PREFIX}jobMaxDurationSeconds={config.job_max_duration_seconds} with "
        f"pollInitialWaitSeconds={config.poll_initial_wait_seconds}, "
        f"pollMaxWaitSeconds={config.poll_max_wait_seconds}, pollWaitPercent={config.poll_wait_percent} and "
        f"statusUnreadableSeconds={config.status_unreadable_seconds} lets one job be polled up to {polls:,} times, "
        f"at up to {costs.per_poll} workflow history events a poll: {events:,} events in all. A Step Functions "
        f"Standard execution fails when its history reaches {HISTORY_EVENT_QUOTA:,} events "
        "(https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), and listdrop keeps below "
        f"{HISTORY_EVENT_BUDGET:,}. To fix it, " + (" or ".join(remedies) or "poll less often") + "."
    )


def _least(ok: Any, low: int, high: int) -> int:
    """The least value in [low, high] for which ok() holds, ok being false below some value and true from it."""
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if ok(middle) else (middle + 1, high)
    return low


def _most(ok: Any, low: int, high: int) -> int:
    """The greatest value in [low, high] for which ok() holds, ok being true up to some value and false above."""
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if ok(middle) else (low, middle - 1)
    return low


@dataclass(frozen=True)
class ListdropConfig:
    notification_emails: tuple[str, ...] = ()
    operations_emails: tuple[str, ...] = ()  # alarms: dead letters, failed executions, function errors
    allowed_contact_lists: tuple[str, ...] = ()
    max_file_bytes: int = 1024**3
    # The starter reads the whole file before a job starts: about 40 s per GB at 1,769 MB (one full vCPU), so
    # 5 minutes leaves room for a file at the 1 GB default size limit with attributes on every row.
    starter_timeout_seconds: int = 300
    poll_initial_wait_seconds: int = 10
    poll_max_wait_seconds: int = 1800
    poll_wait_percent: int = 25
    job_max_duration_seconds: int = 6 * 3600
    status_unreadable_seconds: int = 1800
    log_retention_days: int = 30
    noncurrent_version_expiry_days: int = 90
    # Empty: the layer of the pinned Powertools version, from its public SSM parameter (infra/constructs/function.py).
    powertools_layer_arn: str = ""
    max_invalid_row_percent: float = 10.0
    # The most of a contact list a sync/ upload may remove (percent of its contacts) unless its key says it means more
    # (sync/allow-large-removal/); the poller's SYNC_MAX_REMOVAL_PERCENT.
    sync_max_removal_percent: float = 10.0
    enabled_providers: tuple[str, ...] = ENABLED_BY_DEFAULT
    # The chat output (infra/constructs/chat.py): False, off; True, a ChatTopic this stack creates; or the ARN of an
    # existing topic that a chat channel configuration of Amazon Q Developer in chat applications subscribes to.
    chat_topic: bool | str = False
    # Whether a contact-list CSV uploaded under put/extra-as-attributes/ may have its extra columns written into
    # attributesData (off: such an upload is rejected, EXTRA_COLUMNS_NOT_ENABLED).
    extra_columns_as_attributes: bool = False
    # SES exports EventBridge Scheduler starts, each over a relative window (infra/export_schedules.py); none: off.
    export_schedules: tuple[ExportSchedule, ...] = ()

    @classmethod
    def from_context(cls, node: Node) -> ListdropConfig:
        def get(name: str, default: Any) -> Any:
            value = node.try_get_context(PREFIX + name)
            if isinstance(value, str) and isinstance(default, (tuple, int)) and not isinstance(default, bool):
                # `-c name=value` on the command line always gives a string
                value = json.loads(value) if value.strip().startswith("[") else value
            return default if value is None else value

        emails = tuple(_as_list(get("notificationEmails", ())))
        operations_emails = tuple(_as_list(get("operationsEmails", ())))
        lists = tuple(_as_list(get("allowedContactLists", ())))
        enabled = tuple(_as_list(get("enabledProviders", ENABLED_BY_DEFAULT)))
        config = cls(
            notification_emails=emails,
            operations_emails=operations_emails,
            allowed_contact_lists=lists,
            enabled_providers=enabled,
            max_file_bytes=_as_int(get("maxFileBytes", cls.max_file_bytes), "maxFileBytes"),
            poll_initial_wait_seconds=_as_int(
                get("pollInitialWaitSeconds", cls.poll_initial_wait_seconds), "pollInitialWaitSeconds"
            ),
            poll_max_wait_seconds=_as_int(get("pollMaxWaitSeconds", cls.poll_max_wait_seconds), "pollMaxWaitSeconds"),
            poll_wait_percent=_as_int(get("pollWaitPercent", cls.poll_wait_percent), "pollWaitPercent"),
            job_max_duration_seconds=_as_int(
                get("jobMaxDurationSeconds", cls.job_max_duration_seconds), "jobMaxDurationSeconds"
            ),
            starter_timeout_seconds=_as_int(
                get("starterTimeoutSeconds", cls.starter_timeout_seconds), "starterTimeoutSeconds"
            ),
            status_unreadable_seconds=_as_int(
                get("statusUnreadableSeconds", cls.status_unreadable_seconds), "statusUnreadableSeconds"
            ),
            log_retention_days=_as_int(get("logRetentionDays", cls.log_retention_days), "logRetentionDays"),
            noncurrent_version_expiry_days=_as_int(
                get("noncurrentVersionExpiryDays", cls.noncurrent_version_expiry_days),
                "noncurrentVersionExpiryDays",
            ),
            powertools_layer_arn=str(get("powertoolsLayerArn", cls.powertools_layer_arn)).strip(),
            max_invalid_row_percent=_as_float(
                get("maxInvalidRowPercent", cls.max_invalid_row_percent), "maxInvalidRowPercent"
            ),
            sync_max_removal_percent=_as_float(
                get("syncMaxRemovalPercent", cls.sync_max_removal_percent), "syncMaxRemovalPercent"
            ),
            chat_topic=_as_chat_topic(get("chatTopic", cls.chat_topic)),
            extra_columns_as_attributes=_as_bool(
                get("extraColumnsAsAttributes", cls.extra_columns_as_attributes), "extraColumnsAsAttributes"
            ),
            export_schedules=_as_export_schedules(node.try_get_context(PREFIX + "exportSchedules")),
        )
        for old, replacement in _REPLACED.items():
            if node.try_get_context(PREFIX + old) is not None:
                raise ConfigError(f"{PREFIX}{old} is no longer a setting: {replacement}")
        config.validate()
        return config

    def validate(self) -> None:
        for setting, emails in (
            ("notificationEmails", self.notification_emails),
            ("operationsEmails", self.operations_emails),
        ):
            for email in emails:
                if not _EMAIL.match(email):
                    raise ConfigError(f"{PREFIX}{setting}: not an e-mail address: {email!r}")
        for name in self.allowed_contact_lists:
            if not _LIST_NAME.match(name):
                raise ConfigError(f"{PREFIX}allowedContactLists: invalid contact list name {name!r}")
        if self.powertools_layer_arn and not _LAYER_VERSION_ARN.match(self.powertools_layer_arn):
            raise ConfigError(
                f"{PREFIX}powertoolsLayerArn: not a Lambda layer version ARN "
                f"(arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>): {self.powertools_layer_arn!r}"
            )
        unknown = sorted(set(self.enabled_providers) - set(PROVIDERS))
        if unknown or not self.enabled_providers:
            raise ConfigError(f"{PREFIX}enabledProviders: name one or more of {', '.join(PROVIDERS)} (got {unknown})")
        if self.poll_max_wait_seconds < self.poll_initial_wait_seconds:
            raise ConfigError(f"{PREFIX}pollMaxWaitSeconds must be >= pollInitialWaitSeconds")
        if not 1 <= self.poll_wait_percent <= 100:
            # Above 100 a blind wait could outgrow the workflow's doubling, which worst_case_polls relies on.
            raise ConfigError(f"{PREFIX}pollWaitPercent must be from 1 to 100")
        if self.job_max_duration_seconds > 360 * 24 * 3600:
            raise ConfigError(f"{PREFIX}jobMaxDurationSeconds exceeds a Standard workflow's one-year limit")
        if not 3 <= self.starter_timeout_seconds <= 900:
            raise ConfigError(f"{PREFIX}starterTimeoutSeconds must be from 3 to 900 (Lambda's limits)")
        if not 0 <= self.max_invalid_row_percent <= 100:
            raise ConfigError(f"{PREFIX}maxInvalidRowPercent must be between 0 and 100")
        if not 0 <= self.sync_max_removal_percent <= 100:
            raise ConfigError(f"{PREFIX}syncMaxRemovalPercent must be between 0 and 100")
        if self.export_schedules and SES_EXPORT not in self.enabled_providers:
            raise ConfigError(f"{PREFIX}exportSchedules run SES exports: add {SES_EXPORT} to {PREFIX}enabledProviders")
        for name in ("max_file_bytes", "poll_initial_wait_seconds", "log_retention_days", "status_unreadable_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{PREFIX}{name} must be positive")


def _as_export_schedules(value: Any) -> tuple[ExportSchedule, ...]:
    try:
        return parse_export_schedules(value)
    except ScheduleError as error:
        raise ConfigError(str(error)) from None


def _as_chat_topic(value: Any) -> bool | str:
    """true or false (`-c listdrop:chatTopic=true` gives the text), or an SNS topic ARN."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    if not _TOPIC_ARN.match(text):
        raise ConfigError(
            f"{PREFIX}chatTopic: true (a topic of this stack), false, or an SNS topic ARN "
            f"(arn:<partition>:sns:<region>:<account>:<name>), got {value!r}"
        )
    return text


def _as_bool(value: Any, name: str) -> bool:
    """true or false (`-c listdrop:<name>=true` gives the text)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ConfigError(f"{PREFIX}{name} must be true or false, got {value!r}")
    return text == "true"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    raise ConfigError(f"expected a list, got {value!r}")


def _as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{PREFIX}{name} must be an integer, got {value!r}") from None


def _as_float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{PREFIX}{name} must be a number, got {value!r}") from None
