"""The local cloud's fault plans: strict parsing, repeatable draws, crash points that fire once per upload."""

from __future__ import annotations

import pytest

from listdrop.providers.registry import PROVIDERS
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
        ({"api": [{"operations": ["mail-manager:*"]}]}, "unknown service 'mail-manager'"),
        ({"api": [{"operations": ["mailmanager:CreateImportJob"]}]}, "mailmanager has no operation 'CreateImportJob'"),
        ({"api": [{"operations": ["sesv2:GetImportJobs"]}]}, "sesv2 has no operation 'GetImportJobs'"),
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


@pytest.mark.parametrize(
    ("point", "function", "service", "operation", "params", "event"),
    [
        ("starter.after-export-job-created", "starter", "sesv2", "CreateExportJob", {"JobId": "x"}, {"id": UPLOAD}),
        (
            "starter.after-address-list-job-created",
            "starter",
            "mailmanager",
            "CreateAddressListImportJob",
            {"ClientToken": UPLOAD, "AddressListId": "al-1"},
            None,
        ),
        (
            "starter.after-address-list-job-started",
            "starter",
            "mailmanager",
            "StartAddressListImportJob",
            {"JobId": "job-1"},
            {"id": UPLOAD},
        ),
        (
            "starter.after-pinpoint-job-created",
            "starter",
            "pinpoint",
            "CreateImportJob",
            {"ImportJobRequest": {"S3Url": f"s3://bucket/staged/{UPLOAD}.csv"}},
            None,
        ),
        ("poller.after-export-status-read", "poller", "sesv2", "GetExportJob", {"JobId": "j"}, {"id": UPLOAD}),
        (
            "poller.after-address-list-status-read",
            "poller",
            "mailmanager",
            "GetAddressListImportJob",
            {"JobId": "j"},
            {"id": UPLOAD},
        ),
        ("poller.after-pinpoint-status-read", "poller", "pinpoint", "GetImportJob", {"JobId": "j"}, {"id": UPLOAD}),
    ],
)
def test_each_providers_crash_points_fire_at_their_call_only(point, function, service, operation, params, event):
    injector = FaultInjector(FaultPlan.from_dict({"crashes": dict.fromkeys(CRASH_POINTS, 1.0)}))
    other_function = "poller" if function == "starter" else "starter"
    injector.after_call(other_function, service, operation, params, event)  # another function's call
    injector.after_call(function, "s3", "GetObject", params, event)  # another call
    with pytest.raises(SimulatedCrash, match=point.replace(".", r"\.")):
        injector.after_call(function, service, operation, params, event)
    assert injector.log.counts() == {f"crashed {point}": 1}


def test_every_provider_has_its_job_creating_call_and_status_read_as_crash_points():
    providers = {point.provider for point in CRASH_POINTS.values()} - {None}
    assert providers == set(PROVIDERS)
    for provider in providers:
        functions = {point.function for point in CRASH_POINTS.values() if point.provider == provider}
        assert functions == {"starter", "poller"}, provider


def test_a_crash_point_finds_the_upload_an_earlier_call_of_the_invocation_named():
    """StartAddressListImportJob names a job id only; the upload is the one the invocation's earlier calls named."""
    from localcloud import faults

    injector = FaultInjector(FaultPlan.from_dict({"crashes": {"starter.after-address-list-job-started": 1.0}}))
    with faults.running("starter", {"Records": []}):
        faults._invocation.upload = UPLOAD  # what the patched client recorded from CreateAddressListImportJob
        with pytest.raises(SimulatedCrash):
            injector.after_call("starter", "mailmanager", "StartAddressListImportJob", {"JobId": "j"}, {"Records": []})
    assert getattr(faults._invocation, "upload", None) is None, "the next invocation starts without one"


@pytest.mark.parametrize("service", ["sesv2", "mailmanager", "pinpoint"])
def test_the_emulated_services_throttle_with_the_error_their_model_names(service):
    """Each emulated service's throttling error is an error shape of its botocore model, with that HTTP status."""
    import botocore.session

    from localcloud.faults import THROTTLE_ERRORS

    code, status = THROTTLE_ERRORS[service]
    model = botocore.session.get_session().get_service_model(service)
    errors = {shape.name: shape for name in model.operation_names for shape in model.operation_model(name).error_shapes}
    assert code in errors
    assert errors[code].metadata["error"]["httpStatusCode"] == status
