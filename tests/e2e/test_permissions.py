"""The local cloud denies what AWS would deny: every call of the functions and the workflow is evaluated against
the synthesized roles and resource policies (localcloud/iam). A permission taken away fails the run at the call
that needs it, with the error AWS returns, and the user is told."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.e2e

CSV = b"emailAddress\nana@example.com\nbo@example.com\n"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create_list(clients, name):
    clients["sesv2"].create_contact_list(ContactListName=name)


def starter_invocation(cloud, key: str, version: str) -> dict:
    """The SQS batch Lambda would hand the starter for an S3 notification of `key` at `version`."""
    notification = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": cloud.endpoints.bucket, "arn": f"arn:aws:s3:::{cloud.endpoints.bucket}"},
                    "object": {"key": key, "size": len(CSV), "versionId": version, "sequencer": "00"},
                },
            }
        ]
    }
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "direct",
                "body": json.dumps(notification),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ingest",
                "awsRegion": "us-east-1",
            }
        ]
    }


def starter(cloud):
    [function] = [f for f in cloud.functions.values() if f.kind == "starter"]
    return function


def test_every_operation_the_run_made_is_mapped_to_its_iam_action(cloud):
    assert cloud.iam is not None
    assert cloud.iam.unmapped == []


def deleted_upload(clients) -> str:
    """The key of an upload to an existing contact list whose object is gone by the time the starter reads it."""
    name = unique("Gone")
    create_list(clients, name)
    return f"imports/ses/contact-lists/{name}/put/gone.csv"


def test_a_deleted_upload_is_reported_gone_because_the_starter_may_list_its_prefix(cloud, clients, inbox):
    """Issue 12, defect 3, with the fix: S3 answers 404 to a caller that may s3:ListBucket the prefix."""
    key = deleted_upload(clients)
    result = starter(cloud).invoke(starter_invocation(cloud, key, "3sL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY"))
    assert result == {"batchItemFailures": []}
    [notification] = inbox.wait_for(key)
    assert notification.detail["outcome"] == "REJECTED"
    assert notification.detail["reasonCode"] == "OBJECT_GONE"


def test_without_list_bucket_a_deleted_upload_answers_access_denied_and_is_still_reported(cloud, clients, inbox):
    """Issue 12, defect 3: without s3:ListBucket, GetObject on a missing version answers 403 AccessDenied; the
    starter used to re-raise it, so the message failed five times into the dead-letter queue with no outcome."""
    key = deleted_upload(clients)
    role = cloud.iam.role_of("Starter")
    with cloud.iam.revoking(role, "s3:ListBucket"):
        result = starter(cloud).invoke(starter_invocation(cloud, key, "3sL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY"))
    assert result == {"batchItemFailures": []}, "a refused read is an outcome, not a retry"
    [notification] = inbox.wait_for(key)
    assert notification.detail["outcome"] == "REJECTED"
    assert notification.detail["reasonCode"] == "OBJECT_UNREADABLE"
    denial = next(d for d in reversed(cloud.iam.denials) if d.principal == role)
    assert (denial.action, denial.resource) == ("s3:ListBucket", f"arn:aws:s3:::{cloud.endpoints.bucket}")


def test_a_permission_taken_from_the_poller_fails_the_job_at_the_status_read_and_says_why(cloud, clients, inbox):
    name = unique("Perm")
    create_list(clients, name)
    key = f"imports/ses/contact-lists/{name}/put/list.csv"
    role = cloud.iam.role_of("Poller")
    with cloud.iam.revoking(role, "ses:GetImportJob"):
        clients["s3"].put_object(Bucket=cloud.endpoints.bucket, Key=key, Body=CSV)
        [notification] = inbox.wait_for(key, timeout=120)
    detail = notification.detail
    assert (detail["outcome"], detail["reasonCode"]) == ("FAILED", "STATUS_UNREADABLE")
    assert "AccessDeniedException" in detail["reason"] and "ses:GetImportJob" in detail["reason"]
    denial = next(d for d in reversed(cloud.iam.denials) if d.principal == role)
    assert denial.action == "ses:GetImportJob"
    assert denial.resource == f"arn:aws:ses:us-east-1:123456789012:import-job/{detail['providerJobId']}"


def test_without_the_bucket_policys_grant_ses_cannot_read_the_checked_copy(cloud, clients, inbox):
    """The resource side: SES reads the staged file as ses.amazonaws.com, so only the bucket policy can allow it."""
    s3, bucket = clients["s3"], cloud.endpoints.bucket
    name = unique("NoRead")
    create_list(clients, name)
    key = f"imports/ses/contact-lists/{name}/put/list.csv"
    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    document = json.loads(policy)
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "AllowSesImportJobsToReadCheckedFiles"]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=CSV)
        [notification] = inbox.wait_for(key)
    finally:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    detail = notification.detail
    assert detail["outcome"] == "FAILED"
    assert "does not allow ses.amazonaws.com s3:GetObject" in detail["reason"]


def test_the_workflow_may_not_publish_without_events_put_events(cloud, clients, inbox):
    """The workflow's own role is enforced too: without events:PutEvents, no outcome event reaches the bus."""
    name = unique("NoPublish")
    create_list(clients, name)
    key = f"imports/ses/contact-lists/{name}/put/list.csv"
    [machine_role] = set(cloud.iam.store.state_machine_roles.values())
    with cloud.iam.revoking(machine_role, "events:PutEvents"):
        clients["s3"].put_object(Bucket=cloud.endpoints.bucket, Key=key, Body=CSV)
        with pytest.raises(AssertionError, match="expected 1 notification"):
            inbox.wait_for(key, timeout=15)
    assert any(d.principal == machine_role and d.action == "events:PutEvents" for d in cloud.iam.denials)
