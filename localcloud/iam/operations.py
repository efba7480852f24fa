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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

# A named lookup the local cloud provides for resources a request names only indirectly (a Mail Manager import
# job's address list): name -> function(id) -> the resource's own id, or None when unknown.
Lookups = Mapping[str, Callable[[str], str | None]]


class UnmappedOperation(LookupError):
    """A principal the local cloud enforces permissions for called an operation this table does not map."""


@dataclass(frozen=True)
class Call:
    service: str  # botocore's service name: s3, sesv2, mailmanager, ...
    operation: str  # CreateImportJob
    params: Mapping[str, Any]
    account: str
    region: str
    partition: str = "aws"
    lookups: Lookups = field(default_factory=dict)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def look_up(self, name: str, key: str) -> str:
        lookup = self.lookups.get(name)
        found = lookup(key) if lookup is not None else None
        return found if found is not None else f"<unknown {key}>"


@dataclass(frozen=True)
class Access:
    """One authorization a call needs: `action` on `resource`, with these extra condition keys."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


Rule = Callable[[Call], list[Access]]


def accesses(call: Call) -> list[Access]:
    rule = OPERATIONS.get((call.service, call.operation))
    if rule is None:
        raise UnmappedOperation(
            f"{call.service}:{call.operation} is not in localcloud/iam/operations.py; map it to its IAM action(s) "
            "and resource (Service Authorization Reference) before a listdrop function may call it"
        )
    return rule(call)


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

# Requests from a listdrop function reach AWS over HTTPS: TLS-only denies do not apply to them.
_TLS = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}


def _one(action: str, resource: Callable[[Call], str], **context: str) -> Rule:
    return lambda call: [Access(action, resource(call), {**_TLS, **context})]


def _get_object(call: Call) -> list[Access]:
    # Reading a given version is its own action (Service Authorization Reference, Amazon S3: GetObjectVersion).
    action = "s3:GetObjectVersion" if call.params.get("VersionId") else "s3:GetObject"
    return [Access(action, _object_arn(call), _TLS)]


def _delete_object(call: Call) -> list[Access]:
    action = "s3:DeleteObjectVersion" if call.params.get("VersionId") else "s3:DeleteObject"
    return [Access(action, _object_arn(call), _TLS)]


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
        Access(read, f"arn:{call.partition}:s3:::{bucket}/{key}", _TLS),
        Access("s3:PutObject", _object_arn(call), _TLS),
    ]


def _list_bucket(call: Call) -> list[Access]:
    return [Access("s3:ListBucket", _bucket_arn(call), {**_TLS, "s3:prefix": str(call.params.get("Prefix", ""))})]


def _put_events(call: Call) -> list[Access]:
    return [Access("events:PutEvents", arn, _TLS) for arn in _event_bus_arns(call)]


def _pinpoint_app(call: Call, suffix: str = "") -> str:
    return call.arn("mobiletargeting", f"apps/{call.params['ApplicationId']}{suffix}")


def _pinpoint_create_import_job(call: Call) -> list[Access]:
    accesses = [Access("mobiletargeting:CreateImportJob", _pinpoint_app(call), _TLS)]
    role = call.params.get("ImportJobRequest", {}).get("RoleArn")
    if role:
        # Passing a role to a service is authorized as iam:PassRole on that role
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html), and the
        # iam:PassedToService key names the service it is passed to.
        accesses.append(Access("iam:PassRole", str(role), {**_TLS, "iam:PassedToService": "pinpoint.amazonaws.com"}))
    return accesses


def _address_list(call: Call) -> str:
    return call.arn("ses", f"mailmanager-address-list/{call.params['AddressListId']}")


def _address_list_of_job(call: Call) -> str:
    """Calls that name only an import job are authorized on the job's address list (the Service Authorization
    Reference lists mailmanager-address-list as their only resource type)."""
    list_id = call.look_up("mailmanager:address-list-of-job", str(call.params["JobId"]))
    return call.arn("ses", f"mailmanager-address-list/{list_id}")


def _ses(resource: Callable[[Call], str] | None = None) -> Callable[[str], Rule]:
    """An SES v2 or Mail Manager action; `resource` None: the action has no resource type, so '*'."""

    def for_action(action: str) -> Rule:
        return lambda call: [Access(action, resource(call) if resource else "*", _TLS)]

    return for_action


_NO_RESOURCE = _ses()
_CONTACT_LIST = _ses(lambda call: call.arn("ses", f"contact-list/{call.params['ContactListName']}"))
_IMPORT_JOB = _ses(lambda call: call.arn("ses", f"import-job/{call.params['JobId']}"))
_EXPORT_JOB = _ses(lambda call: call.arn("ses", f"export-job/{call.params['JobId']}"))
_ADDRESS_LIST = _ses(_address_list)
_ADDRESS_LIST_OF_JOB = _ses(_address_list_of_job)


OPERATIONS: dict[tuple[str, str], Rule] = {
    # Amazon S3
    ("s3", "GetObject"): _get_object,
    ("s3", "HeadObject"): _get_object,
    ("s3", "PutObject"): _one("s3:PutObject", _object_arn),
    ("s3", "CreateMultipartUpload"): _one("s3:PutObject", _object_arn),
    ("s3", "UploadPart"): _one("s3:PutObject", _object_arn),
    ("s3", "CompleteMultipartUpload"): _one("s3:PutObject", _object_arn),
    ("s3", "AbortMultipartUpload"): _one("s3:AbortMultipartUpload", _object_arn),
    ("s3", "CopyObject"): _copy_object,
    ("s3", "DeleteObject"): _delete_object,
    ("s3", "ListObjectsV2"): _list_bucket,
    # Amazon DynamoDB
    **{
        ("dynamodb", operation): _one(f"dynamodb:{operation}", _table_arn)
        for operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan")
    },
    # AWS Step Functions
    ("stepfunctions", "StartExecution"): _one(
        "states:StartExecution", lambda call: str(call.params["stateMachineArn"])
    ),
    ("stepfunctions", "DescribeExecution"): _one(
        "states:DescribeExecution", lambda call: str(call.params["executionArn"])
    ),
    # Amazon SQS: the batch operations are authorized as their single counterparts
    ("sqs", "SendMessage"): _one("sqs:SendMessage", _queue_arn),
    ("sqs", "SendMessageBatch"): _one("sqs:SendMessage", _queue_arn),
    ("sqs", "ReceiveMessage"): _one("sqs:ReceiveMessage", _queue_arn),
    ("sqs", "DeleteMessage"): _one("sqs:DeleteMessage", _queue_arn),
    ("sqs", "DeleteMessageBatch"): _one("sqs:DeleteMessage", _queue_arn),
    ("sqs", "ChangeMessageVisibility"): _one("sqs:ChangeMessageVisibility", _queue_arn),
    ("sqs", "ChangeMessageVisibilityBatch"): _one("sqs:ChangeMessageVisibility", _queue_arn),
    ("sqs", "GetQueueAttributes"): _one("sqs:GetQueueAttributes", _queue_arn),
    ("sqs", "GetQueueUrl"): _one("sqs:GetQueueUrl", _queue_arn_by_name),
    # Amazon SES v2 (IAM prefix ses:)
    ("sesv2", "GetContactList"): _CONTACT_LIST("ses:GetContactList"),
    ("sesv2", "CreateImportJob"): _NO_RESOURCE("ses:CreateImportJob"),
    ("sesv2", "ListImportJobs"): _NO_RESOURCE("ses:ListImportJobs"),
    ("sesv2", "GetImportJob"): _IMPORT_JOB("ses:GetImportJob"),
    ("sesv2", "CreateExportJob"): _NO_RESOURCE("ses:CreateExportJob"),
    ("sesv2", "ListExportJobs"): _NO_RESOURCE("ses:ListExportJobs"),
    ("sesv2", "GetExportJob"): _EXPORT_JOB("ses:GetExportJob"),
    ("sesv2", "CancelExportJob"): _EXPORT_JOB("ses:CancelExportJob"),
    # Amazon SES Mail Manager (IAM prefix ses:, resource type mailmanager-address-list)
    **{
        ("mailmanager", operation): _ADDRESS_LIST(f"ses:{operation}")
        for operation in ("GetAddressList", "CreateAddressListImportJob", "ListAddressListImportJobs")
    },
    **{
        ("mailmanager", operation): _ADDRESS_LIST_OF_JOB(f"ses:{operation}")
        for operation in ("StartAddressListImportJob", "GetAddressListImportJob", "StopAddressListImportJob")
    },
    # Amazon Pinpoint (IAM prefix mobiletargeting:)
    ("pinpoint", "GetApp"): _one("mobiletargeting:GetApp", _pinpoint_app),
    ("pinpoint", "GetSegment"): _one(
        "mobiletargeting:GetSegment", lambda call: _pinpoint_app(call, f"/segments/{call.params['SegmentId']}")
    ),
    ("pinpoint", "CreateImportJob"): _pinpoint_create_import_job,
    ("pinpoint", "GetImportJobs"): _one(
        "mobiletargeting:GetImportJobs", lambda call: _pinpoint_app(call, "/jobs/import")
    ),
    ("pinpoint", "GetImportJob"): _one(
        "mobiletargeting:GetImportJob", lambda call: _pinpoint_app(call, f"/jobs/import/{call.params['JobId']}")
    ),
    # AWS Lambda (the workflow's task) and Amazon EventBridge (its outcome)
    ("lambda", "Invoke"): _one("lambda:InvokeFunction", _function_arn),
    ("events", "PutEvents"): _put_events,
}
