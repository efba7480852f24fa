import io

import pytest

from listdrop.errors import ProviderUnavailable
from listdrop.reports import ReportCopier
from listdrop.settings import PollerSettings, SettingsError, StarterSettings

REQUIRED = {"JOBS_TABLE_NAME": "jobs", "STATE_MACHINE_ARN": "arn:sm"}


def test_starter_settings_defaults_and_parsing():
    settings = StarterSettings.from_env({**REQUIRED, "ALLOWED_CONTACT_LISTS": " A ,B,, "})
    assert settings.allowed_contact_lists == {"A", "B"}
    assert settings.max_file_bytes == 1024**3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "JOBS_TABLE_NAME is required"),
        ({**REQUIRED, "MAX_FILE_BYTES": "lots"}, "must be an integer"),
        ({**REQUIRED, "POLL_INITIAL_WAIT_SECONDS": "-1"}, "must be positive"),
        ({**REQUIRED, "POLL_INITIAL_WAIT_SECONDS": "50", "POLL_MAX_WAIT_SECONDS": "10"}, ">="),
        ({**REQUIRED, "POLL_WAIT_PERCENT": "150"}, "POLL_WAIT_PERCENT must be from 1 to 100"),
    ],
)
def test_bad_settings_fail_at_cold_start_with_the_variable_named(env, message):
    with pytest.raises(SettingsError, match=message):
        StarterSettings.from_env(env)


@pytest.mark.parametrize(("value", "expected"), [(None, ""), ("", ""), (" listdrop/ ", "listdrop/"), ("a/b", "a/b/")])
def test_the_key_prefix_is_the_buckets_root_unless_set(value, expected):
    env = REQUIRED if value is None else {**REQUIRED, "KEY_PREFIX": value}
    assert StarterSettings.from_env(env).key_prefix == expected


def test_poller_settings_normalize_the_prefix():
    assert (
        PollerSettings.from_env({"JOBS_TABLE_NAME": "t", "BUCKET_NAME": "b", "REPORTS_PREFIX": "r"}).reports_prefix
        == "r/"
    )


class RecordingS3:
    def __init__(self):
        self.uploads = []

    def upload_fileobj(self, fileobj, bucket, key):
        self.uploads.append((bucket, key, fileobj.read()))


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data", "ftp://example.com/x", "http://example.com/x"],
)
def test_report_copier_refuses_urls_that_are_not_https_or_loopback(url):
    with pytest.raises(ValueError, match="HTTPS"):
        ReportCopier(RecordingS3(), "b", "reports/").copy(url, "t")


def test_report_copier_streams_into_the_reports_prefix(monkeypatch):
    s3 = RecordingS3()
    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: io.BytesIO(b"lineNumber,error\n2,bad\n"))
    uri = ReportCopier(s3, "b", "reports/").copy("https://ses.example/x?sig=1", "t1")
    assert uri == "s3://b/reports/t1/failed-records.csv"
    assert s3.uploads == [("b", "reports/t1/failed-records.csv", b"lineNumber,error\n2,bad\n")]


def test_report_copier_gives_up_after_retries_with_a_transient_error(monkeypatch):
    def refuse(url, timeout):
        raise OSError("connection refused")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with pytest.raises(ProviderUnavailable):
        ReportCopier(RecordingS3(), "b", "reports/").copy("http://127.0.0.1:9/x", "t1")
