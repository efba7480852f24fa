"""The AWS clients a provider's factory builds its provider from (ProviderSpec.factory)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from botocore.config import Config

from listdrop.service_models import job_api_client

# Job APIs throttle. The SDK retries a throttled call twice, quickly; after that listdrop's own backoff takes
# over (a delayed copy of the message, or a longer wait in the workflow), so no Lambda sleeps for long.
JOB_API_CLIENT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


class Clients:
    def __init__(self, session: Any, settings: Mapping[str, str] | None = None) -> None:
        """`settings`: what stands in for the functions' environment outside them (the CLI reads it from the
        stack's outputs)."""
        self.session = session
        self._settings = dict(settings or {})

    def job_api(self, service: str) -> Any:
        """A job API's client, built from the model that ships with the code (listdrop.service_models)."""
        return job_api_client(self.session, service, config=JOB_API_CLIENT)

    def aws(self, service: str) -> Any:
        """Any other AWS client, with the SDK's defaults."""
        return self.session.client(service)

    def environment(self, name: str) -> str | None:
        """A setting infra gives the functions (a ServiceRole's ARN, the bucket's name); None when unset."""
        return self._settings.get(name) or os.environ.get(name) or None
