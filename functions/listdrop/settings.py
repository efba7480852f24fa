"""Environment contract of the functions, validated once at cold start.

The same names are set by the CDK stack (infra/) and by the embedded local cloud (localcloud/).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from listdrop.poll_schedule import PollSettings
from listdrop.providers import registry


class SettingsError(ValueError):
    pass


def _require(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _percent(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not 0 <= value <= 100:
        raise SettingsError(f"{name} must be between 0 and 100, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    """'true' or 'false' (or unset: false)."""
    raw = env.get(name, "").strip().lower()
    if raw not in ("", "true", "false"):
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw == "true"


def _prefix(env: Mapping[str, str], name: str, default: str) -> str:
    prefix = env.get(name, "").strip() or default
    return prefix if prefix.endswith("/") else prefix + "/"


def _key_prefix(env: Mapping[str, str]) -> str:
    """Where listdrop's keys live in the bucket: '' (the bucket's root) or a prefix ending in '/'."""
    prefix = env.get("KEY_PREFIX", "").strip()
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _poll_settings(env: Mapping[str, str]) -> PollSettings:
    """The polling policy's settings (listdrop.poll_schedule owns the policy; the defaults are its own)."""
    defaults = PollSettings()
    settings = PollSettings(
        initial_wait_seconds=_positive_int(env, "POLL_INITIAL_WAIT_SECONDS", defaults.initial_wait_seconds),
        max_wait_seconds=_positive_int(env, "POLL_MAX_WAIT_SECONDS", defaults.max_wait_seconds),
        job_max_duration_seconds=_positive_int(env, "JOB_MAX_DURATION_SECONDS", defaults.job_max_duration_seconds),
        status_unreadable_seconds=_positive_int(env, "STATUS_UNREADABLE_SECONDS", defaults.status_unreadable_seconds),
        wait_percent=_positive_int(env, "POLL_WAIT_PERCENT", defaults.wait_percent),
    )
    if settings.max_wait_seconds < settings.initial_wait_seconds:
        raise SettingsError("POLL_MAX_WAIT_SECONDS must be >= POLL_INITIAL_WAIT_SECONDS")
    if settings.wait_percent > 100:
        raise SettingsError("POLL_WAIT_PERCENT must be from 1 to 100")
    return settings


@dataclass(frozen=True)
class StarterSettings:
    jobs_table: str
    state_machine_arn: str
    max_file_bytes: int
    poll: PollSettings
    claim_lease_seconds: int
    allowed_contact_lists: frozenset[str]
    max_invalid_row_percent: float = 10.0
    staging_prefix: str = "staging/"
    reports_prefix: str = "reports/"
    # Set when listdrop shares a bucket under a prefix (the Listdrop construct's key_prefix): the starter routes the
    # rest of the key; staging_prefix and reports_prefix already include it.
    key_prefix: str = ""
    # Read from the registry when needed: ENABLED_BY_DEFAULT imports every provider.
    enabled_providers: frozenset[str] = field(default_factory=lambda: frozenset(registry.ENABLED_BY_DEFAULT))
    # Whether a contact-list upload may ask for its extra CSV columns in attributesData (extra-as-attributes/).
    extra_columns_as_attributes: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StarterSettings:
        env = os.environ if env is None else env
        allowed = {name.strip() for name in env.get("ALLOWED_CONTACT_LISTS", "").split(",") if name.strip()}
        enabled = {name.strip() for name in env.get("ENABLED_PROVIDERS", "").split(",") if name.strip()}
        unknown = sorted(enabled - set(registry.NAMES))
        if unknown:
            raise SettingsError(f"ENABLED_PROVIDERS names unknown providers {unknown}; known: {sorted(registry.NAMES)}")
        settings = cls(
            jobs_table=_require(env, "JOBS_TABLE_NAME"),
            state_machine_arn=_require(env, "STATE_MACHINE_ARN"),
            max_file_bytes=_positive_int(env, "MAX_FILE_BYTES", 1024**3),
            poll=_poll_settings(env),
            claim_lease_seconds=_positive_int(env, "CLAIM_LEASE_SECONDS", 120),
            allowed_contact_lists=frozenset(allowed),
            max_invalid_row_percent=_percent(env, "MAX_INVALID_ROW_PERCENT", 10.0),
            staging_prefix=_prefix(env, "STAGING_PREFIX", "staging/"),
            reports_prefix=_prefix(env, "REPORTS_PREFIX", "reports/"),
            key_prefix=_key_prefix(env),
            enabled_providers=frozenset(enabled or registry.ENABLED_BY_DEFAULT),
            extra_columns_as_attributes=_flag(env, "EXTRA_COLUMNS_AS_ATTRIBUTES"),
        )
        return settings


@dataclass(frozen=True)
class PollerSettings:
    jobs_table: str
    bucket: str
    reports_prefix: str
    export_results_prefix: str = "exports/results/"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PollerSettings:
        env = os.environ if env is None else env
        return cls(
            jobs_table=_require(env, "JOBS_TABLE_NAME"),
            bucket=_require(env, "BUCKET_NAME"),
            reports_prefix=_prefix(env, "REPORTS_PREFIX", "reports/"),
            export_results_prefix=_prefix(env, "EXPORT_RESULTS_PREFIX", "exports/results/"),
        )
