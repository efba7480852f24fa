"""How every command reaches AWS: one boto3 session, every client at one endpoint when one is given.

Against the local cloud (an endpoint on a loopback address, `make run`'s http://127.0.0.1:4566) the endpoint is
enough: with no region or credentials configured, the session takes the local cloud's region and throwaway
credentials (moto accepts any). Against AWS nothing is made up: a missing region or missing credentials stop the
command with what to set (`NotConfigured`, exit status 2), instead of botocore's "You must specify a region" or
"Unable to locate credentials".
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

# The endpoint every command uses when --endpoint-url is not given (the local cloud's, say).
ENDPOINT_ENV = "LISTDROP_ENDPOINT_URL"

# The local cloud's region and the credentials it is given (localcloud/cloud.py REGION and _configure_process,
# spelled again because the CLI does not import localcloud; tests/unit/test_connection.py keeps them in step).
LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

# What --help says about the endpoint options, once for every command.
ENDPOINT_HELP = (
    "another endpoint, e.g. the local cloud's http://127.0.0.1:4566 (default: $"
    + ENDPOINT_ENV
    + " if set); on a loopback address, the local cloud's region and dummy credentials are used when none are "
    "configured"
)
REGION_HELP = "the AWS region (default: from your AWS configuration; us-east-1 for a local endpoint)"

# botocore reads the region from AWS_DEFAULT_REGION or the profile's `region`, not from AWS_REGION
# (botocore/configprovider.py, BOTOCORE_DEFAUT_SESSION_VARIABLES["region"], botocore 1.44).
NO_REGION = (
    "no AWS region is configured: pass --region, or set AWS_DEFAULT_REGION (or `region` in your AWS profile, "
    "`aws configure set region REGION`)"
)
NO_CREDENTIALS = (
    "no AWS credentials were found: configure them with `aws configure` (or `aws configure sso`, then "
    "AWS_PROFILE=<profile>), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; see "
    "https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html"
)


class NotConfigured(Exception):
    """AWS cannot be called as configured (no region, no credentials): the message says what to set (exit 2)."""


def is_local(endpoint_url: str | None) -> bool:
    """Whether the endpoint is on this machine (a loopback address or `localhost`): the local cloud, not AWS."""
    if not endpoint_url:
        return False
    host = urlsplit(endpoint_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Connection:
    """A boto3 session whose clients all talk to one endpoint (the local cloud's, say) when one is given.

    Passed to the provider registry too, so a provider's client follows --endpoint-url. `defaults` are client
    arguments used where the session has none (the local cloud's region and credentials: see connect).
    """

    def __init__(self, session: Any, endpoint_url: str | None, defaults: dict[str, str] | None = None) -> None:
        self._session = session
        self.endpoint_url = endpoint_url
        self._defaults = dict(defaults or {})
        self._credentials_found = False

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A client at the endpoint; NotConfigured when there is no region or no credentials to call AWS with."""
        from botocore.exceptions import NoRegionError

        kwargs = {**self._defaults, **kwargs}
        if self.endpoint_url:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        try:
            client = self._session.client(service_name, **kwargs)
        except NoRegionError:
            raise NotConfigured(NO_REGION) from None
        if "aws_access_key_id" not in kwargs and not self._credentials_found:
            # Checked here, once, rather than met as NoCredentialsError at the first request.
            if self._session.get_credentials() is None:
                raise NotConfigured(NO_CREDENTIALS)
            self._credentials_found = True
        return client


def connect(args: argparse.Namespace) -> Connection:
    """From the command's --endpoint-url (else $LISTDROP_ENDPOINT_URL) and --region (else the AWS configuration);
    for a local endpoint, the local cloud's region and dummy credentials fill in what is not configured."""
    import boto3

    endpoint = args.endpoint_url or os.environ.get(ENDPOINT_ENV) or None
    session = boto3.session.Session(region_name=args.region)
    defaults: dict[str, str] = {}
    if is_local(endpoint):
        if session.region_name is None:
            defaults["region_name"] = LOCAL_REGION
        if session.get_credentials() is None:
            defaults.update(LOCAL_CREDENTIALS)
    return Connection(session, endpoint, defaults)
