"""The local cloud's operation table (localcloud/iam/operations.py) against the Service Authorization Reference
(cfn-lint's machine-readable copy) and botocore's service models."""

from typing import Any

import botocore.session
import pytest

from localcloud.iam.operations import OPERATIONS, Call, UnmappedOperation, accesses

from .authorization_reference import ACCOUNT, PREFIXES, REGION, arn_patterns

SAMPLES: dict[str, Any] = {
    "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/listdrop-queue",
    "QueueName": "listdrop-queue",
    "stateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:workflow",
    "executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:workflow:abc",
    "Entries": [{"EventBusName": "listdrop", "Source": "listdrop"}, {"Source": "other"}],
    "ImportJobRequest": {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pinpoint-import", "S3Url": "s3://b/k"},
    "CopySource": "bucket/source/key.csv?versionId=3",
    "VersionId": "3",
    "TableName": "jobs",
}


class ModelParams(dict):
    """Request parameters that fail when a rule reads a member the operation's input shape does not have."""

    def __init__(self, members: set[str], values: dict[str, Any]) -> None:
        super().__init__(values)
        self._members = members

    def _known(self, key: str) -> None:
        assert key in self._members, f"{key!r} is not a member of the operation's input shape"

    def __getitem__(self, key: str) -> Any:
        self._known(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._known(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._known(str(key))
        return super().__contains__(key)


def sample_call(service: str, operation: str) -> Call:
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    members = set(shape.members) if shape is not None else set()
    values = {name: SAMPLES.get(name, f"sample-{name.lower()}") for name in members}
    lookups = {"mailmanager:address-list-of-job": lambda job_id: "al-123"}
    return Call(service, operation, ModelParams(members, values), ACCOUNT, REGION, lookups=lookups)


@pytest.mark.parametrize(("service", "operation"), sorted(OPERATIONS))
def test_each_operation_maps_to_real_actions_on_resources_of_their_types(service, operation):
    for access in accesses(sample_call(service, operation)):
        prefix, _, name = access.action.partition(":")
        assert name.lower() in PREFIXES[prefix]["Actions"], f"{access.action} is not in the catalog"
        patterns = arn_patterns(prefix, name)
        if patterns is None:
            assert access.resource == "*", f"{access.action} has no resource type, so its resource is *"
        else:
            assert any(p.fullmatch(access.resource) for p in patterns), (access.action, access.resource)


def test_each_operation_is_a_real_botocore_operation():
    session = botocore.session.get_session()
    for service, operation in OPERATIONS:
        assert operation in session.get_service_model(service).operation_names, (service, operation)


def test_an_unmapped_operation_fails_loudly():
    with pytest.raises(UnmappedOperation, match="s3:DeleteBucket"):
        accesses(Call("s3", "DeleteBucket", {"Bucket": "b"}, ACCOUNT, REGION))


def test_reading_a_version_is_its_own_action():
    with_version = accesses(Call("s3", "GetObject", {"Bucket": "b", "Key": "k", "VersionId": "v"}, ACCOUNT, REGION))
    without = accesses(Call("s3", "GetObject", {"Bucket": "b", "Key": "k"}, ACCOUNT, REGION))
    assert [a.action for a in with_version] == ["s3:GetObjectVersion"]
    assert [a.action for a in without] == ["s3:GetObject"]


def test_a_pinpoint_import_job_passes_its_role_to_pinpoint():
    call = sample_call("pinpoint", "CreateImportJob")
    passing = [a for a in accesses(call) if a.action == "iam:PassRole"]
    assert [(a.resource, a.context["iam:PassedToService"]) for a in passing] == [
        (f"arn:aws:iam::{ACCOUNT}:role/pinpoint-import", "pinpoint.amazonaws.com")
    ]


def test_a_mail_manager_job_call_is_authorized_on_its_address_list():
    [access] = accesses(sample_call("mailmanager", "GetAddressListImportJob"))
    assert access.resource == f"arn:aws:ses:{REGION}:{ACCOUNT}:mailmanager-address-list/al-123"


def test_put_events_is_authorized_on_every_bus_it_names():
    buses = [a.resource for a in accesses(sample_call("events", "PutEvents"))]
    assert buses == [
        f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
        f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/listdrop",
    ]
