"""Customer Profiles upload jobs: a scratch domain, two profiles, then the domain must hold them (SearchProfiles
by `_email`). The domain's profiles expire after one day (DefaultExpirationDays, 1-1098 in botocore's model) and
the domain is deleted at the end with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.cases import SmokeCase
from listdrop.cli.smoke.drops import ADDRESSES, SUCCEEDED, Drop, all_there, lines


def create(connection: Connection, name: str) -> tuple[str, str]:
    connection.client("customer-profiles").create_domain(DomainName=name, DefaultExpirationDays=1)
    return name, name


def remove(connection: Connection, domain: str) -> None:
    connection.client("customer-profiles").delete_domain(DomainName=domain)


def drop(domain: str | None, folder: str, today: datetime) -> Drop | None:
    if domain is None:
        return None

    def landed(connection: Connection, event: dict[str, Any]) -> str:
        profiles = connection.client("customer-profiles")
        found: set[str] = set()
        for address in ADDRESSES:
            items = profiles.search_profiles(DomainName=domain, KeyName="_email", Values=[address])["Items"]
            found |= {str(item.get("EmailAddress", "")).lower() for item in items}
        return all_there(found, ADDRESSES, f"profiles in domain {domain}", event)

    return Drop(
        label="Customer Profiles import",
        provider="customer-profiles",
        key=f"imports/customer-profiles/{domain}/{folder}/profiles.csv",
        body=lines("EmailAddress,FirstName", *(f"{address},Smoke" for address in ADDRESSES)),
        content_type="text/csv",
        outcome=SUCCEEDED,
        topic="completed",
        landed=landed,
    )


CASE = SmokeCase(label="Customer Profiles domain", drop=drop, create=create, remove=remove)
