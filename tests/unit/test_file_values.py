"""What the rows of files as people have them hold: international domains (Punycode), extra columns, and the
suppression exports of other e-mail services."""

from __future__ import annotations

import json

import idna
import pytest
from hypothesis import given
from hypothesis import strategies as st

from listdrop.cli import main as listdrop
from listdrop.errors import RejectedFile
from listdrop.models import EXTRA_COLUMNS, EXTRA_COLUMNS_AS_ATTRIBUTES
from listdrop.routing import route
from listdrop.settings import SettingsError, StarterSettings
from listdrop.validation import rows
from listdrop.validation.formats import EMAIL, MAX_EMAIL_LENGTH
from listdrop.validation.rows import PUNYCODE_NOTE
from tests.unit.test_validation import CONTACTS, CONTACTS_JSON, SUPPRESS_PUT, check

MAIL_MANAGER = "imports/mail-manager/address-lists/a-1/put/a.csv"
PUNYCODED = PUNYCODE_NOTE.format(rows="1 row")

# -- international domains ------------------------------------------------------------------------------


def test_an_international_domain_is_written_in_punycode_and_counted_as_normalized():
    content = "emailAddress,unsubscribeAll\nana@bücher.de,false\nbo@example.com,false\n".encode()
    checked = check(CONTACTS, content)
    assert checked.result.rejection is None
    assert checked.output_rows[1:] == [["ana@xn--bcher-kva.de", "false"], ["bo@example.com", "false"]]
    assert PUNYCODED in checked.result.normalizations
    assert checked.output.text.isascii()


def test_idna_2008_keeps_the_sharp_s_that_idna_2003_would_turn_into_another_domain():
    # faß.de and fass.de are different domains; IDNA 2003 (Python's encodings.idna) maps one onto the other.
    assert rows.email("a@faß.de") == "a@xn--fa-hia.de"
    assert rows.email(" a@BÜCHER.de ") == "a@xn--bcher-kva.de"


def test_a_non_ascii_local_part_is_left_out_with_the_reason():
    checked = check(CONTACTS, "emailAddress\njürgen@bücher.de\nbo@example.com\n".encode())
    assert checked.result.rejection is None
    (row,) = checked.report_rows
    assert (row["row"], row["code"]) == ("2", "NON_ASCII_LOCAL_PART")
    assert "SMTPUTF8" in row["reason"] and "ASCII" in row["reason"]
    assert "jürgen" not in checked.report.text


def test_an_address_and_its_punycode_form_are_duplicates():
    checked = check(CONTACTS, "emailAddress\nana@xn--bcher-kva.de\nANA@Bücher.de\n".encode())
    assert (checked.result.accepted_rows, checked.result.duplicate_rows) == (1, 1)
    assert [r["code"] for r in checked.report_rows] == ["DUPLICATE_ADDRESS"]


def test_json_records_suppression_files_and_mail_manager_lists_take_punycode_too():
    json_lines = check(CONTACTS_JSON, '{"emailAddress": "ana@bücher.de"}\n'.encode())
    assert json.loads(json_lines.output.text) == {"emailAddress": "ana@xn--bcher-kva.de"}
    assert PUNYCODED in json_lines.result.normalizations
    suppression = check(SUPPRESS_PUT, "ana@bücher.de,BOUNCE\n".encode())
    assert suppression.output_rows == [["ana@xn--bcher-kva.de", "BOUNCE"]]
    mail_manager = check(MAIL_MANAGER, "address\nana@bücher.de\n".encode())
    assert mail_manager.output_rows == [["address"], ["ana@xn--bcher-kva.de"]]


def test_only_rows_with_non_ascii_characters_pay_for_idna_once_per_domain(monkeypatch):
    rows._ascii_domain.cache_clear()
    calls: list[str] = []
    encode = idna.encode
    monkeypatch.setattr(idna, "encode", lambda domain, **kw: calls.append(domain) or encode(domain, **kw))
    body = "".join(f"u{i}@example.com\n" for i in range(500))
    tail = body.replace("u", "v") + "bo@bücher.de\n"
    checked = check(CONTACTS, ("emailAddress\n" + body + "ana@bücher.de\n" + tail).encode())
    assert checked.result.accepted_rows == 1002
    assert calls == ["bücher.de"]


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("a@☃.net", "INVALID_DOMAIN"),  # a symbol IDNA 2003 took and IDNA 2008 does not
        ("a@bü..de", "INVALID_DOMAIN"),
        ("a@-bü.de", "INVALID_DOMAIN"),
        ("a@" + "ü" * 64 + ".de", "INVALID_DOMAIN"),
        ("a@" + "ü.b" * 200 + ".de", "INVALID_EMAIL"),
        ("a@bü\u202e.de", "INVALID_DOMAIN"),  # a right-to-left override
        ("a@bü\u0000.de", "INVALID_DOMAIN"),
        ("a@bücher.de.", "INVALID_EMAIL"),
        ("a@bücher", "INVALID_EMAIL"),
        ("ü@", "INVALID_EMAIL"),
        ("ü@bücher.de", "NON_ASCII_LOCAL_PART"),
        ("@bücher.de", "INVALID_EMAIL"),
        ("bücher.de", "INVALID_EMAIL"),
        ("a@b@bücher.de", "INVALID_EMAIL"),
        ("a@\ud800.de", "INVALID_DOMAIN"),  # a lone surrogate
    ],
)
def test_hostile_international_addresses_are_left_out_with_a_code(address, code):
    with pytest.raises(rows.RowProblem) as problem:
        rows.email(address)
    assert problem.value.code == code


@given(st.text(max_size=80), st.text(max_size=80))
def test_any_address_is_either_ascii_and_valid_or_left_out(local, domain):
    try:
        address = rows.email(f"{local}@{domain}")
    except rows.RowProblem:
        return
    assert address.isascii() and EMAIL.fullmatch(address) and len(address) <= MAX_EMAIL_LENGTH


def validate(tmp_path, capsys, content: bytes, to: str, *options: str) -> tuple[int, str, str]:
    """`listdrop validate` on `content`: its exit status, what it printed and the normalized copy it wrote."""
    source, normalized = tmp_path / "upload.csv", tmp_path / "normalized.csv"
    source.write_bytes(content)
    status = listdrop(["validate", str(source), "--to", to, "--output", str(normalized), *options])
    return status, capsys.readouterr().out, normalized.read_text() if normalized.exists() else ""


def test_listdrop_validate_writes_the_punycode_form_and_says_so(tmp_path, capsys):
    content = "emailAddress\nana@bücher.de\njürgen@bücher.de\n".encode()
    status, printed, normalized = validate(
        tmp_path, capsys, content, "ses/contact-lists/L/put", "--max-invalid-percent", "50"
    )
    assert status == 0 and f"normalized: {PUNYCODED}" in printed
    assert "NON_ASCII_LOCAL_PART" in printed and "jürgen" not in printed
    assert normalized == "emailAddress\nana@xn--bcher-kva.de\n"


# -- extra columns ---------------------------------------------------------------------------------------

AS_ATTRIBUTES = "imports/ses/contact-lists/L/put/extra-as-attributes/crm.csv"


def test_extra_columns_are_named_in_the_rejection_with_what_the_layout_takes():
    checked = check(CONTACTS, b"Email,Name,Phone,unsubscribeAll\na@example.com,Ana,1,false\n")
    rejection = checked.result.rejection
    assert rejection is not None and rejection.code == "UNKNOWN_COLUMN"
    assert "2 columns ('Name', 'Phone')" in rejection.reason
    assert "Allowed: emailAddress, unsubscribeAll, attributesData and topicPreferences" in rejection.reason
    assert "put/extra-as-attributes/" in rejection.reason and "listdrop:extraColumnsAsAttributes" in rejection.reason


@pytest.mark.parametrize(
    ("key", "header"),
    [
        (MAIL_MANAGER, b"address,Name\n"),
        ("imports/ses/contact-lists/L/delete/a.csv", b"emailAddress,Name\n"),
    ],
)
def test_elsewhere_extra_columns_are_named_and_no_attributes_are_offered(key, header):
    rejection = check(key, header + b"a@example.com,Ana\n").result.rejection
    assert rejection is not None and rejection.code == "UNKNOWN_COLUMN"
    assert "1 column ('Name')" in rejection.reason and "extra-as-attributes" not in rejection.reason


def test_many_or_long_extra_column_names_are_shortened_in_the_reason():
    names = ",".join(f"c{index}" for index in range(40)) + "," + "x" * 500
    reason = check(CONTACTS, f"emailAddress,{names}\n".encode()).result.rejection.reason
    assert "'c0', 'c1'" in reason and "and 31 more" in reason and "x" * 81 not in reason


def test_opted_in_extra_columns_become_attributes_data_as_escaped_json():
    content = (
        "Email,First Name,Note,unsubscribeAll\n"
        'a@example.com,Ana,"say ""hi"", \\\\ then\nleave",false\n'
        "b@example.com, ,,true\n"
        "c@example.com,Zoë,\u2028,false\n"
    ).encode()
    checked = check(AS_ATTRIBUTES, content)
    assert checked.result.rejection is None
    header, *rows_out = checked.output_rows
    assert header == ["emailAddress", "unsubscribeAll", "attributesData"]
    assert json.loads(rows_out[0][2]) == {"First Name": "Ana", "Note": 'say "hi", \\\\ then\nleave'}
    assert rows_out[1] == ["b@example.com", "true", ""], "empty values are left out; no value, no attributesData"
    assert json.loads(rows_out[2][2]) == {"First Name": "Zoë"}
    assert "wrote 2 extra columns ('First Name', 'Note') into attributesData" in checked.result.normalizations


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (b"emailAddress,attributesData,Name\n", "EXTRA_COLUMNS_AND_ATTRIBUTES"),
        (b"emailAddress,Name,name2,Name\n", "DUPLICATE_COLUMN"),
        (b"emailAddress,Name,\n", "UNKNOWN_COLUMN"),  # a column without a name cannot be an attribute
        (b"Name,Phone\n", "MISSING_EMAIL_COLUMN"),
        (b"emailAddress,a@example.com\n", "MISSING_HEADER"),
    ],
)
def test_opted_in_headers_that_cannot_become_attributes_are_refused(header, code):
    assert check(AS_ATTRIBUTES, header + b"a@example.com,x,y,z\n").result.rejection.code == code


def test_opted_in_rows_of_the_wrong_width_name_the_header():
    checked = check(AS_ATTRIBUTES, b"emailAddress,Name\na@example.com,Ana\nb@example.com\n", percent=50)
    (row,) = checked.report_rows
    assert row["code"] == "WRONG_COLUMN_COUNT" and "'emailAddress', 'Name'" in row["reason"]


@pytest.mark.parametrize(
    "key",
    [
        "imports/ses/suppression-list/put/extra-as-attributes/a.csv",
        "imports/ses/contact-lists/L/delete/extra-as-attributes/a.csv",
        "imports/ses/contact-lists/L/put/extra-as-attributes/a.jsonl",
    ],
)
def test_the_extra_as_attributes_folder_is_for_contact_list_put_csv_only(key):
    with pytest.raises(RejectedFile) as refused:
        route(key)
    assert refused.value.code == "UNSUPPORTED_OPTION"


def test_the_key_folder_is_an_option_of_the_destination():
    routed = route(AS_ATTRIBUTES)
    assert routed.destination.option(EXTRA_COLUMNS) == EXTRA_COLUMNS_AS_ATTRIBUTES
    assert routed.destination.to_dict()["options"] == {EXTRA_COLUMNS: EXTRA_COLUMNS_AS_ATTRIBUTES}
    assert route("imports/ses/contact-lists/L/put/extra-as-attributes.csv").destination.options == ()


@pytest.mark.parametrize(("raw", "expected"), [("", False), ("false", False), ("true", True), (" TRUE ", True)])
def test_the_starter_setting_is_a_flag(raw, expected):
    env = {"JOBS_TABLE_NAME": "t", "STATE_MACHINE_ARN": "arn:sm", "EXTRA_COLUMNS_AS_ATTRIBUTES": raw}
    assert StarterSettings.from_env(env).extra_columns_as_attributes is expected
    with pytest.raises(SettingsError):
        StarterSettings.from_env({**env, "EXTRA_COLUMNS_AS_ATTRIBUTES": "yes"})


def test_listdrop_validate_takes_the_extra_as_attributes_folder(tmp_path, capsys):
    content = b"Email,Name\na@example.com,Ana\n"
    status, printed, normalized = validate(tmp_path, capsys, content, "ses/contact-lists/L/put/extra-as-attributes/")
    assert status == 0 and "into attributesData" in printed
    assert normalized == 'emailAddress,attributesData\na@example.com,"{""Name"":""Ana""}"\n'
    status, printed, _ = validate(tmp_path, capsys, content, "ses/contact-lists/L/put/")
    assert status == 1 and "REJECTED (UNKNOWN_COLUMN)" in printed


# -- the suppression exports of other e-mail services ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected", "recognized"),
    [
        (
            "address,code,error,created_at\n"
            'gone@example.com,550,"5.1.1 The email account does not exist","Thu, 01 Oct 2026 10:00:00 UTC"\n',
            "BOUNCE",
            "read a Mailgun bounce export",
        ),
        ("address,created_at\nangry@example.com,Thu 01 Oct 2026\n", "COMPLAINT", "read a Mailgun complaint export"),
        (
            'created,email,reason,status\n1700000000,gone@example.com,"550 5.1.1 unknown user",5.1.1\n',
            "BOUNCE",
            "read a SendGrid bounce or block export",
        ),
        ("Email,Created,IP\nangry@example.com,1700000000,192.0.2.1\n", "COMPLAINT", "read a SendGrid spam report"),
    ],
)
def test_esp_suppression_exports_are_recognized_and_mapped_to_ses_reasons(content, expected, recognized):
    checked = check(SUPPRESS_PUT, content.encode())
    assert checked.result.rejection is None, checked.result.rejection
    [[address, reason]] = checked.output_rows
    assert reason == expected and "@example.com" in address
    assert any(note.startswith(recognized) for note in checked.result.normalizations)
    assert any(f"suppressed as {expected}, the other columns dropped" in n for n in checked.result.normalizations)


@pytest.mark.parametrize(
    "header",
    ["address,tags,created_at", "created,email"],
)
def test_unsubscribe_exports_are_refused_pointing_at_contact_lists(header):
    rejection = check(SUPPRESS_PUT, f"{header}\n".encode() + b"a@example.com,x\n").result.rejection
    assert rejection is not None and rejection.code == "UNSUBSCRIBE_EXPORT"
    assert "BOUNCE and COMPLAINT only" in rejection.reason and "unsubscribeAll" in rejection.reason


def test_esp_export_rows_are_checked_masked_and_deduplicated():
    content = (
        "created,email,ip\n"
        "1,angry@example.com,192.0.2.1\n"
        "2,not-an-address,192.0.2.1\n"
        "3,ANGRY@example.com,192.0.2.1\n"
        "4,too,many,values\n"
        "5,ana@bücher.de,192.0.2.1\n"
    )
    checked = check(SUPPRESS_PUT, content.encode())
    assert checked.output_rows == [["angry@example.com", "COMPLAINT"], ["ana@xn--bcher-kva.de", "COMPLAINT"]]
    report = checked.report_rows
    assert [(r["row"], r["column"], r["code"]) for r in report] == [
        ("3", "emailAddress", "INVALID_EMAIL"),
        ("4", "emailAddress", "DUPLICATE_ADDRESS"),
        ("5", "", "WRONG_COLUMN_COUNT"),
    ]
    assert "angry@" not in checked.report.text.lower() and "SendGrid spam report export has 3" in report[2]["reason"]
    assert PUNYCODED in checked.result.normalizations


@pytest.mark.parametrize(
    ("key", "header"),
    [
        (SUPPRESS_PUT, "address,address,created_at"),  # a name twice: not an export
        (SUPPRESS_PUT, "address,created_at,extra"),  # more than an export: no layout
        ("imports/ses/suppression-list/delete/a.csv", "address,created_at"),  # exports are put/ files only
    ],
)
def test_headers_close_to_an_export_are_not_taken_for_one(key, header):
    rejection = check(key, f"{header}\n".encode() + b"a@example.com,x,y\n").result.rejection
    assert rejection is not None and rejection.code == "UNKNOWN_COLUMN"


def test_a_stray_suppression_header_with_extra_columns_names_them():
    rejection = check(SUPPRESS_PUT, b"email,reason,Name\na@example.com,BOUNCE,Ana\n").result.rejection
    assert rejection.code == "UNKNOWN_COLUMN" and "1 column ('Name')" in rejection.reason
    assert "Allowed: emailAddress and reason" in rejection.reason


def test_listdrop_validate_says_which_export_it_read(tmp_path, capsys):
    content = b"address,code,error,created_at\ngone@example.com,550,no such user,Thu 01 Oct 2026\n"
    status, printed, normalized = validate(tmp_path, capsys, content, "ses/suppression-list/put")
    assert status == 0 and "normalized: read a Mailgun bounce export" in printed
    assert normalized == "gone@example.com,BOUNCE\n"
