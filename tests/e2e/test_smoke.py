"""`listdrop smoke` against the local cloud, through the same code a user runs after `cdk deploy`: it passes,
leaves nothing behind and never touches the user's own lists; it fails, naming the check, when a provider
refuses. And the two things the local cloud does for it: the registered stack, and alarm notifications."""

from __future__ import annotations

import json

import pytest

from infra import constants
from listdrop import cli
from listdrop.cli.smoke.inbox import Received
from listdrop.cli.subscriber_queue import queue_policy
from listdrop.providers import registry

pytestmark = pytest.mark.e2e

SMOKE = "listdrop-smoke-"


@pytest.fixture(scope="module", autouse=True)
def _alarm_notifications_stay_here(cloud):
    """The local notifications queue, subscribed to every topic, feeds the other e2e modules' Inbox, which reads
    each message as an outcome; the alarm notifications these tests cause are not, so they are taken out after."""
    yield
    sqs, url = cloud.client("sqs"), cloud.endpoints.notifications_queue_url
    kept = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages"):
        for message in messages:
            envelope = json.loads(message["Body"])
            if Received(envelope["TopicArn"], envelope["Message"], 0.0).alarm_state() is not None:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                kept.append(message["ReceiptHandle"])
    for handle in kept:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)


def smoke(cloud, capsys, *extra: str) -> tuple[int, str]:
    code = cli.main(["smoke", "--endpoint-url", cloud.endpoint_url, "--region", "us-east-1", "--timeout", "60", *extra])
    return code, capsys.readouterr().out


def object_versions(cloud, clients) -> set[tuple[str, str]]:
    pages = clients["s3"].get_paginator("list_object_versions").paginate(Bucket=cloud.endpoints.bucket)
    return {
        (item["Key"], item["VersionId"])
        for page in pages
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
    }


def smoke_leftovers(cloud, clients) -> list[str]:
    """Anything named like the smoke test's own resources that still exists."""
    found = [url for url in clients["sqs"].list_queues().get("QueueUrls", []) if SMOKE in url]
    found += [
        c["ContactListName"]
        for c in clients["sesv2"].list_contact_lists()["ContactLists"]
        if SMOKE in c["ContactListName"]
    ]
    mail_manager = cloud.client("mailmanager")
    found += [
        a["AddressListName"] for a in mail_manager.list_address_lists()["AddressLists"] if SMOKE in a["AddressListName"]
    ]
    apps = cloud.client("pinpoint").get_apps()["ApplicationsResponse"].get("Item", [])
    found += [app["Name"] for app in apps if app["Name"].startswith(SMOKE)]
    domains = cloud.client("customer-profiles").list_domains()["Items"]
    found += [d["DomainName"] for d in domains if d["DomainName"].startswith(SMOKE)]
    subscriptions = cloud.client("sns").list_subscriptions()["Subscriptions"]
    found += [s["SubscriptionArn"] for s in subscriptions if SMOKE in s["Endpoint"]]
    return found


def dead_letter_alarm_state(cloud) -> str:
    name = cloud.resolver.output(constants.OUTPUT_DEAD_LETTER_ALARM)
    [alarm] = cloud.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarm["StateValue"])


def test_the_stack_is_registered_with_the_templates_outputs(cloud):
    [stack] = cloud.client("cloudformation").describe_stacks(StackName="Listdrop")["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs[constants.OUTPUT_BUCKET] == cloud.endpoints.bucket
    assert outputs[constants.OUTPUT_FAILED_TOPIC] == cloud.endpoints.failed_topic_arn
    assert outputs[constants.OUTPUT_ENABLED_PROVIDERS].split(",") == list(registry.PROVIDERS)
    assert outputs[constants.OUTPUT_DEAD_LETTER_ALARM] in {
        alarm["AlarmName"] for alarm in cloud.client("cloudwatch").describe_alarms()["MetricAlarms"]
    }


def test_set_alarm_state_notifies_the_operations_topic_as_cloudwatch_does(cloud, clients):
    cloudwatch, sns, sqs = cloud.client("cloudwatch"), cloud.client("sns"), clients["sqs"]
    name = cloud.resolver.output(constants.OUTPUT_DEAD_LETTER_ALARM)
    topic = cloud.resolver.output(constants.OUTPUT_OPERATIONS_TOPIC)
    url = sqs.create_queue(QueueName="alarm-notifications")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(queue_policy(arn, [topic]))})
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)
    try:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="no change: no notification")
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test over")
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    finally:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        sqs.delete_queue(QueueUrl=url)
    envelopes = [json.loads(message["Body"]) for message in messages]
    assert [e["Subject"] for e in envelopes] == [
        f'ALARM: "{name}" in US East (N. Virginia)',
        f'OK: "{name}" in US East (N. Virginia)',
    ]
    alarm, ok = (json.loads(e["Message"]) for e in envelopes)
    assert (alarm["AlarmName"], alarm["OldStateValue"], alarm["NewStateValue"]) == (name, "OK", "ALARM")
    assert alarm["NewStateReason"] == "test" and alarm["AWSAccountId"] == "123456789012"
    assert alarm["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"
    assert alarm["Trigger"]["Namespace"] == "AWS/SQS" and alarm["AlarmActions"] == [topic]
    assert (ok["OldStateValue"], ok["NewStateValue"]) == ("ALARM", "OK")


def test_smoke_passes_leaves_nothing_behind_and_never_touches_the_users_lists(cloud, clients, capsys):
    ses = clients["sesv2"]
    ses.create_contact_list(ContactListName="TheUsersOwnList")
    ses.create_contact(ContactListName="TheUsersOwnList", EmailAddress="someone@example.org")
    users_contacts = ses.list_contacts(ContactListName="TheUsersOwnList")["Contacts"]
    before = object_versions(cloud, clients)

    code, out = smoke(cloud, capsys)

    assert code == 0, out
    assert "Smoke test PASSED" in out
    for phase in ("== 1. Read-only checks", "== 2. Creating", "== 3. Dropping", "== 4. Operations", "== 5. Removing"):
        assert phase in out
    for row in (
        "SES contact-list import: data landed",
        "Mail Manager import: data landed",
        "SES export: data landed",
        "Pinpoint import: data landed",
        "Customer Profiles import: data landed",
        "bad file: outcome",
        "ALARM notification on the operations topic",
        "remove temporary queue",
    ):
        assert f"{row} " in out
    assert "@" not in out, "nothing printed carries an address"
    assert smoke_leftovers(cloud, clients) == []
    assert object_versions(cloud, clients) == before, "every object the smoke test wrote is gone, all versions"
    assert ses.list_contacts(ContactListName="TheUsersOwnList")["Contacts"] == users_contacts
    assert dead_letter_alarm_state(cloud) == "OK"


def test_smoke_fails_naming_the_check_when_a_provider_refuses_and_still_cleans_up(cloud, clients, capsys):
    before = object_versions(cloud, clients)
    cloud.emulator("mail-manager").fail_next("The address file could not be read.")

    code, out = smoke(cloud, capsys, "--skip", "pinpoint-import")

    assert code == 1
    table = out[out.index("CHECK ") :]
    [row] = [line for line in table.splitlines() if line.startswith("3. Mail Manager import: outcome")]
    assert "FAIL" in row and "FAILED" in row
    assert "Mail Manager import: outcome" in table.splitlines()[-1], "the summary names the failed check"
    assert "2. Pinpoint application" in table and "--skip pinpoint-import" in table
    assert smoke_leftovers(cloud, clients) == []
    assert object_versions(cloud, clients) == before


def test_read_only_creates_nothing(cloud, clients, capsys):
    queues = clients["sqs"].list_queues().get("QueueUrls", [])
    code, out = smoke(cloud, capsys, "--read-only")
    assert code == 0, out
    assert "== 2." not in out and "--read-only: nothing was created" in out
    assert clients["sqs"].list_queues().get("QueueUrls", []) == queues
