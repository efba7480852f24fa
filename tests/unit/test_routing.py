import pytest

from listdrop.errors import RejectedFile
from listdrop.models import (
    SYNC_REMOVALS,
    SYNC_REMOVALS_ANY,
    Action,
    DataFormat,
    Destination,
    DestinationType,
    InputKind,
    PinpointSegment,
)
from listdrop.routing import decode_key, is_folder_marker, refuse_unsupported_action, route

APP = "0123456789abcdef0123456789abcdef"


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
        ("imports/brevo/lists/x/a.csv", "NO_ROUTE"),
        ("imports/pinpoint/app/put/a.csv", "INVALID_APPLICATION_ID"),
        (f"imports/pinpoint/{APP}/put/a.csv", "NO_ROUTE"),
        (f"imports/pinpoint/{APP}/new-segment/a.csv", "NO_ROUTE"),
        (f"imports/pinpoint/{APP}/segment/bad id!/a.csv", "INVALID_SEGMENT_ID"),
        (f"imports/pinpoint/{APP}/endpoints/a.xlsx", "UNSUPPORTED_EXTENSION"),
        ("imports/mail-manager/a.csv", "NO_ROUTE"),
        ("imports/mail-manager/address-lists/al_1/a.csv", "INVALID_ADDRESS_LIST_ID"),
        ("exports/ses/request.csv", "UNSUPPORTED_EXTENSION"),
        ("exports/ses/.json", "UNSUPPORTED_EXTENSION"),
        ("exports/results/abc/metrics-data.csv", "NO_ROUTE"),
        ("exports/other/request.json", "NO_ROUTE"),
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


@pytest.mark.parametrize(
    ("key", "segment"),
    [
        (f"imports/pinpoint/{APP}/endpoints/crm/a.csv", PinpointSegment()),
        (f"imports/pinpoint/{APP}/new-segment/Winter buyers/a.csv", PinpointSegment(new_name="Winter buyers")),
        (f"imports/pinpoint/{APP}/segment/seg-1/a.jsonl", PinpointSegment(existing_id="seg-1")),
        (
            f"imports/pinpoint/{APP}/new-segment-only/Trial/a.csv",
            PinpointSegment(new_name="Trial", register_endpoints=False),
        ),
        (
            f"imports/pinpoint/{APP}/segment-only/seg-2/a.csv",
            PinpointSegment(existing_id="seg-2", register_endpoints=False),
        ),
    ],
)
def test_pinpoint_keys_carry_the_application_and_segment_options(key, segment):
    result = route(key)
    assert result.provider == "pinpoint-import"
    assert result.destination == Destination(DestinationType.PINPOINT_APPLICATION, APP, segment)
    assert result.action is Action.PUT
    assert result.kind is InputKind.RECORDS


@pytest.mark.parametrize(
    "key",
    ["imports/mail-manager/address-lists/al-7f3a/a.csv", "imports/mail-manager/address-lists/al-7f3a/put/x/a.csv"],
)
def test_mail_manager_keys_name_the_address_list_and_only_add(key):
    result = route(key)
    assert (result.provider, result.destination.name, result.action) == ("mail-manager", "al-7f3a", Action.PUT)
    assert result.data_format is DataFormat.CSV


@pytest.mark.parametrize("folder", ["delete", "DELETE"])
def test_a_mail_manager_delete_key_routes_to_its_list_and_is_then_refused(folder):
    """Routed first, so the rejection names the address list instead of "no destination"."""
    result = route(f"imports/mail-manager/address-lists/al-7f3a/{folder}/old.csv")
    assert (result.provider, result.destination.name, result.action) == ("mail-manager", "al-7f3a", Action.DELETE)
    assert result.destination.label == "Mail Manager address list al-7f3a"
    with pytest.raises(RejectedFile) as refused:
        refuse_unsupported_action(result)
    assert refused.value.code == "UNSUPPORTED_ACTION"
    assert "only add" in refused.value.reason


@pytest.mark.parametrize(
    "key",
    [
        "imports/mail-manager/address-lists/al-7f3a/put/a.csv",
        "imports/ses/contact-lists/L/delete/a.csv",
        "imports/ses/suppression-list/delete/a.csv",
    ],
)
def test_actions_the_job_api_has_are_not_refused(key):
    refuse_unsupported_action(route(key))


def test_export_requests_are_one_request_file_each():
    result = route("exports/ses/weekly/metrics.json")
    assert result.provider == "ses-export"
    assert result.kind is InputKind.REQUEST
    assert result.destination == Destination(DestinationType.SES_EXPORT, "metrics")
    assert result.action is Action.EXPORT


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


def test_a_key_prefix_is_left_out_of_routing():
    """listdrop in a shared bucket (the Listdrop construct's key_prefix): the rest of the key is routed."""
    routed = route("team/listdrop/imports/ses/contact-lists/Newsletter/put/a.csv", "team/listdrop/")
    assert routed == route("imports/ses/contact-lists/Newsletter/put/a.csv")
    with pytest.raises(RejectedFile) as refused:
        route("other/imports/ses/contact-lists/Newsletter/put/a.csv", "team/listdrop/")
    assert refused.value.code == "NO_ROUTE"
    assert "team/listdrop/" in refused.value.reason


def test_a_contact_list_sync_key_routes_to_the_list_and_may_mean_a_large_removal():
    plain = route("imports/ses/contact-lists/Newsletter/sync/2026/crm.csv")
    assert (plain.provider, plain.destination.name, plain.action) == ("ses-import", "Newsletter", Action.SYNC)
    assert plain.destination.option(SYNC_REMOVALS) is None
    meant = route("imports/ses/contact-lists/Newsletter/SYNC/allow-large-removal/crm.jsonl")
    assert meant.action is Action.SYNC and meant.data_format is DataFormat.JSON
    assert meant.destination.option(SYNC_REMOVALS) == SYNC_REMOVALS_ANY
    assert meant.destination.label == "SES contact list 'Newsletter' (any share of it may be removed)"


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("imports/ses/suppression-list/sync/a.csv", "sync/ makes a contact list match the file"),
        ("imports/customer-profiles/acme/sync/a.csv", "Customer Profiles domains take put/ files"),
    ],
)
def test_a_sync_of_anything_but_a_contact_list_is_refused_naming_why(key, words):
    with pytest.raises(RejectedFile) as refused:
        refuse_unsupported_action(route(key))
    assert refused.value.code == "UNSUPPORTED_ACTION"
    assert words in refused.value.reason


def test_an_unknown_action_folder_names_the_three_actions():
    with pytest.raises(RejectedFile) as refused:
        route("imports/ses/contact-lists/Newsletter/merge/a.csv")
    assert refused.value.code == "UNKNOWN_ACTION"
    assert "'put' (add or update), 'delete', or 'sync'" in refused.value.reason


@pytest.mark.parametrize("folder", ["sync", "sync/allow-large-removal"])
def test_a_mail_manager_sync_key_routes_to_its_list(folder):
    result = route(f"imports/mail-manager/address-lists/al-7f3a/{folder}/partners.csv")
    assert (result.provider, result.destination.name, result.action) == ("mail-manager", "al-7f3a", Action.SYNC)
    refuse_unsupported_action(result)
    forced = result.destination.option(SYNC_REMOVALS) == SYNC_REMOVALS_ANY
    assert forced is folder.endswith("allow-large-removal")
