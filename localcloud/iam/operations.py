"""What IAM checks for each API operation a listdrop principal calls: the action(s), the resource ARN, the
condition keys. One table, so an operation nobody mapped fails loudly (`UnmappedOperation`) instead of passing.

Actions and resource types follow the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html);
`tests/unit/test_iam_operations.py` checks every entry against its machine-readable copy in cfn-lint
(`AdditionalSpecs/Policies.json`): the action exists, and the ARN built for it matches one of the action's
resource types, or is `*` when the action has none.

Operations are named as botocore names them: (service name of the client, operation name).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Mapping
from types import ModuleType
from urllib.parse import urlparse

from localcloud import emulators
from localcloud.iam.access import TLS, Access, Call, Lookups, Rule, one

__all__ = ["OPERATIONS", "Access", "Call", "Lookups", "UnmappedOperation", "accesses", "emulated_services"]


class UnmappedOperation(LookupError):
    """A principal the local cloud enforces permissions for called an operation this table does not map."""


def accesses(call: Call) -> list[Access]:
    rule = OPERATIONS.get((call.service, call.operation))
    if rule is None:
        raise UnmappedOperation(
            f"{call.service}:{call.operation} is not mapped (localcloud/iam/operations.py, or the iam.py of the "
            "service's emulator package); map it to its IAM action(s) and resource (Service Authorization "
            "Reference) before a listdrop function may call it"
        )
    return rule(call)


def emulated_services() -> list[ModuleType]:
    """The `iam` module of every emulator package that has one (RULES, and ACCESS_DENIED when the service's
    model says how it answers a denied call)."""
    found = []
    for package in pkgutil.iter_modules(emulators.__path__):
        if package.ispkg and importlib.util.find_spec(f"{emulators.__name__}.{package.name}.iam") is not None:
            found.append(importlib.import_module(f"{emulators.__name__}.{package.name}.iam"))
    return found


# -- resources ---------------------------------------------------------------------------------------------------


def _object_arn(call: Call, bucket_param: str = "Bucket", key_param: str = "Key") -> str:
    return f"arn:{call.partition}:s3:::{call.params[bucket_param]}/{call.params[key_param]}"


def _bucket_arn(call: Call) -> str:
    return f"arn:{call.partition}:s3:::{call.params['Bucket']}"


def _table_arn(call: Call) -> str:
    name = str(call.params["TableName"])
    table = name if name.startswith("arn:") else call.arn("dynamodb", f"table/{name}")
    index = call.params.get("IndexName") if call.operation in ("Query", "Scan") else None
    return f"{table}/index/{index}" if index else table


def _queue_arn_by_name(call: Call) -> str:
    return call.arn("sqs", str(call.params["QueueName"]))


def _queue_arn(call: Call) -> str:
    url = urlparse(str(call.params["QueueUrl"]))
    account, name = url.path.strip("/").split("/")[-2:]
    return f"arn:{call.partition}:sqs:{call.region}:{account}:{name}"


def _function_arn(call: Call) -> str:
    name = str(call.params["FunctionName"])
    if name.startswith("arn:"):
        return name
    qualifier = call.params.get("Qualifier")
    return call.arn("lambda", f"function:{name}" + (f":{qualifier}" if qualifier else ""))


def _event_bus_arns(call: Call) -> list[str]:
    buses = {str(entry.get("EventBusName") or "default") for entry in call.params.get("Entries", [])}
    return sorted(b if b.startswith("arn:") else call.arn("events", f"event-bus/{b}") for b in buses)


# -- rules -------------------------------------------------------------------------------------------------------


def _get_object(call: Call) -> list[Access]:
    # Reading a given version is its own action (Service Authorization Reference, Amazon S3: GetObjectVersion).
    action = "s3:GetObjectVersion" if call.params.get("VersionId") else "s3:GetObject"
    return [Access(action, _object_arn(call), TLS)]


def _delete_object(call: Call) -> list[Access]:
    action = "s3:DeleteObjectVersion" if call.params.get("VersionId") else "s3:DeleteObject"
    return [Access(action, _object_arn(call), TLS)]


def _copy_object(call: Call) -> list[Access]:
    source = call.params["CopySource"]
    if isinstance(source, Mapping):
        bucket, key, version = source["Bucket"], source["Key"], source.get("VersionId")
    else:
        path, _, query = str(source).lstrip("/").partition("?versionId=")
        bucket, _, key = path.partition("/")
        version = query or None
    read = "s3:GetObjectVersion" if version else "s3:GetObject"
    return [
        Access(read, f"arn:{call.partition}:s3:::{bucket}/{key}", TLS),
        Access("s3:PutObject", _object_arn(call), TLS),
    ]


def _list_bucket(call: Call) -> list[Access]:
    return [Access("s3:ListBucket", _bucket_arn(call), {**TLS, "s3:prefix": str(call.params.get("Prefix", ""))})]


def _put_events(call: Call) -> list[Access]:
    return [Access("events:PutEvents", arn, TLS) for arn in _event_bus_arns(call)]


OPERATIONS: dict[tuple[str, str], Rule] = {
    # Amazon S3
    ("s3", "GetObject"): _get_object,
    ("s3", "HeadObject"): _get_object,
    ("s3", "PutObject"): one("s3:PutObject", _object_arn),
    ("s3", "CreateMultipartUpload"): one("s3:PutObject", _object_arn),
    ("s3", "UploadPart"): one("s3:PutObject", _object_arn),
    ("s3", "CompleteMultipartUpload"): one("s3:PutObject", _object_arn),
    ("s3", "AbortMultipartUpload"): one("s3:AbortMultipartUpload", _object_arn),
    ("s3", "CopyObject"): _copy_object,
    ("s3", "DeleteObject"): _delete_object,
    ("s3", "ListObjectsV2"): _list_bucket,
    # Amazon DynamoDB
    **{
        ("dynamodb", operation): one(f"dynamodb:{operation}", _table_arn)
        for operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan")
    },
    # AWS Step Functions
    ("stepfunctions", "StartExecution"): one("states:StartExecution", lambda call: str(call.params["stateMachineArn"])),
    ("stepfunctions", "DescribeExecution"): one(
        "states:DescribeExecution", lambda call: str(call.params["executionArn"])
    ),
    # Amazon SQS: the batch operations are authorized as their single counterparts
    ("sqs", "SendMessage"): one("sqs:SendMessage", _queue_arn),
    ("sqs", "SendMessageBatch"): one("sqs:SendMessage", _queue_arn),
    ("sqs", "ReceiveMessage"): one("sqs:ReceiveMessage", _queue_arn),
    ("sqs", "DeleteMessage"): one("sqs:DeleteMessage", _queue_arn),
    ("sqs", "DeleteMessageBatch"): one("sqs:DeleteMessage", _queue_arn),
    ("sqs", "ChangeMessageVisibility"): one("sqs:ChangeMessageVisibility", _queue_arn),
    ("sqs", "ChangeMessageVisibilityBatch"): one("sqs:ChangeMessageVisibility", _queue_arn),
    ("sqs", "GetQueueAttributes"): one("sqs:GetQueueAttributes", _queue_arn),
    ("sqs", "GetQueueUrl"): one("sqs:GetQueueUrl", _queue_arn_by_name),
    # Amazon SES v2 (IAM prefix ses:)
    ("sesv2", "GetContactList"): one(
        "ses:GetContactList", lambda call: call.arn("ses", f"contact-list/{call.params['ContactListName']}")
    ),
    # AWS Lambda (the workflow's task) and Amazon EventBridge (its outcome)
    ("lambda", "Invoke"): one("lambda:InvokeFunction", _function_arn),
    ("events", "PutEvents"): _put_events,
    # The emulated job APIs: each emulator package's iam.py maps its own operations.
    **{operation: rule for module in emulated_services() for operation, rule in module.RULES.items()},
}
