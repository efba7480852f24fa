"""What a cold start imports: each handler, in a new interpreter set up as Lambda runs it, loads no tracing SDK, no
numpy and no provider it does not use (bench/coldstart.py prints what that is worth; no test asserts a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra import constants

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PROVIDER_PACKAGES = ("ses_import", "ses_export", "mail_manager", "pinpoint_import", "customer_profiles")


def loaded_after(script: str) -> set[str]:
    """The modules loaded once `script` ran in a new interpreter that looks like a Lambda function's."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(FUNCTIONS), os.environ.get("PYTHONPATH", "")]),
        # What Powertools reads to know it runs in Lambda (its Tracer imported the X-Ray SDK only there).
        "LAMBDA_TASK_ROOT": str(FUNCTIONS),
        "AWS_LAMBDA_FUNCTION_NAME": "listdrop-test",
        "AWS_REGION": "us-east-1",
    }
    result = subprocess.run(  # our own interpreter and script
        [sys.executable, "-c", f"{script}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("handler", sorted(constants.LAMBDA_HANDLERS.values()))
def test_a_handler_imports_no_tracing_sdk_no_numpy_and_no_provider(handler: str):
    loaded = loaded_after(f"import {handler.rsplit('.', 1)[0]}")
    assert "aws_xray_sdk" not in loaded
    assert "numpy" not in loaded
    assert not {f"listdrop.providers.{package}" for package in PROVIDER_PACKAGES} & loaded


def test_the_poller_imports_no_checker():
    loaded = loaded_after("import listdrop.handlers.poller")
    assert not [name for name in loaded if name.startswith("listdrop.validation")]


def test_a_provider_is_imported_alone_when_asked_for_by_name():
    loaded = loaded_after("from listdrop.providers.registry import spec_of\nspec_of('ses-export')")
    assert [package for package in PROVIDER_PACKAGES if f"listdrop.providers.{package}" in loaded] == ["ses_export"]


def test_checking_a_small_file_imports_no_numpy():
    """Below seen.SMALL_LIMIT addresses the duplicate index is a set; numpy comes with larger files only."""
    script = (
        "import io\n"
        "from listdrop.routing import route\n"
        "from listdrop.validation import RowPolicy, check_records\n"
        "from listdrop.validation.report import ReportWriter\n"
        "from listdrop.validation.sinks import NullSink\n"
        "rows = ''.join(f'user{index}@example.com,true\\n' for index in range(5000)) + 'user7@example.com,true\\n'\n"
        "content = ('emailAddress,unsubscribeAll\\n' + rows).encode()\n"
        "result = check_records(io.BytesIO(content).read, route('imports/ses/contact-lists/L/put/a.csv'),\n"
        "    output=NullSink(), report=ReportWriter(NullSink()), policy=RowPolicy(100))\n"
        "assert (result.accepted_rows, result.duplicate_rows) == (5000, 1), result\n"
    )
    assert "numpy" not in loaded_after(script)
