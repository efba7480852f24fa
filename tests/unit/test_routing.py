import pytest

from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, DestinationType
from listdrop.routing import decode_key, is_folder_marker, route


@pytest.mark.parametrize(
    ("key", "destination", "name", "action", "data_format"),
    [
        (
            "imports/ses/contact-lists/Newsletter/put/a.csv",
            DestinationType.SES_CONTACT_LIST,
            "Newsletter",
            Action.PUT,
            DataFormat.CSV,
        ),
        (
            "imports/ses/contact-lists/News_2-b/delete/x/y/z.JSON",
            DestinationType.SES_CONTACT_LIST,
            "News_2-b",
            Action.DELETE,
            DataFormat.JSON,
        ),
        (
            "imports/ses/contact-lists/L/PUT/a.ndjson",
            DestinationType.SES_CONTACT_LIST,
            "L",
            Action.PUT,
            DataFormat.JSON,
        ),
        (
            "imports/ses/suppression-list/put/bounces.jsonl",
            DestinationType.SES_SUPPRESSION_LIST,
            None,
            Action.PUT,
            DataFormat.JSON,
        ),
        (
            "imports/ses/suppression-list/delete/2026/11/list.csv",
            DestinationType.SES_SUPPRESSION_LIST,
            None,
            Action.DELETE,
            DataFormat.CSV,
        ),
    ],
)
def test_routes_documented_keys(key, destination, name, action, data_format):
    result = route(key)
    assert result.provider == "ses-import"
    assert result.destination.type is destination
    assert result.destination.name == name
    assert result.action is action
    assert result.data_format is data_format


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("uploads/a.csv", "NO_ROUTE"),
        ("imports/pinpoint/app/put/a.csv", "NO_ROUTE"),
        ("imports/ses/contact-lists/Newsletter/a.csv", "NO_ROUTE"),
        ("imports/ses/unknown-thing/put/a.csv", "NO_ROUTE"),
        ("imports/ses/suppression-list/a.csv", "NO_ROUTE"),
        ("imports/ses/contact-lists/Newsletter/archive/a.csv", "UNKNOWN_ACTION"),
        ("imports/ses/contact-lists/Newsletter/put/a.xlsx", "UNSUPPORTED_EXTENSION"),
        ("imports/ses/contact-lists/Newsletter/put/README", "UNSUPPORTED_EXTENSION"),
        ("imports/ses/contact-lists/Newsletter/put/.csv", "UNSUPPORTED_EXTENSION"),
        ("imports/ses/contact-lists/News letter/put/a.csv", "INVALID_CONTACT_LIST_NAME"),
        ("imports/ses/contact-lists/Newsletter/put/ana@example.com.csv", "KEY_CONTAINS_ADDRESS"),
    ],
)
def test_rejects_keys_that_route_nowhere_with_a_specific_code(key, code):
    with pytest.raises(RejectedFile) as caught:
        route(key)
    assert caught.value.code == code
    assert "@" not in caught.value.reason


def test_no_route_reason_shows_the_convention():
    with pytest.raises(RejectedFile) as caught:
        route("uploads/a.csv")
    assert "imports/ses/contact-lists/<ContactListName>/put/" in caught.value.reason


def test_decodes_keys_as_s3_events_encode_them():
    assert decode_key("imports/ses/suppression-list/put/my+file%282%29.csv") == (
        "imports/ses/suppression-list/put/my file(2).csv"
    )
    assert decode_key("a%2Bb.csv") == "a+b.csv"


def test_folder_markers_are_zero_byte_keys_ending_in_slash():
    assert is_folder_marker("imports/ses/contact-lists/", 0)
    assert not is_folder_marker("imports/ses/contact-lists/", 5)
    assert not is_folder_marker("imports/a.csv", 0)
