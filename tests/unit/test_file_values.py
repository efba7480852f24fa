"""What the rows of files as people have them hold: international domains (Punycode), extra columns, and the
suppression exports of other e-mail services."""

from __future__ import annotations

import json

import idna
import pytest
from hypothesis import given
from hypothesis import strategies as st

from listdrop.cli import main as listdrop
from listdrop.validation import rows
from listdrop.validation.formats import EMAIL, MAX_EMAIL_LENGTH
from listdrop.validation.layouts.addresses import PUNYCODE_NOTE
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


def test_only_rows_with_non_ascii_characters_pay_for_idna(monkeypatch):
    calls: list[str] = []
    encode = idna.encode
    monkeypatch.setattr(idna, "encode", lambda domain, **kw: calls.append(domain) or encode(domain, **kw))
    body = "".join(f"u{i}@example.com\n" for i in range(500))
    checked = check(CONTACTS, ("emailAddress\n" + body + "ana@bücher.de\n" + body.replace("u", "v")).encode())
    assert checked.result.accepted_rows == 1001
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


def test_listdrop_validate_writes_the_punycode_form_and_says_so(tmp_path, capsys):
    source = tmp_path / "list.csv"
    source.write_bytes("emailAddress\nana@bücher.de\njürgen@bücher.de\n".encode())
    normalized = tmp_path / "out.csv"
    arguments = ["validate", str(source), "--to", "ses/contact-lists/L/put", "--output", str(normalized)]
    assert listdrop([*arguments, "--max-invalid-percent", "50"]) == 0
    printed = capsys.readouterr().out
    assert f"normalized: {PUNYCODED}" in printed
    assert "NON_ASCII_LOCAL_PART" in printed and "jürgen" not in printed
    assert normalized.read_text() == "emailAddress\nana@xn--bcher-kva.de\n"
