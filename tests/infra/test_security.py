"""Encryption, TLS, least privilege: properties of the synthesized template."""

import json
from pathlib import Path

import cfnlint.data
import pytest

from tests.infra.helpers import (
    actions_of,
    as_list,
    denies_non_tls,
    flat,
    one,
    resources,
    statement_with,
    statements_of_role,
)

pytestmark = pytest.mark.infra


def iam_catalog() -> dict:
    path = Path(cfnlint.data.__file__).parent / "AdditionalSpecs" / "Policies.json"
    return json.loads(path.read_text())


def all_policy_actions(template: dict) -> set[str]:
    actions = set()
    for resource in template["Resources"].values():
        text = json.dumps(resource.get("Properties", {}))
        for document in _documents(resource):
            for statement in document.get("Statement", []):
                actions.update(as_list(statement.get("Action", [])))
        assert "sesv2:" not in text, "the IAM prefix of SES v2 is ses:, not sesv2:"
    return actions


def _documents(resource: dict) -> list[dict]:
    properties = resource.get("Properties", {})
    docs = [properties.get("PolicyDocument"), properties.get("KeyPolicy"), properties.get("AssumeRolePolicyDocument")]
    return [d for d in docs if isinstance(d, dict)]


def test_every_iam_action_exists_in_the_service_authorization_reference(template):
    catalog = iam_catalog()
    prefixes = {v.get("StringPrefix", k): v for k, v in catalog.items()}
    unknown = []
    for action in all_policy_actions(template):
        prefix, _, name = action.partition(":")
        service = prefixes.get(prefix)
        if service is None:
            unknown.append(action)
            continue
        known = {a.lower() for a in service["Actions"]}
        if "*" in name:
            stem = name.lower().rstrip("*")
            if not any(a.startswith(stem) for a in known):
                unknown.append(action)
        elif name.lower() not in known:
            unknown.append(action)
    assert unknown == []


def test_no_role_of_ours_grants_a_wildcard_action(template):
    for fragment in ("StarterRole", "PollerFunctionRole", "StateMachineRole"):
        for action in actions_of(statements_of_role(template, fragment)):
            assert not action.endswith(":*") and action != "*", (fragment, action)


def test_starter_role_is_least_privilege(template):
    statements = statements_of_role(template, "StarterRole")
    assert actions_of(statements) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:SendMessage",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "states:StartExecution",
        "ses:GetContactList",
        "ses:CreateImportJob",
        "ses:ListImportJobs",
        "ses:GetImportJob",
        "ses:CreateExportJob",
        "ses:ListExportJobs",
        "ses:GetExportJob",
        "ses:GetAddressList",
        "ses:CreateAddressListImportJob",
        "ses:StartAddressListImportJob",
        "ses:GetAddressListImportJob",
    }
    actions = actions_of(statements)
    # ListBucket on the bucket, only for the prefixes the starter reads: so S3 answers 404 for a deleted upload.
    bucket_id, _ = one(template, "AWS::S3::Bucket", "StorageUploads")
    listing = statement_with(statements, "s3:ListBucket")
    assert listing["Resource"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["imports/*", "exports/ses/*"]}}
    uploads = flat([s["Resource"] for s in statements if "s3:GetObject" in as_list(s["Action"])])
    assert '"/imports/*"' in uploads and '"/exports/ses/*"' in uploads and '"/exports/results/' not in uploads
    writes = flat(statement_with(statements, "s3:PutObject")["Resource"])
    assert '"/staging/*"' in writes and '"/reports/*"' in writes and "/imports/" not in writes
    assert statement_with(statements, "states:StartExecution")["Resource"] == {
        "Ref": one(template, "AWS::StepFunctions::StateMachine")[0]
    }
    assert "contact-list/*" in flat(statement_with(statements, "ses:GetContactList")["Resource"])
    # CreateImportJob has no resource type in the Service Authorization Reference: '*' is the only valid value.
    assert statement_with(statements, "ses:CreateImportJob")["Resource"] == "*"
    assert statement_with(statements, "ses:ListImportJobs")["Resource"] == "*"
    ingest_queue, _ = one(template, "AWS::SQS::Queue", "IngestQueue")
    assert statement_with(statements, "sqs:SendMessage")["Resource"] == {"Fn::GetAtt": [ingest_queue, "Arn"]}
    assert flat(statement_with(statements, "ses:GetImportJob")["Resource"]).endswith(':import-job/*"]]}')
    # SES exports: no resource type for create and list; the job ids SES assigns for the search after a crash.
    assert statement_with(statements, "ses:CreateExportJob")["Resource"] == "*"
    assert statement_with(statements, "ses:ListExportJobs")["Resource"] == "*"
    assert flat(statement_with(statements, "ses:GetExportJob")["Resource"]).endswith(':export-job/*"]]}')
    # Mail Manager: every call on the address list resource type, ses: prefix.
    for action in (
        "ses:GetAddressList",
        "ses:CreateAddressListImportJob",
        "ses:StartAddressListImportJob",
        "ses:GetAddressListImportJob",
    ):
        assert flat(statement_with(statements, action)["Resource"]).endswith(':mailmanager-address-list/*"]]}')
    # The starter streams only Mail Manager's checked copies to the job; it reads no other staged file.
    reads = [flat(s["Resource"]) for s in statements if "s3:GetObject" in as_list(s["Action"])]
    assert any(r.endswith('"/staging/mail-manager/*"]]}') for r in reads)
    assert not any('"/staging/*"' in r or "/staging/ses-import/" in r for r in reads)
    # Pinpoint is off by default: no mobiletargeting action, no role to pass.
    assert not any(a.startswith(("mobiletargeting:", "iam:")) for a in actions)


def test_pinpoint_when_switched_on_gets_its_own_import_role_reading_its_staging_prefix_only(pinpoint_template):
    starter = statements_of_role(pinpoint_template, "StarterRole")
    for action in (
        "mobiletargeting:GetApp",
        "mobiletargeting:GetSegment",
        "mobiletargeting:CreateImportJob",
        "mobiletargeting:GetImportJobs",
    ):
        assert flat(statement_with(starter, action)["Resource"]).endswith(':apps/*"]]}')
    role_id, role = one(pinpoint_template, "AWS::IAM::Role", "PinpointImportRole")
    passing = statement_with(starter, "iam:PassRole")
    assert passing["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "pinpoint.amazonaws.com"}}
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "pinpoint.amazonaws.com"}
    assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    assert flat(trust["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(':apps/*"]]}')
    import_role = statements_of_role(pinpoint_template, "PinpointImportRole")
    assert actions_of(import_role) == {"s3:GetObject", "s3:ListBucket"}
    assert flat(statement_with(import_role, "s3:GetObject")["Resource"]).endswith('"/staging/pinpoint-import/*"]]}')
    assert statement_with(import_role, "s3:ListBucket")["Condition"] == {
        "StringLike": {"s3:prefix": ["staging/pinpoint-import/*"]}
    }
    poller = statements_of_role(pinpoint_template, "PollerFunctionRole")
    assert flat(statement_with(poller, "mobiletargeting:GetImportJob")["Resource"]).endswith(':apps/*"]]}')
    _, starter_function = one(pinpoint_template, "AWS::Lambda::Function", "IngestStarter")
    environment = starter_function["Properties"]["Environment"]["Variables"]
    assert environment["PINPOINT_IMPORT_ROLE_ARN"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert "pinpoint-import" in environment["ENABLED_PROVIDERS"].split(",")


def test_every_action_of_the_pinpoint_deployment_exists_and_uses_the_real_prefixes(pinpoint_template):
    actions = all_policy_actions(pinpoint_template)
    assert {a for a in actions if a.startswith("mobiletargeting:")} >= {"mobiletargeting:CreateImportJob"}
    assert not any(a.startswith(("pinpoint:", "mailmanager:", "sesv2:")) for a in actions)
    test_every_iam_action_exists_in_the_service_authorization_reference(pinpoint_template)


def test_allowed_contact_lists_scope_the_contact_list_permission(scoped_template):
    statement = statement_with(statements_of_role(scoped_template, "StarterRole"), "ses:GetContactList")
    resources_ = flat(statement["Resource"])
    assert "contact-list/Newsletter" in resources_ and "contact-list/Customers" in resources_
    assert "contact-list/*" not in resources_
    exporting = statement_with(statements_of_role(scoped_template, "PollerFunctionRole"), "ses:ListContacts")
    assert set(as_list(exporting["Action"])) == {"ses:GetContactList", "ses:ListContacts"}
    exported = flat(exporting["Resource"])
    assert "contact-list/Newsletter" in exported and "contact-list/*" not in exported


def test_poller_role_is_least_privilege(template):
    statements = statements_of_role(template, "PollerFunctionRole")
    assert actions_of(statements) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "ses:GetImportJob",
        "ses:CreateImportJob",  # a contact-list sync's PUT and DELETE jobs
        "ses:ListImportJobs",  # ... and one an interrupted poll started
        "ses:GetExportJob",
        "ses:CancelExportJob",
        "ses:GetContactList",
        "ses:ListContacts",
        "ses:ListSuppressedDestinations",
        "ses:GetAddressListImportJob",
        "ses:StopAddressListImportJob",
        # an address-list sync: read the list, import the file, deregister the members it leaves out
        "ses:ListMembersOfAddressList",
        "ses:CreateAddressListImportJob",
        "ses:StartAddressListImportJob",
        "ses:DeregisterMemberFromAddressList",
        "dynamodb:UpdateItem",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
    }
    assert flat(statement_with(statements, "ses:GetImportJob")["Resource"]).endswith(':import-job/*"]]}')
    assert flat(statement_with(statements, "ses:CancelExportJob")["Resource"]).endswith(':export-job/*"]]}')
    assert flat(statement_with(statements, "ses:StopAddressListImportJob")["Resource"]).endswith(
        ':mailmanager-address-list/*"]]}'
    )
    writes = sorted(flat(s["Resource"]) for s in statements if "s3:PutObject" in as_list(s["Action"]))
    assert [write.rsplit('"', 2)[-2] for write in writes] == [
        "/exports/results/*",
        "/reports/*",
        "/staging/jobs/*",  # listdrop's own jobs' state
        "/staging/mail-manager/*",  # a sync's removals beside the checked copy
        "/staging/ses-import/*",  # ... which SES reads there for its DELETE job
    ]
    # Copies, list-export files and a sync's DELETE file are multipart uploads: wherever the poller writes, it may
    # abort what it began.
    aborts = sorted(flat(s["Resource"]) for s in statements if "s3:AbortMultipartUpload" in as_list(s["Action"]))
    assert aborts == writes
    reads = sorted(flat(s["Resource"]) for s in statements if "s3:GetObject" in as_list(s["Action"]))
    assert [read.rsplit("/", 2)[-2] for read in reads] == ["jobs", "mail-manager", "ses-import"]
    syncing = statement_with(statements, "ses:DeregisterMemberFromAddressList")
    assert flat(syncing["Resource"]).endswith(':mailmanager-address-list/*"]]}')
    starts = statement_with(statements, "ses:CreateImportJob")
    assert starts["Resource"] == "*" and set(as_list(starts["Action"])) == {"ses:CreateImportJob", "ses:ListImportJobs"}
    assert statement_with(statements, "s3:ListBucket")["Condition"] == {"StringLike": {"s3:prefix": ["staging/jobs/*"]}}
    assert statement_with(statements, "ses:ListSuppressedDestinations")["Resource"] == "*"
    assert flat(statement_with(statements, "ses:ListContacts")["Resource"]).endswith(':contact-list/*"]]}')


def test_state_machine_role_invokes_the_poller_and_publishes_to_our_bus_only(template):
    statements = statements_of_role(template, "StateMachineRole")
    bus_id, _ = one(template, "AWS::Events::EventBus")
    assert statement_with(statements, "events:PutEvents")["Resource"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert "PollerFunction" in flat(statement_with(statements, "lambda:InvokeFunction")["Resource"])


def test_upload_bucket_is_private_encrypted_versioned_and_logged(template):
    _, bucket = one(template, "AWS::S3::Bucket", "StorageUploads")
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "LoggingConfiguration" in properties
    assert bucket["DeletionPolicy"] == "Retain"


def test_bucket_policy_lets_ses_read_only_checked_files_for_this_account(template):
    bucket_id, _ = one(template, "AWS::S3::Bucket", "StorageUploads")
    policies = [
        p
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    ses = [s for s in statements if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert len(ses) == 1
    assert ses[0]["Effect"] == "Allow" and ses[0]["Action"] == "s3:GetObject"
    assert flat(ses[0]["Resource"]).endswith('"/staging/ses-import/*"]]}'), "SES reads only files listdrop checked"
    # SES documents aws:Referer = the account id for its import jobs' reads; it does not send aws:SourceAccount.
    assert ses[0]["Condition"] == {"StringEquals": {"aws:Referer": {"Ref": "AWS::AccountId"}}}
    assert denies_non_tls(policies[0]["Properties"]["PolicyDocument"])
    assert len([s for s in statements if s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s)]) == 1


def test_queues_are_encrypted_tls_only_and_redrive_to_the_dead_letter_queue(template):
    queues = resources(template, "AWS::SQS::Queue")
    assert all(q["Properties"]["SqsManagedSseEnabled"] for q in queues.values())
    _, main = one(template, "AWS::SQS::Queue", "IngestQueue")
    dlq_id, _ = one(template, "AWS::SQS::Queue", "DeadLetter")
    assert main["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 5,
    }
    for policy in resources(template, "AWS::SQS::QueuePolicy").values():
        assert denies_non_tls(policy["Properties"]["PolicyDocument"])


def test_topics_are_encrypted_with_a_rotated_key_that_eventbridge_may_use(template):
    key_id, key = one(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    services = [s["Principal"].get("Service") for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert sorted(s for s in services if s) == ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    for topic in resources(template, "AWS::SNS::Topic").values():
        assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    for policy in resources(template, "AWS::SNS::TopicPolicy").values():
        assert denies_non_tls(policy["Properties"]["PolicyDocument"])


def test_job_table_is_encrypted_and_recoverable(template):
    _, table = one(template, "AWS::DynamoDB::GlobalTable")
    properties = table["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "trackingId", "KeyType": "HASH"}]
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["Replicas"][0]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["Replicas"][0]["DeletionProtectionEnabled"] is True


def test_the_starters_concurrency_is_bounded_at_its_queue(template):
    [mapping] = resources(template, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 10}


def test_staged_copies_expire_and_the_starter_has_time_to_read_a_large_file(template):
    _, bucket = one(template, "AWS::S3::Bucket", "StorageUploads")
    rules = {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-staged-files"]["Prefix"] == "staging/"
    assert rules["expire-staged-files"]["ExpirationInDays"] > 0
    _, starter = one(template, "AWS::Lambda::Function", "IngestStarter")
    queue = next(q for logical_id, q in resources(template, "AWS::SQS::Queue").items() if "IngestQueue" in logical_id)
    timeout = starter["Properties"]["Timeout"]
    assert timeout >= 300 and starter["Properties"]["MemorySize"] >= 1769
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * timeout
    variables = starter["Properties"]["Environment"]["Variables"]
    assert variables["STAGING_PREFIX"] == "staging/" and float(variables["MAX_INVALID_ROW_PERCENT"]) == 10
    assert variables["EXTRA_COLUMNS_AS_ATTRIBUTES"] == "false", "off unless cdk.json turns it on"


def test_a_provider_that_is_not_enabled_gets_no_permission_not_even_ses_imports(tmp_path_factory):
    """Each provider's statements come from its spec and only when enabled: a Mail Manager-only deployment grants
    nothing for SES imports or exports (SES import permissions used to be granted to every deployment)."""
    from tests.infra.conftest import synthesize

    template = synthesize(tmp_path_factory, {"listdrop:enabledProviders": ["mail-manager"]})
    actions = all_policy_actions(template)
    assert "ses:CreateAddressListImportJob" in actions and "ses:GetAddressListImportJob" in actions
    for action in ("ses:CreateImportJob", "ses:GetImportJob", "ses:GetContactList", "ses:CreateExportJob"):
        assert action not in actions
    assert not any(action.startswith("mobiletargeting:") for action in actions)
    policies = resources(template, "AWS::S3::BucketPolicy").values()
    principals = [s.get("Principal") for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert {"Service": "ses.amazonaws.com"} not in principals, "SES may not read the bucket without SES imports"
