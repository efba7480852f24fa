"""The wiring: event patterns, the workflow's paths, the functions' environment contract, the outputs."""

import importlib
import json

import pytest

from infra import constants
from infra.config import HISTORY_EVENT_BUDGET, ListdropConfig, worst_case_polls
from infra.constructs.workflow import history_costs
from listdrop.cli import stack as cli_stack
from listdrop.settings import PollerSettings, StarterSettings
from localcloud import input_transformer
from tests.infra.helpers import as_list, definition, flat, one, resources, statements_of_role

pytestmark = pytest.mark.infra


def test_uploads_under_imports_and_export_requests_reach_the_queue_and_results_do_not(template):
    queue_id, _ = one(template, "AWS::SQS::Queue", "IngestQueue")
    _, notification = one(template, "Custom::S3BucketNotifications")
    configs = notification["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    prefixes = set()
    for config in configs:
        assert config["Events"] == ["s3:ObjectCreated:*"]
        assert config["QueueArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
        [rule] = config["Filter"]["Key"]["FilterRules"]
        assert rule["Name"] == "prefix"
        prefixes.add(rule["Value"])
    assert prefixes == {"imports/", "exports/ses/"}
    # The poller writes export results and reports: no prefix that is notified may contain them.
    for written in (constants.EXPORT_RESULTS_PREFIX, constants.REPORTS_PREFIX, constants.STAGING_PREFIX):
        assert not any(written.startswith(prefix) for prefix in prefixes)


def test_starter_reports_partial_batch_failures(template):
    _, mapping = one(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["BatchSize"] == 10


def test_rules_route_each_outcome_to_its_topic_with_a_readable_message(template):
    bus_id, _ = one(template, "AWS::Events::EventBus")
    completed_id, _ = one(template, "AWS::SNS::Topic", "Completed")
    failed_id, _ = one(template, "AWS::SNS::Topic", "Failed")
    routes = {}
    for rule in resources(template, "AWS::Events::Rule").values():
        properties = rule["Properties"]
        if properties.get("EventBusName") != {"Ref": bus_id}:
            continue
        assert properties["EventPattern"]["source"] == [constants.EVENT_SOURCE]
        [target] = properties["Targets"]
        routes[target["Arn"]["Ref"]] = sorted(properties["EventPattern"]["detail-type"])
        transformer = target["InputTransformer"]
        input_transformer.check(transformer)  # a template EventBridge allows (localcloud/input_transformer.py)
        lines = transformer["InputTemplate"].split("\n")
        assert lines[0] == '"<detail-summary>"', "the outcome sentence must be the first line"
        assert lines[-1] == '"Event (JSON): <detail-eventJson>"', "machines get the outcome, as JSON, last"
        assert transformer["InputPathsMap"]["detail-eventJson"] == "$.detail.eventJson"
        assert "<aws.events.event" not in transformer["InputTemplate"], "not allowed inside a string"
    assert routes == {
        completed_id: ["Export Succeeded", "Import Succeeded"],
        failed_id: [
            "Export Failed",
            "Export Rejected",
            "Export Timed Out",
            "Import Failed",
            "Import Rejected",
            "Import Timed Out",
        ],
    }


def test_a_backstop_rule_reports_workflows_that_fail_themselves(template):
    machine_id, _ = one(template, "AWS::StepFunctions::StateMachine")
    backstop = [
        r["Properties"]
        for r in resources(template, "AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"].get("source") == ["aws.states"]
    ]
    assert len(backstop) == 1
    pattern = backstop[0]["EventPattern"]
    assert pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": machine_id}]
    [target] = backstop[0]["Targets"]
    input_transformer.check(target["InputTransformer"])
    assert target["InputTransformer"]["InputTemplate"].startswith('"WORKFLOW <detail-status>: ')


def test_state_machine_polls_with_a_growing_wait_and_catches_a_failing_poller(template):
    states = definition(template)["States"]
    assert states["Wait for job"]["SecondsPath"] == "$.poll.waitSeconds"
    poll = states["Poll job"]
    # Only Lambda's own transient errors are retried on the spot; any other failure of the poller goes to the
    # failure loop, which backs off as the polling does (a States.ALL retrier would end tracking within minutes).
    [retrier] = poll["Retry"]
    assert "Lambda.ServiceException" in retrier["ErrorEquals"] and "States.ALL" not in retrier["ErrorEquals"]
    assert poll["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Poller failed before?"}]
    assert states["Job finished?"]["Choices"][0] == {
        "Variable": "$.poll.state",
        "StringEquals": "RUNNING",
        "Next": "Wait for job",
    }


def test_a_failing_poller_is_polled_again_with_backoff_until_the_window_or_the_deadline(template):
    states = definition(template)["States"]
    assert states["Note the first poller failure"]["Parameters"] == {
        "since.$": "$$.State.EnteredTime",
        "waitedSeconds": 0,
    }
    note = states["Note the poller failure"]["Parameters"]
    assert note["at.$"] == "$$.State.EnteredTime" and note["error.$"] == "$.error.Error"
    # The blind wait the poller precomputed, then twice that at each failure, up to the cap.
    assert note["doubled"] == {
        "waitSeconds.$": "$.poll.backoffSeconds",
        "backoffSeconds.$": "States.MathAdd($.poll.backoffSeconds, $.poll.backoffSeconds)",
    }
    assert note["longest"] == {"waitSeconds.$": "$.poll.maxWaitSeconds", "backoffSeconds.$": "$.poll.maxWaitSeconds"}
    stop = states["Stop waiting for the poller?"]["Choices"]
    # The poller's own give-up time (listdrop.poll_schedule.give_up_at: the window, capped by the deadline) ...
    assert stop[0] == {"Variable": "$.poll.giveUpAt", "IsPresent": True, "Next": "Past the window or the deadline?"}
    assert states["Past the window or the deadline?"]["Choices"] == [
        {
            "Variable": "$.pollerFailure.at",
            "StringGreaterThanEqualsPath": "$.poll.giveUpAt",
            "Next": "Checks to show?",
        }
    ]
    # ... or, for a poller that never answered, the window counted in waits.
    assert stop[1] == {
        "Variable": "$.pollerFailure.waitedSeconds",
        "NumericGreaterThanEquals": ListdropConfig().status_unreadable_seconds,
        "Next": "Checks to show?",
    }
    assert states["Back off how far?"]["Choices"][0]["NumericGreaterThanPath"] == "$.poll.maxWaitSeconds"
    for name, wait in (("Wait the backoff", "doubled"), ("Wait the longest", "longest")):
        back_off = states[name]
        assert back_off["Next"] == "Wait for job"
        assert back_off["Parameters"]["poll.$"] == f"States.JsonMerge($.poll, $.pollerFailure.{wait}, false)"
        assert set(back_off["Parameters"]) == {"upload.$", "poll.$", "pollerFailure"}, "the caught error is dropped"


def test_an_execution_input_without_a_backoff_starts_it_at_the_first_wait(template):
    """Inputs a starter stored before the backoff existed are resumed as they are: the failure loop must not read a
    missing field (a States.Runtime error no catch handles)."""
    states = definition(template)["States"]
    choices = states["Ended before any job?"]["Choices"]
    assert choices[1] == {"Variable": "$.poll.backoffSeconds", "IsPresent": True, "Next": "Wait for job"}
    assert states["Ended before any job?"]["Default"] == "Start the backoff at the first wait"
    fill = states["Start the backoff at the first wait"]
    assert (fill["InputPath"], fill["ResultPath"], fill["Next"]) == (
        "$.poll.waitSeconds",
        "$.poll.backoffSeconds",
        "Wait for job",
    )


def test_the_failure_path_records_the_outcome_in_the_job_table_as_the_poller_does(template):
    from listdrop.job_store import JobStore

    sent = {}

    class Table:
        def update_item(self, **request):
            sent.update(request)

    JobStore(Table()).mark_finished(
        "t1",
        {"outcome": "FAILED", "providerStatus": None, "records": {"processed": 0, "failed": 0}}
        | {"failureReport": None, "reason": "r", "reasonCode": "STATUS_UNREADABLE", "endedAt": "2026-11-29T10:00:00Z"},
    )
    states = definition(template)["States"]
    record = states["Record the outcome"]
    assert record["Resource"].endswith(":states:::dynamodb:updateItem")
    parameters = record["Parameters"]
    assert parameters["UpdateExpression"] == sent["UpdateExpression"]
    assert parameters["ExpressionAttributeNames"] == sent["ExpressionAttributeNames"]
    assert set(parameters["ExpressionAttributeValues"]) == set(sent["ExpressionAttributeValues"]) | {":started"}
    assert parameters["ConditionExpression"] == "#s = :started", "never over an outcome the poller recorded"
    assert parameters["Key"] == {"trackingId": {"S.$": "$.upload.trackingId"}}
    # Whatever happens to the write, the event is published.
    assert record["Next"] == "Copy the outcome for the notifications"
    assert [c["Next"] for c in record["Catch"]] == ["Copy the outcome for the notifications"]
    assert states["Build status-unreadable outcome"]["Next"] == "Record the outcome"


def test_no_path_reads_into_a_validation_that_may_be_null(template):
    """`upload.validation` is null when nothing was read, and `upload.notice` is missing from an execution input
    stored before it existed: a JSONPath into either would be a States.Runtime error, which no catch handles in
    AWS. Nothing reads into the first; only the state behind an IsPresent test reads into the second."""
    states = definition(template)["States"]
    assert not [name for name, state in states.items() if "$.upload.validation." in json.dumps(state)]
    readers = {name for name, state in states.items() if "$.upload.notice." in json.dumps(state)}
    assert readers == {"Checks to show?", "Show the checks"}
    assert states["Checks to show?"]["Choices"] == [
        {"Variable": "$.upload.notice.what", "IsPresent": True, "Next": "Show the checks"}
    ]


def test_every_published_event_carries_its_outcome_as_json_for_the_notifications(template):
    states = definition(template)["States"]
    assert states["Copy the outcome for the notifications"]["Parameters"] == {
        "eventJson.$": "States.JsonToString($.outcome)"
    }
    attach = states["Attach the copy to the event"]
    assert attach["Parameters"]["detail.$"] == "States.JsonMerge($.outcome.detail, $.notification, false)"
    assert attach["Next"] == "Publish outcome"
    publish = states["Publish outcome"]["Parameters"]["Entries"][0]
    assert publish["Detail.$"] == "$.outcome.detail"


def test_the_history_each_poll_costs_is_counted_from_the_definition(template):
    """One poll at its costliest: the wait (2 events), the poller failing on every attempt its retrier allows
    (2 + 3 per attempt: 1 + 6), and the seven states of the failure loop (2 each)."""
    costs = history_costs(definition(template))
    assert costs.per_poll == 2 + (2 + 3 * 7) + 7 * 2
    polls = worst_case_polls(initial_wait=10, max_wait=1800, job_max=21600, unreadable=1800, wait_percent=25)
    assert costs.once + polls * costs.per_poll < HISTORY_EVENT_BUDGET, "the defaults fit"


def test_every_path_through_the_workflow_publishes_an_outcome(template):
    """Walk the graph: no path reaches an end state without passing the PutEvents task."""
    machine = definition(template)
    states = machine["States"]

    def successors(name):
        state = states[name]
        nexts = [state.get("Next"), state.get("Default")]
        nexts += [c["Next"] for c in state.get("Choices", [])] + [c["Next"] for c in state.get("Catch", [])]
        return [n for n in nexts if n]

    def publishes(name):
        return states[name].get("Resource", "").endswith(":states:::events:putEvents")

    ends = []
    stack = [(machine["StartAt"], False, ())]
    while stack:
        name, published, seen = stack.pop()
        if name in seen:
            continue  # the polling loop: already explored from here
        published = published or publishes(name)
        following = successors(name)
        if not following:
            ends.append((name, published))
        stack.extend((n, published, (*seen, name)) for n in following)
    assert ends and all(published for _, published in ends), ends
    assert {states[name]["Type"] for name, _ in ends} == {"Succeed"}


def test_state_machine_has_tracing_logging_and_a_time_limit(template):
    _, machine = one(template, "AWS::StepFunctions::StateMachine")
    properties = machine["Properties"]
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    assert properties["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert definition(template)["TimeoutSeconds"] == 21600 + 3600


def _powertools_parameter(template):
    (found,) = [lid for lid, p in template.get("Parameters", {}).items() if "/powertools/" in str(p.get("Default"))]
    return found


def _environment(template, fragment):
    _, function = one(template, "AWS::Lambda::Function", fragment)
    variables = function["Properties"]["Environment"]["Variables"]
    return function, {
        name: value if isinstance(value, str) else "resolved-at-deploy" for name, value in variables.items()
    }


def test_functions_satisfy_the_handlers_environment_contract(template):
    _, starter_env = _environment(template, "IngestStarterFunction")
    _, poller_env = _environment(template, "PollerFunction")
    settings = StarterSettings.from_env(starter_env)
    poll = settings.poll
    assert (poll.initial_wait_seconds, poll.max_wait_seconds, poll.wait_percent) == (10, 1800, 25)
    assert PollerSettings.from_env(poller_env).reports_prefix == "reports/"


@pytest.mark.parametrize("fragment", ["IngestStarterFunction", "PollerFunction"])
def test_functions_run_with_tracing_the_powertools_layer_and_an_importable_handler(template, fragment):
    function, _ = _environment(template, fragment)
    properties = function["Properties"]
    assert properties["Runtime"] == "python3.13"
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert {"Ref": _powertools_parameter(template)} in properties["Layers"]  # see test_runtime_versions.py
    module, _, attribute = properties["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))


def test_only_the_starter_carries_the_dependencies_layer_built_for_its_runtime(template):
    from infra.constructs.dependencies import LAYER_PACKAGES

    layer_id, layer = one(template, "AWS::Lambda::LayerVersion")
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["x86_64"]
    starter, _ = _environment(template, "IngestStarterFunction")
    poller, _ = _environment(template, "PollerFunction")
    assert {"Ref": layer_id} in starter["Properties"]["Layers"]
    assert {"Ref": layer_id} not in poller["Properties"]["Layers"]
    # The wheels `make layer` unpacked must be the ones the function's runtime can load.
    extensions = {path.name for path in (LAYER_PACKAGES / "numpy" / "_core").glob("_multiarray_umath.*.so")}
    assert extensions == {"_multiarray_umath.cpython-313-x86_64-linux-gnu.so"}


def test_outputs_use_the_shared_constants(template):
    expected = {value for name, value in vars(constants).items() if name.startswith("OUTPUT_")}
    assert expected <= set(template["Outputs"])
    # `listdrop redrive`, `jobs` and `smoke --stack` find their resources from these outputs; the CLI spells their
    # names once, in listdrop.cli.stack (it does not import infra/)
    read_by_the_cli = {
        cli_stack.BUCKET_OUTPUT: constants.OUTPUT_BUCKET,
        cli_stack.QUEUE_OUTPUT: constants.OUTPUT_QUEUE,
        cli_stack.DEAD_LETTER_QUEUE_OUTPUT: constants.OUTPUT_DLQ,
        cli_stack.TABLE_OUTPUT: constants.OUTPUT_TABLE,
        cli_stack.COMPLETED_TOPIC_OUTPUT: constants.OUTPUT_COMPLETED_TOPIC,
        cli_stack.FAILED_TOPIC_OUTPUT: constants.OUTPUT_FAILED_TOPIC,
        cli_stack.OPERATIONS_TOPIC_OUTPUT: constants.OUTPUT_OPERATIONS_TOPIC,
        cli_stack.DEAD_LETTER_ALARM_OUTPUT: constants.OUTPUT_DEAD_LETTER_ALARM,
        cli_stack.ENABLED_PROVIDERS_OUTPUT: constants.OUTPUT_ENABLED_PROVIDERS,
    }
    assert list(read_by_the_cli) == list(read_by_the_cli.values())
    assert len(read_by_the_cli) == len([name for name in vars(cli_stack) if name.endswith("_OUTPUT")])


def test_notification_emails_subscribe_to_both_topics(scoped_template):
    subscriptions = [s["Properties"] for s in resources(scoped_template, "AWS::SNS::Subscription").values()]
    people = [s for s in subscriptions if s["Endpoint"] == "ops@example.com"]
    assert len(people) == 2 and all(s["Protocol"] == "email" for s in people)
    [operations] = [s for s in subscriptions if s["Endpoint"] == "oncall@example.com"]
    operations_topic, _ = one(scoped_template, "AWS::SNS::Topic", "Operations")
    assert operations["TopicArn"] == {"Ref": operations_topic}, "alarms go to the operations topic only"


def test_the_workflows_own_failure_event_has_the_same_schema_as_the_pollers(template):
    from datetime import UTC, datetime

    from listdrop.models import Outcome, S3Object
    from listdrop.outcome import build_event
    from listdrop.routing import route
    from listdrop.upload import Upload

    key = "imports/ses/suppression-list/put/a.csv"
    upload = Upload.accepted("t", route(key), S3Object("b", key, "v", 1), datetime.now(UTC).isoformat())
    python_detail = build_event(upload=upload, outcome=Outcome.FAILED, ended_at=datetime.now(UTC))["detail"]

    def keys(parameters):
        return {name.removesuffix(".$") for name in parameters}

    asl_detail = definition(template)["States"]["Build status-unreadable outcome"]["Parameters"]["outcome"]["detail"]
    assert keys(asl_detail) == set(python_detail)
    assert keys(asl_detail["notice"]) == set(python_detail["notice"])


def test_a_deployment_names_only_known_providers():
    import aws_cdk as cdk

    from infra.config import ConfigError, ListdropConfig

    app = cdk.App(context={"listdrop:enabledProviders": ["ses-import", "pinpoint"]})
    with pytest.raises(ConfigError, match="enabledProviders"):
        ListdropConfig.from_context(app.node)
    app = cdk.App(context={"listdrop:enabledProviders": "ses-import,pinpoint-import"})
    assert ListdropConfig.from_context(app.node).enabled_providers == ("ses-import", "pinpoint-import")


def test_the_state_machine_may_update_the_job_table_and_nothing_else_in_it(template):
    table_id, _ = one(template, "AWS::DynamoDB::GlobalTable")
    statements = statements_of_role(template, "StateMachineRole")
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert [as_list(s["Action"]) for s in dynamodb] == [["dynamodb:UpdateItem"]]
    assert flat(dynamodb[0]["Resource"]).endswith(f'":table/", {{"Ref": "{table_id}"}}]]}}'), "this table only"
