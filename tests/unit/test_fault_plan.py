"""The local cloud's fault plans: strict parsing, repeatable draws, crash points that fire once per upload."""

from __future__ import annotations

import pytest

from localcloud.faults import CRASH_POINTS, FaultInjector, FaultPlan, FaultPlanError, SimulatedCrash

UPLOAD = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"crash": {}}, "unknown field(s) ['crash']"),
        ({"crashes": {"starter.after-lunch": 0.1}}, "unknown crash point 'starter.after-lunch'"),
        ({"duplicateEvents": 1.5}, "duplicateEvents must be a share between 0 and 1"),
        ({"duplicateEvents": True}, "duplicateEvents must be a share"),
        ({"duplicateCopies": 0}, "duplicateCopies must be an integer from 1 to 10"),
        ({"api": [{"operations": ["CreateImportJob"]}]}, "'CreateImportJob' is not service:Operation"),
        ({"api": [{"operations": []}]}, "api[0].operations must list"),
        ({"api": [{"operations": ["sesv2:*"], "throttle": 0.7, "error": 0.5}]}, "throttle + error exceeds 1"),
        ({"api": [{"operations": ["sesv2:*"], "latencyMs": [500, 50]}]}, "latencyMs must be [min, max]"),
    ],
)
def test_a_bad_plan_is_refused_with_the_field_named(document, message):
    with pytest.raises(FaultPlanError) as refused:
        FaultPlan.from_dict(document)
    assert message in str(refused.value)


def test_a_plan_file_that_is_not_json_is_refused_with_its_name(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("{throttle: 1}")
    with pytest.raises(FaultPlanError, match=r"plan\.json"):
        FaultPlan.from_file(path)


def test_throttling_applies_to_the_named_operations_at_about_the_planned_share():
    plan = FaultPlan.from_dict({"seed": 3, "api": [{"operations": ["sesv2:CreateImportJob"], "throttle": 0.2}]})
    injector = FaultInjector(plan)
    answers = [injector.api_fault("sesv2", "CreateImportJob", f"request-{n}") for n in range(5000)]
    throttled = [a for a in answers if a is not None]
    assert set(throttled) == {("TooManyRequestsException", 429)}
    assert 900 <= len(throttled) <= 1100
    assert injector.api_fault("sesv2", "GetImportJob", "request-1") is None, "other operations are served"
    assert injector.log.counts() == {"throttled sesv2:CreateImportJob": len(throttled)}
    again = FaultInjector(plan)
    assert [again.api_fault("sesv2", "CreateImportJob", f"request-{n}") for n in range(5000)] == answers


def test_server_errors_and_a_service_wildcard():
    injector = FaultInjector(FaultPlan.from_dict({"api": [{"operations": ["dynamodb:*"], "error": 1.0}]}))
    assert injector.api_fault("dynamodb", "PutItem", "r") == ("InternalFailure", 500)


def test_duplicated_events_are_delivered_one_plus_copies_times():
    injector = FaultInjector(FaultPlan.from_dict({"duplicateEvents": 1.0, "duplicateCopies": 2}))
    event = {"Records": [{"s3": {"object": {"key": "imports/a.csv", "versionId": "v1", "sequencer": "01"}}}]}
    assert injector.deliveries(event) == 3
    assert injector.deliveries({"Event": "s3:TestEvent"}) == 1
    assert FaultInjector(FaultPlan()).deliveries(event) == 1


def test_a_crash_point_fires_once_per_upload_for_its_own_function_and_call():
    injector = FaultInjector(FaultPlan.from_dict({"crashes": {"starter.after-job-recorded": 1.0}}))
    recorded = {"Key": {"trackingId": UPLOAD}, "UpdateExpression": "SET #s = :started, providerJobId = :job"}
    take_over = {"Key": {"trackingId": UPLOAD}, "UpdateExpression": "SET claimExpiresAt = :new"}
    injector.after_call("starter", "dynamodb", "UpdateItem", take_over, None)  # not the recording update
    injector.after_call("poller", "dynamodb", "UpdateItem", recorded, None)  # not the starter
    with pytest.raises(SimulatedCrash, match=r"starter\.after-job-recorded"):
        injector.after_call("starter", "dynamodb", "UpdateItem", recorded, None)
    injector.after_call("starter", "dynamodb", "UpdateItem", recorded, None)  # the retry gets past it
    assert injector.log.counts() == {"crashed starter.after-job-recorded": 1}


def test_a_crash_point_finds_the_upload_in_the_invocations_event_when_the_call_does_not_name_it():
    injector = FaultInjector(FaultPlan.from_dict({"crashes": {"poller.after-status-read": 1.0}}))
    event = {"upload": {"trackingId": UPLOAD}}
    with pytest.raises(SimulatedCrash):
        injector.after_call("poller", "sesv2", "GetImportJob", {"JobId": "job-1"}, event)
    injector.after_call("poller", "sesv2", "GetImportJob", {"JobId": "job-1"}, event)


def test_every_named_point_is_a_call_the_code_makes():
    """Each point names a boto3 operation of its function: the name a test uses is the call that happens."""
    import botocore.session

    session = botocore.session.get_session()
    for name, point in CRASH_POINTS.items():
        assert name.startswith(point.function + ".")
        assert point.operation in session.get_service_model(point.service).operation_names, name


@pytest.mark.parametrize(
    ("header", "last"),
    [("attempt=3; max=3", True), ("attempt=1; max=3", False), ("", False), ("attempt=1", False)],
)
def test_the_last_attempt_is_read_from_the_sdk_request_header(header, last):
    from localcloud.faults import _last_attempt

    assert _last_attempt(header) is last
