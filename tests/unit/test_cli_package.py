"""The `listdrop` command is a package of its own, left out of the function asset (infra/constructs/function.py):
nothing the Lambda functions run may import it."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from infra import constants

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PACKAGE = FUNCTIONS / "listdrop"


def test_importing_the_handlers_loads_no_cli_module():
    """What a cold start imports: the handlers' modules and everything they import at module level."""
    handlers = sorted({handler.rsplit(".", 1)[0] for handler in constants.LAMBDA_HANDLERS.values()})
    script = (
        "import importlib, json, sys\n"
        f"for name in {handlers!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FUNCTIONS), os.environ.get("PYTHONPATH", "")])}
    environment.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True, timeout=120
    )
    loaded = json.loads(result.stdout)
    assert set(handlers) <= set(loaded)
    assert [name for name in loaded if name.startswith("listdrop.")], "the handlers imported no listdrop module?"
    assert not [name for name in loaded if name == "listdrop.cli" or name.startswith("listdrop.cli.")]


def test_no_module_outside_the_cli_imports_it():
    """Imports inside functions too (a provider or the registry may import lazily), which a cold start does not run."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "cli") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            if any(name == "listdrop.cli" or name.startswith("listdrop.cli.") for name in names):
                offenders.append(f"{path.relative_to(FUNCTIONS)}:{node.lineno}")
    assert offenders == []
