"""Pinpoint imports: a scratch application, two endpoints, then the application must hold them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from listdrop.cli.connection import Connection
from listdrop.cli.smoke.cases import SmokeCase
from listdrop.cli.smoke.drops import ADDRESSES, SUCCEEDED, Drop, lines

ENDPOINT_IDS = ("listdrop-smoke-1", "listdrop-smoke-2")


def create(connection: Connection, name: str) -> tuple[str, str]:
    created = connection.client("pinpoint").create_app(CreateApplicationRequest={"Name": name})
    application_id = str(created["ApplicationResponse"]["Id"])
    return application_id, f"{name} ({application_id})"


def remove(connection: Connection, application_id: str) -> None:
    connection.client("pinpoint").delete_app(ApplicationId=application_id)


def drop(application_id: str | None, folder: str, today: datetime) -> Drop | None:
    if application_id is None:
        return None

    def landed(connection: Connection, event: dict[str, Any]) -> str:
        pinpoint = connection.client("pinpoint")
        for endpoint_id in ENDPOINT_IDS:
            pinpoint.get_endpoint(ApplicationId=application_id, EndpointId=endpoint_id)
        return f"{len(ENDPOINT_IDS)} of {len(ENDPOINT_IDS)} endpoints in application {application_id}"

    rows = [f"EMAIL,{address},{endpoint}" for address, endpoint in zip(ADDRESSES, ENDPOINT_IDS, strict=True)]
    return Drop(
        label="Pinpoint import",
        provider="pinpoint-import",
        key=f"imports/pinpoint/{application_id}/endpoints/{folder}/endpoints.csv",
        body=lines("ChannelType,Address,Id", *rows),
        content_type="text/csv",
        outcome=SUCCEEDED,
        topic="completed",
        landed=landed,
    )


CASE = SmokeCase(label="Pinpoint application", drop=drop, create=create, remove=remove)
