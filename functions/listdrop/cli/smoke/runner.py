"""The phases of `listdrop smoke`, in order; the removal runs whatever happened before it (failure, Ctrl-C)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any, TextIO

from listdrop.cli.connection import Connection, connect
from listdrop.cli.smoke import drops as drop_plan
from listdrop.cli.smoke.cases import case_of
from listdrop.cli.smoke.deployment import Deployment, describe_alarm, read_only_checks
from listdrop.cli.smoke.drops import Drop
from listdrop.cli.smoke.inbox import Inbox, Received
from listdrop.cli.smoke.report import FAIL, PASS, SKIP, CheckFailed, Progress, Report, describe_client_error
from listdrop.cli.smoke.resources import Scratch, Uploaded, create_queue, new_run_id, remove_all, subscribe
from listdrop.upload import tracking_id_for

DEFAULT_TIMEOUT_SECONDS = 900
# SetAlarmState's notification comes within seconds; this bounds the wait for it (and for the OK one).
ALARM_WAIT_SECONDS = 120
SMOKE_REASON = "listdrop smoke"


class SmokeTest:
    def __init__(
        self,
        connection: Connection,
        report: Report,
        *,
        timeout: float,
        skip: frozenset[str],
        clock: Callable[[], float] = time.monotonic,
        run_id: str | None = None,
    ) -> None:
        self.connection = connection
        self.report = report
        self.timeout = timeout
        self.skip = skip
        self.clock = clock
        self.scratch = Scratch(run_id or new_run_id())
        self.deployment: Deployment | None = None
        self._alarm_raised = False
        self._alarm_raised_at: float | None = None
        self._unsettled: list[Drop] = []  # uploads whose outcome has not arrived

    # -- phases ------------------------------------------------------------------------------------

    def read_only(self, stack: str) -> Deployment | None:
        self.report.phase(1, "Read-only checks")
        self.deployment = read_only_checks(self.connection, self.report, stack)
        return self.deployment

    def create(self) -> Inbox | None:
        """Phase 2: its own queue, subscribed to the topics, and its own destinations. None if nothing can be
        observed (no queue or no subscription)."""
        assert self.deployment is not None
        self.report.phase(2, f"Creating the smoke test's own resources ({self.scratch.name})")
        with self.report.check("temporary queue") as row:
            row.detail = create_queue(self.connection, self.scratch, self.deployment)
        if not row.passed:
            return None
        with self.report.check("subscribe the queue") as row:
            row.detail = subscribe(self.connection, self.scratch, self.deployment)
        if not row.passed:
            return None
        for provider in self.deployment.providers:
            case = case_of(provider)
            if case is None:
                self.report.record(provider, SKIP, 0, "the smoke test has no check for this provider yet")
            elif provider in self.skip:
                self.report.record(case.label, SKIP, 0, f"--skip {provider}")
            elif case.create is not None:
                with self.report.check(case.label) as row:
                    destination, row.detail = case.create(self.connection, self.scratch.name)
                    self.scratch.destinations[provider] = destination
        return Inbox(self.connection.client("sqs"), str(self.scratch.queue_url), self.clock)

    def drop_and_wait(self, inbox: Inbox) -> None:
        """Phase 3: upload every file at once, wait for all outcomes, then check where the data landed."""
        assert self.deployment is not None
        self.report.phase(3, "Dropping one file per enabled provider and one bad file")
        providers = tuple(p for p in self.deployment.providers if p not in self.skip)
        dropped = [drop for drop in drop_plan.plan(self.scratch, providers) if self._upload(drop)]
        arrived: dict[str, tuple[Received, dict[str, Any]]] = {}
        self._unsettled = list(dropped)

        def all_arrived() -> bool:
            for received in inbox.received:
                event = received.event()
                for drop in dropped:
                    if event is not None and drop.key not in arrived and drop.matches(event):
                        arrived[drop.key] = (received, event)
            self._unsettled = [drop for drop in dropped if drop.key not in arrived]
            return not self._unsettled

        started = self.clock()
        progress = Progress(
            self.report, lambda: f"{len(arrived)} of {len(dropped)} outcomes arrived", started, self.timeout
        )
        inbox.wait(all_arrived, started + self.timeout, progress)
        progress.done()
        for drop in dropped:
            self._judge(drop, arrived.get(drop.key))

    def operations_topic(self, inbox: Inbox) -> None:
        """Phase 4: the dead-letter alarm to ALARM and back to OK; both notifications must come through."""
        assert self.deployment is not None
        self.report.phase(4, "Operations topic: the dead-letter alarm")
        cloudwatch = self.connection.client("cloudwatch")
        name, topic = self.deployment.dead_letter_alarm, self.deployment.operations_topic
        with self.report.check("ALARM notification on the operations topic") as row:
            alarm = describe_alarm(cloudwatch, name)
            if alarm.get("StateValue") == "ALARM":
                raise CheckFailed(
                    "the alarm is already in ALARM (dead letters are waiting?): setting it cannot change its state, "
                    "so no notification would be sent; run `listdrop redrive`, then the smoke test again"
                )
            row.detail = self._set_alarm(cloudwatch, inbox, name, topic, "ALARM")
        if self._alarm_raised:
            with self.report.check("alarm back to OK") as row:
                notifies = topic in alarm.get("OKActions", [])
                row.detail = self._set_alarm(cloudwatch, inbox, name, topic, "OK", wait=notifies)

    def restore_alarm(self) -> None:
        """After a failure or Ctrl-C between the two SetAlarmState calls: leave the alarm as it was."""
        if self._alarm_raised and self.deployment is not None:
            with self.report.check("alarm back to OK") as row:
                self.connection.client("cloudwatch").set_alarm_state(
                    AlarmName=self.deployment.dead_letter_alarm, StateValue="OK", StateReason=SMOKE_REASON
                )
                self._alarm_raised = False
                row.detail = "set without waiting for its notification"

    def remove(self) -> None:
        scratch = self.scratch
        if scratch.queue_url or scratch.uploads or scratch.destinations:
            self.report.phase(5, "Removing everything the smoke test created")
            remove_all(self.connection, scratch, self.deployment, self.report)
        if self._unsettled and self.deployment is not None:
            # Their jobs may still be running, and write after the removal: say where, so nothing is left unseen.
            bucket = self.deployment.bucket
            ids = [tracking_id_for(bucket, drop.key, drop.version_id or "null") for drop in self._unsettled]
            self.report.note(
                f"{len(ids)} upload(s) had no outcome yet; a job still running may later write its result under "
                f"exports/results/ or its report under reports/<tracking id>/ (`listdrop jobs show ID` names them): "
                + ", ".join(ids)
            )

    # -- helpers -----------------------------------------------------------------------------------

    def _upload(self, drop: Drop) -> bool:
        """Upload one file; a failed upload is the drop's failed outcome (a row), a good one only a line."""
        from botocore.exceptions import ClientError

        assert self.deployment is not None
        self.scratch.uploads.append(Uploaded(drop.key, drop.provider))  # before: a half-done upload is removed too
        started = self.clock()
        try:
            response = self.connection.client("s3").put_object(
                Bucket=self.deployment.bucket, Key=drop.key, Body=drop.body, ContentType=drop.content_type
            )
        except ClientError as error:
            detail = f"upload of s3://{self.deployment.bucket}/{drop.key} failed: {describe_client_error(error)}"
            self.report.record(f"{drop.label}: outcome", FAIL, self.clock() - started, detail)
            return False
        drop.version_id = response.get("VersionId")
        drop.uploaded_at = self.clock()
        self.report.note(f"dropped s3://{self.deployment.bucket}/{drop.key}")
        return True

    def _judge(self, drop: Drop, arrival: tuple[Received, dict[str, Any]] | None) -> None:
        assert self.deployment is not None
        name = f"{drop.label}: outcome"
        if arrival is None:
            self.report.record(
                name,
                FAIL,
                self.clock() - drop.uploaded_at,
                f"no notification within {self.timeout:g} s (--timeout); `listdrop jobs list --since 1h` shows "
                "where the upload stopped",
            )
            return
        received, event = arrival
        seconds = received.at - drop.uploaded_at
        detail = event["detail"]
        result = str(detail.get("result") or "")
        if result.startswith(f"s3://{self.deployment.bucket}/"):  # a result the poller copied: removed at the end
            self.scratch.result_prefixes.append(result.split("/", 3)[3].rsplit("/", 1)[0] + "/")
        case = case_of(drop.provider) if drop.provider else None
        skip_reason = case.skip_reasons.get(str(detail.get("reasonCode"))) if case else None
        if skip_reason:
            self.report.record(name, SKIP, seconds, f"{skip_reason}: {detail.get('reason')}")
            return
        problem = drop_plan.outcome_problem(drop, event, received.topic_arn, self.deployment.topics[drop.topic])
        if problem:
            self.report.record(name, FAIL, seconds, problem + (case.failure_hint if case else ""))
            return
        self.report.record(name, PASS, seconds, f"{detail.get('outcome')} on the {drop.topic} topic")
        if drop.landed is not None:
            with self.report.check(f"{drop.label}: data landed") as row:
                row.detail = drop.landed(self.connection, event)

    def _set_alarm(self, cloudwatch: Any, inbox: Inbox, name: str, topic: str, state: str, *, wait: bool = True) -> str:
        # An OK notification counts from the moment the alarm was raised: CloudWatch evaluates the alarm's metric
        # every period and may set it back to OK itself before we do (then our SetAlarmState changes nothing and
        # sends nothing, and the notification that proves delivery is the one CloudWatch sent).
        since = self._alarm_raised_at if state == "OK" and self._alarm_raised_at is not None else self.clock()
        if state == "ALARM":
            self._alarm_raised_at = since
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=SMOKE_REASON)
        self._alarm_raised = state == "ALARM"
        if not wait:
            return f"set to {state} (the alarm sends no notification for OK)"

        def arrived() -> bool:
            return any(
                r.at >= since and r.topic_arn == topic and r.alarm_state() == (name, state) for r in inbox.received
            )

        window = min(self.timeout, ALARM_WAIT_SECONDS)
        if not inbox.wait(arrived, since + window, lambda: None):
            raise CheckFailed(
                f"no {state} notification on the operations topic within {window:g} s of SetAlarmState: the topic "
                "policy must let cloudwatch.amazonaws.com publish, and the topic key's policy let it use the key"
            )
        return f"{name} set to {state}; its notification arrived"


def run(
    args: argparse.Namespace,
    *,
    out: TextIO,
    err: TextIO,
    connection: Connection | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """`listdrop smoke`. Exit status: 0 when every check passed (skipped ones are listed), 1 when one failed,
    2 on a usage error or when AWS could not be reached."""
    from botocore.exceptions import BotoCoreError

    if args.timeout <= 0:
        err.write("listdrop: smoke: --timeout must be a positive number of seconds\n")
        return 2
    report = Report(out, clock)
    unreachable: BotoCoreError | None = None
    smoke: SmokeTest | None = None
    try:
        smoke = SmokeTest(
            connection or connect(args), report, timeout=args.timeout, skip=frozenset(args.skip or ()), clock=clock
        )
        deployment = smoke.read_only(args.stack)
        if deployment is not None and args.read_only:
            report.note("--read-only: nothing was created, dropped or changed.")
        elif deployment is not None:
            inbox = smoke.create()
            if inbox is not None:
                smoke.drop_and_wait(inbox)
                smoke.operations_topic(inbox)
    except KeyboardInterrupt:
        report.record("interrupted", FAIL, 0, "stopped by Ctrl-C; what was created is removed below")
    except BotoCoreError as error:
        unreachable = error
    finally:
        if smoke is not None:
            unreachable = _cleanup(smoke) or unreachable
    out.write("\n" + report.table())
    if unreachable is not None:
        err.write(f"listdrop: smoke: AWS could not be reached: {unreachable}\n")
        return 2
    return report.exit_code()


def _cleanup(smoke: SmokeTest) -> Any:
    """Put the alarm back and remove what was created; returns a BotoCoreError that kept it from finishing."""
    from botocore.exceptions import BotoCoreError

    try:
        smoke.restore_alarm()
        smoke.remove()
    except BotoCoreError as error:
        smoke.report.note(f"removal stopped ({error}): remove what is named {smoke.scratch.name} by hand")
        return error
    return None
