"""How every command reaches AWS: one boto3 session, every client at one endpoint when one is given."""

from __future__ import annotations

import argparse
import os
from typing import Any

# The endpoint every command uses when --endpoint-url is not given (the local cloud's, say).
ENDPOINT_ENV = "LISTDROP_ENDPOINT_URL"


class Connection:
    """A boto3 session whose clients all talk to one endpoint (the local cloud's, say) when one is given.

    Passed to the provider registry too, so a provider's client follows --endpoint-url.
    """

    def __init__(self, session: Any, endpoint_url: str | None) -> None:
        self._session = session
        self.endpoint_url = endpoint_url

    def client(self, service_name: str, **kwargs: Any) -> Any:
        if self.endpoint_url:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        return self._session.client(service_name, **kwargs)


def connect(args: argparse.Namespace) -> Connection:
    """From the command's --endpoint-url (else $LISTDROP_ENDPOINT_URL) and --region (else the AWS configuration)."""
    import boto3

    endpoint = args.endpoint_url or os.environ.get(ENDPOINT_ENV) or None
    return Connection(boto3.session.Session(region_name=args.region), endpoint)
