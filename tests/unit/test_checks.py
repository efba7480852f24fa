import pytest

from listdrop.checks import HEAD_BYTES, check_file
from listdrop.errors import RejectedFile
from listdrop.routing import route

CONTACTS_PUT = route("imports/ses/contact-lists/L/put/a.csv")
CONTACTS_JSON = route("imports/ses/contact-lists/L/put/a.jsonl")
SUPPRESS_PUT = route("imports/ses/suppression-list/put/a.csv")
SUPPRESS_DELETE = route("imports/ses/suppression-list/delete/a.csv")
SUPPRESS_PUT_JSON = route("imports/ses/suppression-list/put/a.json")
LIMIT = 10_000


def check(route_, content: bytes, size=None):
    return check_file(route_, content[:HEAD_BYTES], len(content) if size is None else size, max_bytes=LIMIT)


def rejection(route_, content: bytes, size=None) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        check(route_, content, size)
    assert "@" not in caught.value.reason, "reasons must not echo addresses"
    return caught.value


def test_accepts_contact_list_csv_and_returns_its_topics():
    shape = check(
        CONTACTS_PUT, b"emailAddress,unsubscribeAll,topicPreferences.weekly\r\na@example.com,false,OPT_IN\r\n"
    )
    assert shape.topics == ("weekly",)


def test_accepts_contact_list_json_lines_and_collects_topics():
    content = (
        b'{"emailAddress": "a@example.com", '
        b'"topicPreferences": [{"topicName": "t1", "subscriptionStatus": "OPT_IN"}]}\n'
        b'\n{"emailAddress": "b@example.com"}\n'
    )
    assert check(CONTACTS_JSON, content).topics == ("t1",)


@pytest.mark.parametrize(
    ("route_", "content", "code"),
    [
        (CONTACTS_PUT, b"", "EMPTY_FILE"),
        (CONTACTS_PUT, b"\n \n\r\n", "EMPTY_FILE"),
        (CONTACTS_PUT, b"a@example.com,false\n", "MISSING_HEADER"),
        (CONTACTS_PUT, b"email,unsubscribeAll\nx\n", "MISSING_EMAIL_COLUMN"),
        (CONTACTS_PUT, b"emailAddress,firstName\n", "UNKNOWN_COLUMN"),
        (CONTACTS_PUT, b"emailAddress,emailAddress\n", "DUPLICATE_COLUMN"),
        (CONTACTS_PUT, b"\xef\xbb\xbfemailAddress\n", "BYTE_ORDER_MARK"),
        (CONTACTS_PUT, "emailAddress\n".encode("utf-16"), "BINARY_CONTENT"),
        (CONTACTS_PUT, b"emailAddress\ncaf\xe9@example.com\n", "NOT_UTF8"),
        (SUPPRESS_PUT, b"emailAddress,reason\na@example.com,BOUNCE\n", "HEADER_NOT_ALLOWED"),
        (SUPPRESS_PUT, b"a@example.com\n", "WRONG_COLUMN_COUNT"),
        (SUPPRESS_PUT, b"a@example.com,SPAM\n", "INVALID_REASON"),
        (SUPPRESS_DELETE, b"a@example.com,BOUNCE\n", "WRONG_COLUMN_COUNT"),
        (CONTACTS_JSON, b'[{"emailAddress": "a@example.com"}]', "JSON_ARRAY"),
        (CONTACTS_JSON, b"emailAddress\n", "NOT_JSON_LINES"),
        (CONTACTS_JSON, b'"just a string"\n', "NOT_JSON_LINES"),
        (CONTACTS_JSON, b'{"email": "a@example.com"}\n', "MISSING_FIELD"),
        (SUPPRESS_PUT_JSON, b'{"emailAddress": "a@example.com"}\n', "MISSING_FIELD"),
    ],
)
def test_rejects_with_a_specific_reason(route_, content, code):
    assert rejection(route_, content).code == code


def test_rejects_files_over_the_limit_before_reading_them():
    assert rejection(CONTACTS_PUT, b"emailAddress\n", size=LIMIT + 1).code == "FILE_TOO_LARGE"


def test_suppression_files_accept_lower_case_reasons_and_spaces():
    check(SUPPRESS_PUT, b"a@example.com, bounce\nb@example.org,COMPLAINT\n")
    check(SUPPRESS_DELETE, b"a@example.com\n")


def test_a_head_cut_inside_a_multibyte_character_is_not_an_encoding_error():
    line = "emailAddress\n" + "é@example.com\n" * (HEAD_BYTES // 10)
    content = line.encode()
    cut = HEAD_BYTES
    while content[cut - 1] & 0xC0 != 0xC0:  # make the head end right after a lead byte
        cut -= 1
    check_file(CONTACTS_PUT, content[:cut], len(content), max_bytes=len(content))


def test_only_the_head_is_checked_for_long_files():
    content = b"emailAddress\n" + b"a@example.com\n" * 10_000
    check_file(CONTACTS_PUT, content[:HEAD_BYTES], len(content), max_bytes=len(content))
