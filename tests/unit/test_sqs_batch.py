"""The starter's partial batch responses: what Powertools' BatchProcessor(EventType.SQS) answered, without it."""

from __future__ import annotations

import pytest

from listdrop.handlers.sqs_batch import BatchFailed, SqsRecord, process_partial_batch


def batch(*bodies: str) -> dict[str, list[SqsRecord]]:
    return {"Records": [{"messageId": f"m{index}", "body": body} for index, body in enumerate(bodies)]}


def fail_on_bad(record: SqsRecord) -> None:
    if record["body"] == "bad":
        raise ValueError("bad record")


def test_only_the_records_that_raised_are_reported():
    assert process_partial_batch(batch("ok", "bad", "ok", "bad"), fail_on_bad) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]
    }
    assert process_partial_batch(batch("ok", "ok"), fail_on_bad) == {"batchItemFailures": []}


def test_a_batch_whose_every_record_failed_fails_the_invocation():
    with pytest.raises(BatchFailed, match="All 2 records failed") as failed:
        process_partial_batch(batch("bad", "bad"), fail_on_bad)
    assert isinstance(failed.value.__cause__, ValueError)


def test_a_crash_is_not_a_record_failure():
    """A BaseException (the local cloud's simulated crash, a timeout's) ends the invocation, as in Powertools."""

    class Crash(BaseException):
        pass

    def crash(record: SqsRecord) -> None:
        raise Crash

    with pytest.raises(Crash):
        process_partial_batch(batch("ok"), crash)
