"""imports/customer-profiles/<DomainName>/[expiry-days/<N>/]<any/path/>name.csv: an upload job creates or
updates profiles in the domain. A delete/ folder routes with Action.DELETE, so `refuse_unsupported_action`
refuses it against its domain (upload jobs have no delete), not as a key that leads nowhere.

Upload jobs take no object type (CreateUploadJob has none: botocore's customer-profiles 2020-08-15 model,
CreateUploadJobRequest), so the key names only the domain.
"""

from __future__ import annotations

import re

from listdrop import keys
from listdrop.errors import RejectedFile
from listdrop.models import Action, DataFormat, Destination, Route

PROVIDER = "customer-profiles"
PREFIX = "imports/customer-profiles/"
EXAMPLE = "imports/customer-profiles/<DomainName>/<file>.csv"
DESTINATION_TYPE = "CUSTOMER_PROFILES_DOMAIN"
EXPIRY_FOLDER = "expiry-days"
DATA_EXPIRY = "dataExpiry"  # the Destination option CreateUploadJob's DataExpiry comes from

# The model's `name` shape (DomainName of every upload-job operation): 1-64, ^[a-zA-Z0-9_-]+$.
_DOMAIN_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# DataExpiry is the model's `expirationDaysInteger`, 1-1098 days (the API Reference, CreateUploadJob: "If not
# provided, the system default of 2 weeks is used"). The admin guide says imports may set it "with a max of 90
# days" ("Customer Profiles data expiration",
# https://docs.aws.amazon.com/connect/latest/adminguide/customer-profiles-data-expiration.html, and "Create segments
# from imported files", .../customer-segments-imported-files.html). listdrop takes the stricter of the two, so a
# key never asks for an expiry the service's own guide rules out.
MAX_EXPIRY_DAYS = 90


def route(parts: list[str]) -> Route:
    """The parts of the key after imports/customer-profiles/."""
    if len(parts) < 2:
        raise keys.no_route("A Customer Profiles key needs the domain's name and a file name.")
    domain, file_parts = parts[0], parts[1:]
    if not _DOMAIN_NAME.match(domain):
        raise RejectedFile(
            "INVALID_DOMAIN_NAME",
            f"'{domain[:80]}' is not a Customer Profiles domain name (1-64 letters, digits, '_' or '-').",
        )
    # Refusals of the rest of the key name the domain (without the expiry the key may not have stated right).
    with keys.refusals_name(PROVIDER, Destination(DESTINATION_TYPE, domain, label=_label(domain, ()))):
        return _route_in_domain(domain, file_parts)


def _route_in_domain(domain: str, file_parts: list[str]) -> Route:
    options: tuple[tuple[str, str], ...] = ()
    if file_parts[0] == EXPIRY_FOLDER:
        if len(file_parts) < 3:
            raise keys.no_route(f"'{EXPIRY_FOLDER}/' is followed by a number of days, then the file.")
        options = ((DATA_EXPIRY, str(_expiry_days(file_parts[1]))),)
        file_parts = file_parts[2:]
    action = Action.PUT
    if file_parts[0].lower() in keys.ACTION_FOLDERS and len(file_parts) > 1:
        action = keys.action(file_parts[0])
        file_parts = file_parts[1:]
    if keys.data_format("/".join(file_parts)) is not DataFormat.CSV:
        # "The pre-signed S3 URL for uploading the CSV file" (model, GetUploadJobPathResponse.Url); Fields maps
        # "CSV Columns" (CreateUploadJobRequest.Fields).
        raise RejectedFile(
            "UNSUPPORTED_EXTENSION", "Customer Profiles upload jobs read CSV files only: upload a .csv file."
        )
    destination = Destination(DESTINATION_TYPE, domain, label=_label(domain, options), options=options)
    return Route(PROVIDER, destination, action, DataFormat.CSV)


def _expiry_days(text: str) -> int:
    days = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise RejectedFile(
            "INVALID_EXPIRY_DAYS",
            f"'{text[:20]}' after '{EXPIRY_FOLDER}/' is not a number of days from 1 to {MAX_EXPIRY_DAYS} (imported "
            "profiles expire after 14 days unless the key says otherwise).",
        )
    return days


def _label(domain: str, options: tuple[tuple[str, str], ...]) -> str:
    expiry = dict(options).get(DATA_EXPIRY)
    return f"Customer Profiles domain {domain}" + (f" (profiles expire after {expiry} days)" if expiry else "")


def refuse_unsupported_action(route: Route) -> None:
    """Upload jobs only create or update profiles."""
    if route.action is Action.SYNC:
        raise RejectedFile(
            "UNSUPPORTED_ACTION",
            "listdrop syncs SES contact lists and Mail Manager address lists; Customer Profiles domains take put/ "
            "files.",
        )
    if route.action is not Action.PUT:
        raise RejectedFile(
            "UNSUPPORTED_ACTION",
            "Customer Profiles upload jobs only create or update profiles; there is no bulk delete. Profiles are "
            "removed one at a time (DeleteProfile), or expire.",
        )
