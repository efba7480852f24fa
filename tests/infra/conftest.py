import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def synthesize(tmp_path_factory, context=None) -> dict:
    from app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    assembly = build_app(outdir=str(outdir), context=context).synth()  # cdk-nag runs here and fails on findings
    (stack,) = assembly.stacks
    return json.loads(Path(stack.template_full_path).read_text()) | {"_path": stack.template_full_path}


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> dict:
    return synthesize(tmp_path_factory)


@pytest.fixture(scope="session")
def pinpoint_template(tmp_path_factory) -> dict:
    """Every provider enabled, those off by default too."""
    from listdrop.providers.registry import PROVIDERS

    return synthesize(tmp_path_factory, {"listdrop:enabledProviders": list(PROVIDERS)})


@pytest.fixture(scope="session")
def scoped_template(tmp_path_factory) -> dict:
    return synthesize(
        tmp_path_factory,
        {
            "listdrop:allowedContactLists": ["Newsletter", "Customers"],
            "listdrop:notificationEmails": ["ops@example.com"],
            "listdrop:operationsEmails": ["oncall@example.com"],
        },
    )


@pytest.fixture(scope="session")
def chat_template(tmp_path_factory) -> dict:
    """The chat output on: a ChatTopic of the stack (infra/constructs/chat.py)."""
    return synthesize(tmp_path_factory, {"listdrop:chatTopic": True})
