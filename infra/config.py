"""Deployment settings read from cdk.json context (override with `-c listdrop:<name>=<value>`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

from infra.constants import ENABLED_BY_DEFAULT, PROVIDERS

PREFIX = "listdrop:"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIST_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ConfigError(ValueError):
    pass


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
    poll_max_wait_seconds: int = 300
    job_max_duration_seconds: int = 6 * 3600
    status_unreadable_seconds: int = 1800
    log_retention_days: int = 30
    noncurrent_version_expiry_days: int = 90
    powertools_layer_version: int = 27
    max_invalid_row_percent: float = 10.0
    enabled_providers: tuple[str, ...] = ENABLED_BY_DEFAULT

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
            powertools_layer_version=_as_int(
                get("powertoolsLayerVersion", cls.powertools_layer_version), "powertoolsLayerVersion"
            ),
            max_invalid_row_percent=_as_float(
                get("maxInvalidRowPercent", cls.max_invalid_row_percent), "maxInvalidRowPercent"
            ),
        )
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
        unknown = sorted(set(self.enabled_providers) - set(PROVIDERS))
        if unknown or not self.enabled_providers:
            raise ConfigError(f"{PREFIX}enabledProviders: name one or more of {', '.join(PROVIDERS)} (got {unknown})")
        if self.poll_max_wait_seconds < self.poll_initial_wait_seconds:
            raise ConfigError(f"{PREFIX}pollMaxWaitSeconds must be >= pollInitialWaitSeconds")
        if self.job_max_duration_seconds > 360 * 24 * 3600:
            raise ConfigError(f"{PREFIX}jobMaxDurationSeconds exceeds a Standard workflow's one-year limit")
        if not 3 <= self.starter_timeout_seconds <= 900:
            raise ConfigError(f"{PREFIX}starterTimeoutSeconds must be from 3 to 900 (Lambda's limits)")
        if not 0 <= self.max_invalid_row_percent <= 100:
            raise ConfigError(f"{PREFIX}maxInvalidRowPercent must be between 0 and 100")
        for name in ("max_file_bytes", "poll_initial_wait_seconds", "log_retention_days", "status_unreadable_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{PREFIX}{name} must be positive")


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
