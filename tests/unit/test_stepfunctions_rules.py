"""The local cloud's Step Functions engine (moto) fails executions on the errors AWS's States.ALL does not catch.

"States.ALL ... can't catch the States.DataLimitExceeded terminal error or the Runtime error types"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html); moto 5.2.5 catches them.
"""

import json
import time

import boto3
import pytest
from moto import mock_aws

from localcloud import patches

ROLE = "arn:aws:iam::123456789012:role/workflow"


@pytest.fixture
def sfn(monkeypatch):
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_factory

    assert state_task_service_factory  # loaded, so that every Task class is below
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # What the patch replaces, put back after the test.
    monkeypatch.setattr(ErrorEqualsDecl, "_eval_body", ErrorEqualsDecl._eval_body)
    states = [ExecutionState]
    while states:
        state = states.pop()
        states.extend(state.__subclasses__())
        if "_from_error" in state.__dict__:
            monkeypatch.setattr(state, "_from_error", state.__dict__["_from_error"])
    patches._patch_stepfunctions_uncatchable_errors()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="jobs",
            KeySchema=[{"AttributeName": "trackingId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "trackingId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield boto3.client("stepfunctions", region_name="us-east-1")


def run(sfn, key_path: str, table: str = "jobs", execution_input=None) -> dict:
    """A task whose parameter reads `key_path`, caught by States.ALL; the execution's end."""
    definition = {
        "StartAt": "Read",
        "States": {
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"trackingId": {"S.$": key_path}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    arn = sfn.create_state_machine(name=f"m{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input or {"upload": {}}))
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return described


def test_a_jsonpath_missing_from_the_input_fails_the_execution_though_states_all_would_catch(sfn):
    described = run(sfn, "$.upload.validation.noticeRows", execution_input={"upload": {"validation": None}})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"


def test_task_errors_are_still_caught_by_states_all(sfn):
    described = run(sfn, "$.upload.id", table="no-such-table", execution_input={"upload": {"id": "t1"}})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["error"]["Error"] == "DynamoDB.ResourceNotFoundException"
