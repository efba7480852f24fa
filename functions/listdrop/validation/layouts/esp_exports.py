"""The suppression exports of the e-mail services people move from (Mailgun, SendGrid), read as SES suppression-list
put/ files: the export is recognized from its header, each address gets the SES reason its list means, and every
other column is dropped from the staged copy.

SES's suppression list takes two reasons, BOUNCE ("results in a hard bounce") and COMPLAINT (botocore's sesv2
model, SuppressionListReason). The layouts, by header names (any order, any case):

- Mailgun bounces `address,code,error,created_at` and complaints `address,created_at`, unsubscribes
  `address,tags,created_at`: the column headers of Mailgun's documented CSV imports of the same lists
  (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/bounces.md, .../complaints.md,
  .../unsubscribe.md), which are also the fields its list APIs return. Mailgun's bounce list holds permanent
  failures only ("Soft bounces ... are not added to the list", the same page): BOUNCE.
- SendGrid bounces and blocks `created,email,reason,status`, spam reports `created,email,ip`, global unsubscribes
  `created,email`: the fields of SendGrid's v3 suppression APIs (Retrieve all bounces / blocks / spam reports /
  global suppressions, https://www.twilio.com/docs/sendgrid/api-reference/). SendGrid does not document the
  columns of the CSV its app downloads; that they are these fields is an assumption (the README says so).
  Bounces and blocks have the same fields, so their exports cannot be told apart: both are read as BOUNCE.

An unsubscribe is no suppression reason: it is refused, pointing at a contact list's unsubscribeAll.
"""

from __future__ import annotations

from dataclasses import dataclass

from listdrop.errors import RejectedFile
from listdrop.validation import rows
from listdrop.validation.formats import EMAIL_ADDRESS
from listdrop.validation.layout import CellProblem, Row

MAILGUN = "Mailgun"
SENDGRID = "SendGrid"


@dataclass(frozen=True)
class EspExport:
    """One service's export of one list: its columns, the one holding the address, and the SES reason ("" for
    an export SES's suppression list cannot take)."""

    service: str
    name: str
    columns: frozenset[str]
    address_column: str
    reason: str


EXPORTS = (
    EspExport(MAILGUN, "bounce", frozenset({"address", "code", "error", "created_at"}), "address", "BOUNCE"),
    EspExport(MAILGUN, "complaint", frozenset({"address", "created_at"}), "address", "COMPLAINT"),
    EspExport(MAILGUN, "unsubscribe", frozenset({"address", "tags", "created_at"}), "address", ""),
    EspExport(SENDGRID, "bounce or block", frozenset({"created", "email", "reason", "status"}), "email", "BOUNCE"),
    EspExport(SENDGRID, "spam report", frozenset({"created", "email", "ip"}), "email", "COMPLAINT"),
    EspExport(SENDGRID, "global unsubscribe", frozenset({"created", "email"}), "email", ""),
)


def recognize(cells: list[str]) -> EspExport | None:
    """The export whose header this is (the same names, in any order and case), or None."""
    names = [cell.strip().lower() for cell in cells]
    if len(set(names)) != len(names):
        return None
    return next((export for export in EXPORTS if export.columns == set(names)), None)


class EspColumns:
    """The rows of a recognized export: the address checked, the export's SES reason added, the rest dropped.
    Every row takes the exact path (the staged row is not the row read); these files hold at most 100,000
    addresses (a suppression put/ file's limit)."""

    fast_row = None

    def __init__(self, export: EspExport, cells: list[str]) -> None:
        names = [cell.strip().lower() for cell in cells]
        self._export = export
        self._email_index = names.index(export.address_column)
        self._names = cells
        self.width = len(cells)

    @property
    def note(self) -> str:
        export = self._export
        return (
            f"read a {export.service} {export.name} export ({', '.join(name.strip() for name in self._names)}): "
            f"every address suppressed as {export.reason}, the other columns dropped"
        )

    def fast_block_ok(self, text: str, addresses: str) -> bool:
        return False

    def row(self, cells: list[str]) -> Row:
        try:
            address = rows.email(cells[self._email_index])
        except rows.RowProblem as problem:
            # reported as the emailAddress column, so the report masks the value as it masks every address
            raise CellProblem(EMAIL_ADDRESS, cells[self._email_index], problem.code, problem.reason) from None
        return Row([address, self._export.reason], address, rows.punycode_note(cells[self._email_index]))

    def changed(self, cells: list[str], normalized: list[str]) -> bool:
        return False  # dropping the columns is the export's note; Punycode has its own

    def wrong_width(self, count: int) -> str:
        return f"The row has {count} values; the {self._export.service} {self._export.name} export has {self.width}."


def refuse_unsubscribes(export: EspExport) -> RejectedFile:
    return RejectedFile(
        "UNSUBSCRIBE_EXPORT",
        f"This is a {export.service} {export.name} export. SES's suppression list takes BOUNCE and COMPLAINT only; "
        "an unsubscribe is the contact's choice, which SES keeps on a contact list: upload the addresses to "
        "imports/ses/contact-lists/<ContactListName>/put/ with an unsubscribeAll column set to true.",
    )
