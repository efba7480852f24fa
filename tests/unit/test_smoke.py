"""`listdrop smoke` without the pipeline: the table and exit statuses, the options, what it reads from a stack,
the files it plans, and that it removes what it created when stopped half-way (moto stands in for AWS)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from infra import constants
from listdrop.cli import main
from listdrop.cli.smoke import deployment as smoke_deployment
from listdrop.cli.smoke import drops, runner
from listdrop.cli.smoke.cases import ses_import
from listdrop.cli.smoke.inbox import Inbox, Received, outcome_event
from listdrop.cli.smoke.report import FAIL, PASS, SKIP, CheckFailed, Report, Skipped
from listdrop.cli.smoke.resources import NAME_PREFIX, Scratch, new_run_id
from listdrop.cli.subscriber_queue import queue_policy
from listdrop.providers import registry

from .fakes import register_stack

BUCKET, TABLE = "uploads", "jobs"  # what the `aws` fixture (conftest.py) creates
# The stand-in stack holds one placeholder resource, which moto parses with a warning.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")


# -- the report --------------------------------------------------------------------------------------


def test_each_check_is_a_row_with_its_time_and_a_failure_does_not_stop_the_run():
    ticks = iter(range(100))
    report = Report(io.StringIO(), clock=lambda: float(next(ticks)))
    report.phase(1, "Read-only checks")
    with report.check("passes") as row:
        row.detail = "all there"
    with report.check("fails") as row:
        raise CheckFailed("ana@example.com is missing")
    assert not row.passed
    with report.check("skipped"):
        raise Skipped("not in this account")
    with report.check("denied"):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no sqs:CreateQueue"}}, "CreateQueue")
    assert [(c.name, c.status, c.seconds) for c in report.checks] == [
        ("passes", PASS, 1.0),
        ("fails", FAIL, 1.0),
        ("skipped", SKIP, 1.0),
        ("denied", FAIL, 1.0),
    ]
    assert report.checks[1].detail == "<redacted-address> is missing"
    assert report.checks[3].detail == "AccessDenied: no sqs:CreateQueue (CreateQueue)"
    table = report.table().splitlines()
    assert table[0].split() == ["CHECK", "RESULT", "TIME", "DETAIL"]
    assert table[2].startswith("1. fails ") and "FAIL" in table[2] and "1.0 s" in table[2]
    assert table[-1] == (
        "Smoke test FAILED: 2 of 4 checks failed (fails, denied), 1 skipped (not verified, see why above)."
    )
    assert report.exit_code() == 1


def test_skipped_checks_do_not_fail_the_run_but_are_counted():
    report = Report(io.StringIO())
    report.record("a", PASS, 0.1)
    report.record("b", SKIP, 0.0, "--skip ses-export")
    assert report.exit_code() == 0
    assert report.summary() == "Smoke test PASSED: 1 checks passed, 1 skipped (not verified, see why above)."


def test_other_errors_are_not_swallowed_by_a_check():
    report = Report(io.StringIO())
    with pytest.raises(KeyboardInterrupt), report.check("waits"):
        raise KeyboardInterrupt


# -- the options and exit statuses ---------------------------------------------------------------------


def test_a_bad_timeout_or_provider_is_a_usage_error(capsys):
    assert main(["smoke", "--timeout", "0"]) == 2
    assert "--timeout must be a positive number" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["smoke", "--skip", "sendgrid"])
    assert exit_.value.code == 2


class _Unreachable:
    endpoint_url = "http://127.0.0.1:1"

    def client(self, service_name, **kwargs):
        class Client:
            def __getattr__(self, name):
                def call(**_):
                    raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

                return call

        return Client()


def test_aws_that_cannot_be_reached_exits_2(capsys):
    args = _args()
    out, err = io.StringIO(), io.StringIO()
    assert runner.run(args, out=out, err=err, connection=_Unreachable()) == 2
    assert "AWS could not be reached: Could not connect to the endpoint URL" in err.getvalue()


def _args(**overrides):
    import argparse

    values = {"stack": "Listdrop", "read_only": False, "timeout": 5.0, "skip": None, "endpoint_url": None}
    values.update({"region": "us-east-1", **overrides})
    return argparse.Namespace(**values)


# -- against a stack (moto) --------------------------------------------------------------------------


@pytest.fixture
def stack(aws):
    """A stand-in deployment: the resources the stack's outputs name, and the stack itself."""
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    topics = {name: sns.create_topic(Name=name)["TopicArn"] for name in ("completed", "failed", "operations")}
    queue = sqs.create_queue(QueueName="ingest")["QueueUrl"]
    dlq = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
    boto3.client("cloudwatch", region_name="us-east-1").put_metric_alarm(
        AlarmName="dead-letters",
        MetricName="ApproximateNumberOfMessagesVisible",
        Namespace="AWS/SQS",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topics["operations"]],
        OKActions=[topics["operations"]],
    )
    outputs = {
        constants.OUTPUT_BUCKET: BUCKET,
        constants.OUTPUT_QUEUE: queue,
        constants.OUTPUT_DLQ: dlq,
        constants.OUTPUT_TABLE: TABLE,
        constants.OUTPUT_COMPLETED_TOPIC: topics["completed"],
        constants.OUTPUT_FAILED_TOPIC: topics["failed"],
        constants.OUTPUT_OPERATIONS_TOPIC: topics["operations"],
        constants.OUTPUT_DEAD_LETTER_ALARM: "dead-letters",
        constants.OUTPUT_ENABLED_PROVIDERS: "ses-import,ses-export",
    }
    register_stack(outputs)
    return outputs


def test_the_outputs_it_reads_are_the_stacks():
    assert smoke_deployment.REQUIRED_OUTPUTS == (
        constants.OUTPUT_BUCKET,
        constants.OUTPUT_QUEUE,
        constants.OUTPUT_DLQ,
        constants.OUTPUT_TABLE,
        constants.OUTPUT_COMPLETED_TOPIC,
        constants.OUTPUT_FAILED_TOPIC,
        constants.OUTPUT_OPERATIONS_TOPIC,
        constants.OUTPUT_DEAD_LETTER_ALARM,
        constants.OUTPUT_ENABLED_PROVIDERS,
    )
    assert set(smoke_deployment.KNOWN_PROVIDERS) == set(registry.PROVIDERS)


def test_read_only_checks_what_the_stack_names_and_creates_nothing(stack, capsys):
    assert main(["smoke", "--read-only"]) == 0
    out = capsys.readouterr().out
    for name in ("stack outputs", "upload bucket", "operations topic", "dead-letter queue", "job table"):
        assert f"1. {name} " in out
    assert "dead-letters, state OK, notifies the operations topic" in out
    assert "ses-import, ses-export" in out
    assert "== 2." not in out
    queues = boto3.client("sqs", region_name="us-east-1").list_queues()["QueueUrls"]
    assert not [url for url in queues if NAME_PREFIX in url]


def test_a_stack_without_the_outputs_fails_the_first_check_and_stops(stack, capsys):
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(
        StackName="Older",
        TemplateBody=json.dumps(
            {"Resources": {"P": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}, "Outputs": {"X": {"Value": "y"}}}
        ),
    )
    assert main(["smoke", "--stack", "Older"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  stack outputs" in out and "stack Older has no output UploadBucketName" in out
    assert "1 of 1 checks failed (stack outputs)" in out
    assert main(["smoke", "--stack", "Missing"]) == 1
    assert "ValidationError" in capsys.readouterr().out


def test_an_alarm_already_in_alarm_fails_without_being_set(stack):
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    cloudwatch.set_alarm_state(AlarmName="dead-letters", StateValue="ALARM", StateReason="real dead letters")
    report = Report(io.StringIO())
    smoke = runner.SmokeTest(_connection(), report, timeout=5, skip=frozenset())
    smoke.deployment = smoke_deployment.Deployment.from_outputs("Listdrop", stack)
    smoke.operations_topic(Inbox(boto3.client("sqs", region_name="us-east-1"), "unused"))
    [check] = report.checks
    assert check.status == FAIL and "already in ALARM" in check.detail and "listdrop redrive" in check.detail
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["dead-letters"])["MetricAlarms"]
    assert alarm["StateReason"] == "real dead letters", "the smoke test did not touch it"


def test_ctrl_c_while_waiting_still_removes_everything_it_created(stack, monkeypatch, capsys):
    def interrupted(self, done, deadline, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(Inbox, "wait", interrupted)
    s3 = boto3.client("s3", region_name="us-east-1")
    before = s3.list_object_versions(Bucket=BUCKET).get("Versions", [])

    assert main(["smoke", "--timeout", "5"]) == 1

    out = capsys.readouterr().out
    assert "2. SES contact list" in out and "3. interrupted" in out
    for removal in ("remove uploaded files and their copies", "remove SES contact list", "remove subscriptions"):
        assert f"5. {removal} " in out and "PASS" in out.split(f"5. {removal} ")[1].split("\n")[0]
    sqs, sns = boto3.client("sqs", region_name="us-east-1"), boto3.client("sns", region_name="us-east-1")
    assert not [url for url in sqs.list_queues().get("QueueUrls", []) if NAME_PREFIX in url]
    assert not [s for s in sns.list_subscriptions()["Subscriptions"] if NAME_PREFIX in s["Endpoint"]]
    lists = boto3.client("sesv2", region_name="us-east-1").list_contact_lists()["ContactLists"]
    assert not [c for c in lists if c["ContactListName"].startswith(NAME_PREFIX)]
    assert s3.list_object_versions(Bucket=BUCKET).get("Versions", []) == before


def _connection():
    from listdrop.cli.connection import connect

    return connect(_args())


# -- what it creates and drops -------------------------------------------------------------------------


def test_the_queue_accepts_only_the_listdrop_topics():
    topics = ["arn:aws:sns:us-east-1:1:completed", "arn:aws:sns:us-east-1:1:failed"]
    [statement] = queue_policy("arn:aws:sqs:us-east-1:1:q", topics)["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage" and statement["Resource"] == "arn:aws:sqs:us-east-1:1:q"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": topics}}


def test_run_ids_are_unique_and_fit_every_name():
    ids = {new_run_id(datetime(2026, 11, 29, 22, 45, 1, tzinfo=UTC)) for _ in range(50)}
    assert len(ids) == 50
    name = Scratch(ids.pop()).name
    assert name.startswith("listdrop-smoke-20261129224501-") and len(name) <= 64  # an SES contact list name


def test_one_file_per_provider_with_a_destination_and_one_bad_file():
    scratch = Scratch("20261129224501-abcdef", destinations={"mail-manager": "al-1"})
    planned = drops.plan(
        scratch, ("ses-import", "ses-export", "mail-manager"), today=datetime(2026, 11, 29, tzinfo=UTC)
    )
    assert [d.label for d in planned] == ["SES export", "Mail Manager import", "bad file"], "no contact list: no drop"
    for drop in planned:
        assert "@" not in drop.key and scratch.name in drop.key
    bad = planned[-1]
    assert (bad.outcome, bad.topic, bad.reason_code) == ("REJECTED", "failed", "NO_ROUTE")
    source = json.loads(planned[0].body)["ExportDataSource"]["MetricsDataSource"]
    assert (source["StartDate"], source["EndDate"]) == ("2026-11-28", "2026-11-29"), "whole UTC days"
    assert planned[1].body.decode().splitlines()[0] == "address"
    assert "al-1" in planned[1].key


def test_every_provider_has_a_smoke_case():
    from listdrop.cli.smoke.cases import case_of
    from listdrop.providers.registry import PROVIDERS

    assert [name for name in PROVIDERS if case_of(name) is None] == []


def test_an_outcome_is_judged_by_outcome_reason_and_topic():
    drop = drops.Drop("bad file", None, "k", b"", "text/csv", "REJECTED", "failed", reason_code="NO_ROUTE")
    event = {"detail": {"outcome": "REJECTED", "reasonCode": "NO_ROUTE", "reason": "x"}}
    assert drops.outcome_problem(drop, event, "arn:failed", "arn:failed") is None
    assert "arrived on arn:completed" in drops.outcome_problem(drop, event, "arn:completed", "arn:failed")
    event["detail"]["outcome"] = "SUCCEEDED"
    assert drops.outcome_problem(drop, event, "arn:failed", "arn:failed").startswith("SUCCEEDED (NO_ROUTE), expected")


# -- reading notifications -----------------------------------------------------------------------------


DETAIL = {"trackingId": "abc", "outcome": "REJECTED", "source": {"key": "imports/x.csv"}}
EVENT = {"detail-type": "Import Rejected", "detail": DETAIL}


@pytest.mark.parametrize(
    "message",
    [
        f"REJECTED: ...\n\nTracking id: abc\n\nEvent (JSON):\n{json.dumps(EVENT)}",
        f'"REJECTED: a line with {{braces}}"\n"Tracking id: abc"\n"Event (JSON): {json.dumps(EVENT)}"',
        json.dumps(EVENT),
        json.dumps({"detailType": "Import Rejected", "detail": DETAIL}),
        json.dumps({"Detail": json.dumps(DETAIL)}),
    ],
)
def test_the_outcome_is_found_however_the_notification_lays_it_out(message):
    assert outcome_event(message) == {"detail": DETAIL}


def test_an_alarm_notification_is_not_an_outcome():
    alarm = json.dumps({"AlarmName": "dead-letters", "NewStateValue": "ALARM", "OldStateValue": "OK"})
    received = Received("arn:operations", alarm, 0.0)
    assert received.event() is None
    assert received.alarm_state() == ("dead-letters", "ALARM")
    assert Received("arn:failed", "plain text", 0.0).alarm_state() is None


def test_an_account_that_already_has_its_one_contact_list_skips_the_ses_import():
    class Ses:
        def create_contact_list(self, **_):
            error = {"Error": {"Code": "LimitExceededException", "Message": "Too many"}}
            raise ClientError(error, "CreateContactList")

    class Connection:
        def client(self, service_name):
            return Ses()

    scratch = Scratch("20261129224501-abcdef")
    with pytest.raises(Skipped, match="one contact list per account"):
        ses_import.create(Connection(), scratch.name)
    planned = drops.plan(scratch, ("ses-import",))
    assert [d.label for d in planned] == ["bad file"], "and nothing dropped for it"


def test_an_ok_notification_cloudwatch_sent_itself_after_the_alarm_counts():
    """CloudWatch evaluates the alarm every period and may set it back to OK before the smoke test does; then the
    smoke test's own SetAlarmState OK changes nothing and sends nothing, and CloudWatch's notification must count."""
    now = [100.0]

    class CloudWatch:
        def set_alarm_state(self, **_):
            pass

    class Notifications:
        received: list[Received] = []

        def wait(self, done, deadline, progress):
            return done()

    inbox = Notifications()
    smoke = runner.SmokeTest(None, Report(io.StringIO()), timeout=5, skip=frozenset(), clock=lambda: now[0])
    inbox.received.append(Received("arn:ops", json.dumps({"AlarmName": "dl", "NewStateValue": "ALARM"}), 101.0))
    smoke._set_alarm(CloudWatch(), inbox, "dl", "arn:ops", "ALARM")
    inbox.received.append(Received("arn:ops", json.dumps({"AlarmName": "dl", "NewStateValue": "OK"}), 102.0))
    now[0] = 105.0  # the smoke test sets OK after CloudWatch already did
    assert "notification arrived" in smoke._set_alarm(CloudWatch(), inbox, "dl", "arn:ops", "OK")
