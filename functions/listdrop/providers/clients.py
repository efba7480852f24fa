"""The AWS clients a provider's factory builds its provider from (ProviderSpec.factory)."""

from __future__ import annotations

import os
from typing import Any

from botocore.config import Config

from listdrop.service_models import job_api_client

# Job APIs throttle. The SDK retries a throttled call twice, quickly; after that listdrop's own backoff takes
# over (a delayed copy of the message, or a longer wait in the workflow), so no Lambda sleeps for long.
JOB_API_CLIENT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


class Clients:
    def __init__(self, session: Any) -> None:
        self.session = session

    def job_api(self, service: str) -> Any:
        """A job API's client, built from the model that ships with the code (listdrop.service_models)."""
        return job_api_client(self.session, service, config=JOB_API_CLIENT)

    def aws(self, service: str) -> Any:
        """Any other AWS client, with the SDK's defaults."""
        return self.session.client(service)

    @staticmethod
    def environment(name: str) -> str | None:
        """A setting infra gives the starter (a ServiceRole's ARN, say); None when unset."""
        return os.environ.get(name) or None
