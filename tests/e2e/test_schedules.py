"""A scheduled export run on demand in the local cloud (`listdrop local run-schedule`): the schedule's target writes
its request file as the schedule's role, and the export runs over the window it resolves to, like any export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from listdrop.cli import app as cli

pytestmark = pytest.mark.e2e


def test_running_the_example_schedule_exports_yesterday_and_notifies_with_the_dates(cloud, inbox, capsys):
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    cloud.emulator("ses-export").seed_metrics(
        [{"date": yesterday.isoformat(), "dimensions": {"EMAIL_IDENTITY": "example.com"}, "counts": {"SEND": 42}}]
    )
    assert cli.main(["local", "schedules", "--endpoint-url", cloud.endpoint_url]) == 0
    assert "daily-vdm: cron(0 6 * * ? *)" in capsys.readouterr().out

    assert cli.main(["local", "run-schedule", "daily-vdm", "--endpoint-url", cloud.endpoint_url]) == 0
    out = capsys.readouterr().out
    key = out.rsplit("request written to ", 1)[1].strip()
    assert key.startswith("exports/ses/scheduled/daily-vdm/") and key.endswith("/daily-vdm.json")

    [notification] = inbox.wait_for(key, timeout=30)
    assert notification.event["detail-type"] == "Export Succeeded"
    assert notification.first_line.startswith("SUCCEEDED: SES export 'daily-vdm' from s3://")
    assert notification.detail["records"]["processed"] == 1
    today = yesterday + timedelta(days=1)
    assert f"{yesterday} 00:00 to {today} 00:00 UTC" in notification.text


def test_an_unknown_schedule_is_refused_naming_the_known_ones(cloud, capsys):
    assert cli.main(["local", "run-schedule", "nightly", "--endpoint-url", cloud.endpoint_url]) == 1
    assert "No schedule 'nightly'; the schedules are: daily-vdm, weekly-bounces." in capsys.readouterr().err


def test_a_scheduled_list_export_exports_the_bounces_added_in_its_window(cloud, inbox, capsys):
    now = datetime.now(UTC)
    suppression = cloud.emulator("ses-import")
    recent = {f"recent-{n}@example.com": "BOUNCE" for n in range(3)}
    old = {f"old-{n}@example.com": "BOUNCE" for n in range(2)}
    complaints = {f"complained-{n}@example.com": "COMPLAINT" for n in range(2)}
    suppression.seed_suppressed({**recent, **complaints}, updated_at=(now - timedelta(days=2)).timestamp())
    suppression.seed_suppressed(old, updated_at=(now - timedelta(days=30)).timestamp())
    try:
        assert cli.main(["local", "run-schedule", "weekly-bounces", "--endpoint-url", cloud.endpoint_url]) == 0
        key = capsys.readouterr().out.rsplit("request written to ", 1)[1].strip()
        [notification] = inbox.wait_for(key, timeout=60)
    finally:
        suppression.unsuppress({**recent, **old, **complaints})
    assert notification.event["detail-type"] == "Export Succeeded", notification.text
    assert notification.first_line.startswith("SUCCEEDED: SES export 'weekly-bounces' from s3://")
    assert notification.detail["records"]["processed"] == len(recent)
    today = now.date()
    assert (
        f"SUPPRESSION_LIST (BOUNCE); added {today - timedelta(days=7)} 00:00 to {today} 00:00 UTC" in notification.text
    )
