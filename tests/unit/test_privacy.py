"""Redaction: phone numbers go where they stand alone; digits inside URIs, ids and other tokens stay."""

from __future__ import annotations

import re
import string
import uuid

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from listdrop.models import JobState
from listdrop.privacy import PHONE_MARKER, redact_contacts, redact_phone_numbers
from listdrop.providers.pinpoint_import import PinpointImportProvider
from listdrop.validation.endpoint_attributes import redact as redact_report_cell

APP = "9ee47d5dc1cd4f2fac3741c26d86ee82"
TRACKING_ID = "f5800a6b561a9827364f825d1c0e4a6b8f0d2c4e"
STAGED = f"s3://listdrop-uploads/staging/pinpoint-import/{TRACKING_ID}.csv"


def test_the_issue_case_keeps_the_staged_copys_key_and_hides_the_number():
    failure = f"{STAGED} line 3: Address +12065550100 is not a valid phone number"
    assert redact_phone_numbers(failure) == f"{STAGED} line 3: Address {PHONE_MARKER} is not a valid phone number"
    assert redact_phone_numbers(f"tracking id {TRACKING_ID}") == f"tracking id {TRACKING_ID}"


@pytest.mark.parametrize(
    "text",
    [
        "Call +1 (206) 555-0100 today",
        "Address 206.555.0100, rejected",
        '{"Address":"+12065550100"}',
        "tel:+442071838750;",
        "(206) 555 0100",
        "12065550182",
    ],
)
def test_phone_numbers_in_common_layouts_are_redacted(text):
    redacted = redact_phone_numbers(text)
    assert PHONE_MARKER in redacted
    assert not re.search(r"\d{3}", redacted), redacted


@pytest.mark.parametrize(
    "text",
    [
        "job 3f2a9c1e1234567890abcdef12345678 failed",  # a Pinpoint job id
        f"endpoint {uuid.UUID(int=0x1234567890).hex} and {uuid.UUID('ed29eb41-f22a-4759-998f-258460587487')}",
        "s3://bucket/imports/pinpoint/app/endpoints/2065550100/list 2.csv",  # a URI's key, digits and all
        "file customers-2065550100.csv and 2065550100.csv",  # file names
        "ep-2065550100, user_2065550100, v1.2065550100",  # ids
        "2026-11-22T09:10:00.000Z, 2026-11-22 09:10, 2026-11-22",  # times and dates
        "Latitude 47.6062095, longitude -122.3320708, metric -1234567",  # decimals and signed numbers
        "1,234,567 rows; 123456 rows; more than 1000000000000000000 digits",  # counts, not phone numbers
    ],
)
def test_digits_that_are_not_phone_numbers_are_kept(text):
    assert redact_phone_numbers(text) == text


_HEX_ID = st.text(alphabet="0123456789abcdef", min_size=8, max_size=64).filter(lambda s: not s.isdigit())
_TOKEN = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=2, max_size=40).filter(
    lambda s: any(c.isalpha() or c == "_" for c in s) and not s.startswith("-")
)
_KEY = st.text(alphabet=string.ascii_letters + string.digits + "/-_.+=()", min_size=1, max_size=60)
_AROUND = st.sampled_from(["", " ", "id ", "Row 3: ", "(", '"', "; ", " failed", ".", ", ", ")", '"}'])


@settings(max_examples=300)
@given(token=st.one_of(_HEX_ID, _TOKEN, _KEY.map(lambda key: f"s3://bucket/{key}")), before=_AROUND, after=_AROUND)
def test_ids_tokens_and_s3_uris_survive_whole(token, before, after):
    text = f"{before}{token}{after}"
    if token.startswith("s3://"):
        text = f"{before} {token} {after}"  # a URI runs to the next space
    assert redact_phone_numbers(text) == text


_E164 = st.integers(min_value=1_000_000, max_value=999_999_999_999_999).map(str)


def _layouts(number: str) -> list[str]:
    groups = [number[: len(number) - 7], number[-7:-4], number[-4:]]
    head = [group for group in groups if group]
    dotted = ".".join(head) if len(head) == 3 else "-".join(head)  # '100.0000' alone is a decimal
    return [number, f"+{number}", " ".join(head), "-".join(head), f"+{dotted}"]


@settings(max_examples=300)
@given(number=_E164, layout=st.integers(min_value=0, max_value=4), before=_AROUND, after=_AROUND)
def test_a_phone_number_standing_alone_never_survives(number, layout, before, after):
    shown = _layouts(number)[layout]
    text = f"{before.rstrip('(')} {shown} {after}"
    redacted = redact_phone_numbers(text)
    assert PHONE_MARKER in redacted
    assert number[-4:] not in redacted.replace(PHONE_MARKER, ""), redacted


@given(st.text())
def test_redaction_is_stable(text):
    once = redact_contacts(text)
    assert redact_contacts(once) == once


def test_report_cells_use_the_same_rule():
    assert redact_report_cell(f"{TRACKING_ID} +12065550100 a@example.com") == (
        f"{TRACKING_ID} {PHONE_MARKER} <redacted-address>"
    )


def test_pinpoint_failure_reasons_keep_the_staged_copy_and_hide_contacts():
    client = boto3.client("pinpoint", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    failures = [
        f"{STAGED} line 2: Address +12065550100 is not a valid phone number",
        f"{STAGED} line 3: Address ana@shop.example is not valid",
    ]
    job = {
        "ApplicationId": APP,
        "CreationDate": "2026-11-22T09:00:00.000Z",
        "Definition": {"Format": "CSV", "RoleArn": "arn:aws:iam::123456789012:role/import", "S3Url": STAGED},
        "Id": "job-1",
        "JobStatus": "FAILED",
        "Type": "IMPORT",
        "Failures": failures,
    }
    with Stubber(client) as stubber:
        stubber.add_response("get_import_job", {"ImportJobResponse": job}, {"ApplicationId": APP, "JobId": "job-1"})
        status = PinpointImportProvider(client, None).status(f"{APP}/job-1")
    assert status.state is JobState.FAILED
    assert status.progress is not None
    assert status.progress["firstFailures"] == [
        f"{STAGED} line 2: Address {PHONE_MARKER} is not a valid phone number",
        f"{STAGED} line 3: Address <redacted-address> is not valid",
    ]
