"""The wiring: event patterns, the workflow's paths, the functions' environment contract, the outputs."""

import importlib

import pytest

from infra import constants
from listdrop import cli
from listdrop.settings import PollerSettings, StarterSettings
from tests.infra.helpers import definition, one, resources

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
        text = target["InputTransformer"]["InputTemplate"]
        assert text.startswith('"<detail-summary>"'), "the outcome sentence must be the first line"
        assert "<aws.events.event.json>" in text, "machines get the structured event"
    assert routes == {
        completed_id: ["Import Succeeded"],
        failed_id: ["Import Failed", "Import Rejected", "Import Timed Out"],
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


def test_state_machine_polls_with_a_growing_wait_retries_and_catches(template):
    states = definition(template)["States"]
    assert states["Wait for job"]["SecondsPath"] == "$.poll.waitSeconds"
    poll = states["Poll job"]
    retry = {tuple(r["ErrorEquals"]): r for r in poll["Retry"]}
    assert "Lambda.ServiceException" in next(iter(k for k in retry if len(k) > 1))
    # A failing poller (crash, timeout) is retried with jittered backoff before the catch path reports it;
    # States.ALL must come last, or Step Functions rejects the definition.
    assert poll["Retry"][-1]["ErrorEquals"] == ["States.ALL"]
    anything = poll["Retry"][-1]
    assert anything["BackoffRate"] == 2 and anything["JitterStrategy"] == "FULL" and anything["MaxAttempts"] >= 2
    assert poll["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Build status-unreadable outcome"}
    ]
    assert states["Job finished?"]["Choices"][0] == {
        "Variable": "$.poll.state",
        "StringEquals": "RUNNING",
        "Next": "Wait for job",
    }


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
    assert (settings.poll_initial_wait_seconds, settings.poll_max_wait_seconds) == (10, 300)
    assert PollerSettings.from_env(poller_env).reports_prefix == "reports/"


@pytest.mark.parametrize("fragment", ["IngestStarterFunction", "PollerFunction"])
def test_functions_run_with_tracing_the_powertools_layer_and_an_importable_handler(template, fragment):
    function, _ = _environment(template, fragment)
    properties = function["Properties"]
    assert properties["Runtime"] == "python3.13"
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert "AWSLambdaPowertoolsPythonV3-python313-x86_64:" in str(properties["Layers"])
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
    # `listdrop redrive --stack` reads the queues from these outputs (the functions package has no infra/)
    assert (cli.QUEUE_OUTPUT, cli.DEAD_LETTER_QUEUE_OUTPUT) == (constants.OUTPUT_QUEUE, constants.OUTPUT_DLQ)
    # `listdrop jobs --stack` reads the job table's name the same way
    from listdrop import jobs_cli

    assert jobs_cli.TABLE_OUTPUT == constants.OUTPUT_TABLE


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


def test_the_stack_and_the_functions_know_the_same_providers_and_defaults():
    """infra/ does not import the Lambda package: its list of job APIs is pinned to the registry here."""
    from listdrop.providers import registry

    assert set(constants.PROVIDERS) == set(registry.PROVIDERS)
    assert set(constants.ENABLED_BY_DEFAULT) == set(registry.ENABLED_BY_DEFAULT)
    assert "pinpoint-import" not in constants.ENABLED_BY_DEFAULT
    assert set(registry.WHY_OFF_BY_DEFAULT) == set(registry.PROVIDERS) - set(registry.ENABLED_BY_DEFAULT)


def test_a_deployment_names_only_known_providers():
    import aws_cdk as cdk

    from infra.config import ConfigError, ListdropConfig

    app = cdk.App(context={"listdrop:enabledProviders": ["ses-import", "pinpoint"]})
    with pytest.raises(ConfigError, match="enabledProviders"):
        ListdropConfig.from_context(app.node)
    app = cdk.App(context={"listdrop:enabledProviders": "ses-import,pinpoint-import"})
    assert ListdropConfig.from_context(app.node).enabled_providers == ("ses-import", "pinpoint-import")


def test_the_rules_and_the_functions_agree_on_the_event_contract():
    """infra/ does not import the Lambda package, so its copy of the contract is pinned here."""
    from listdrop.models import DETAIL_TYPES, EVENT_SOURCE, Outcome

    assert constants.EVENT_SOURCE == EVENT_SOURCE
    assert [DETAIL_TYPES[Outcome.SUCCEEDED]] == constants.COMPLETED_DETAIL_TYPES
    assert sorted(constants.FAILED_DETAIL_TYPES) == sorted(
        DETAIL_TYPES[o] for o in (Outcome.FAILED, Outcome.REJECTED, Outcome.TIMED_OUT)
    )
