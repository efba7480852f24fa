"""List export requests: the listing API's own members, checked against botocore's sesv2 model before any call."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from listdrop.errors import RejectedFile
from listdrop.export_request import parse_export_request


def parse(document: object):
    return parse_export_request(json.dumps(document).encode())


def test_the_suppression_list_with_reasons_and_dates():
    request = parse(
        {"ListSuppressedDestinations": {"Reasons": ["BOUNCE"], "StartDate": "2026-01-01", "EndDate": "2026-11-01"}}
    )
    assert request.source_type == "SUPPRESSION_LIST"
    assert request.parameters == {
        "ListSuppressedDestinations": {
            "Reasons": ["BOUNCE"],
            "StartDate": datetime(2026, 1, 1, tzinfo=UTC),
            "EndDate": datetime(2026, 11, 1, tzinfo=UTC),
        }
    }
    assert request.summary == "SUPPRESSION_LIST (BOUNCE); added 2026-01-01 00:00 to 2026-11-01 00:00 UTC; CSV"


def test_the_whole_suppression_list_and_a_relative_window():
    assert parse({"ListSuppressedDestinations": {}}).summary == "SUPPRESSION_LIST (BOUNCE, COMPLAINT); CSV"
    request = parse(
        {"ListSuppressedDestinations": {}, "Window": {"LastWholeUtcDays": 7, "Before": "2026-11-30T06:00:00Z"}}
    )
    members = request.parameters["ListSuppressedDestinations"]
    assert (members["StartDate"], members["EndDate"]) == (
        datetime(2026, 11, 23, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
    )


def test_a_contact_list_with_a_topic_filter_summarized_without_addresses():
    request = parse(
        {
            "ListContacts": {
                "ContactListName": "newsletter",
                "Filter": {
                    "FilteredStatus": "OPT_IN",
                    "TopicFilter": {"TopicName": "weekly", "UseDefaultIfPreferenceUnavailable": True},
                },
            }
        }
    )
    assert request.source_type == "CONTACT_LIST"
    assert request.summary == "CONTACT_LIST contact list 'newsletter', OPT_IN to topic 'weekly' or by default; CSV"


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"ListSuppressedDestinations": {"PageSize": 10}}, "listdrop pages the list itself; leave PageSize out"),
        ({"ListSuppressedDestinations": {"NextToken": "x"}}, "leave NextToken out"),
        ({"ListSuppressedDestinations": {"TenantName": "t"}}, "account-level suppression list"),
        ({"ListSuppressedDestinations": {"Reasons": ["SPAM"]}}, "Reasons[0] is 'SPAM'; use one of BOUNCE, COMPLAINT"),
        (
            {"ListSuppressedDestinations": {"StartDate": "2026-11-02", "EndDate": "2026-11-01"}},
            "StartDate must be before its EndDate",
        ),
        ({"ListSuppressedDestinations": {"StartDate": "yesterday"}}, "must be an ISO 8601 date"),
        (
            {
                "ListSuppressedDestinations": {"StartDate": "2026-11-01"},
                "Window": {"LastWholeUtcDays": 1, "Before": "2026-11-30"},
            },
            "A Window replaces",
        ),
        ({"ListContacts": {}}, "Missing required parameter"),
        ({"ListContacts": {"ContactListName": "x"}, "Window": {}}, "applies to ListSuppressedDestinations only"),
        ({"ListContacts": {"ContactListName": "x", "Filter": {"FilteredStatus": "OPT_IN"}}}, "names both"),
        ({"ListContacts": {"ContactListName": "x", "Filter": {"TopicFilter": {"TopicName": "t"}}}}, "names both"),
        ({"ListContacts": {"ContactListName": "x", "Colour": "red"}}, "Unknown parameter"),
        ({"ListContacts": {"ContactListName": "x"}, "ListSuppressedDestinations": {}}, "exactly one of"),
        ({"ListContacts": {"ContactListName": "x"}, "ExportDestination": {}}, "not ExportDestination"),
        ({"ListContacts": "newsletter"}, "must be an object"),
    ],
)
def test_a_request_the_api_or_listdrop_would_refuse_is_rejected_naming_why(document, words):
    with pytest.raises(RejectedFile) as refused:
        parse(document)
    assert refused.value.code == "INVALID_EXPORT_REQUEST"
    assert words in refused.value.reason


def test_no_address_in_a_refusal():
    with pytest.raises(RejectedFile) as refused:
        parse({"ListSuppressedDestinations": {"StartDate": "someone@example.com"}})
    assert "@" not in refused.value.reason
