"""Copy the pinned botocore's models of the job APIs into functions/aws-models (`make models`).

Run it after a botocore bump in requirements.txt: the Lambda functions load these files instead of the
runtime's (see functions/listdrop/service_models.py), and tests/unit/test_service_models.py fails until the
copies are byte-identical to the installed, pinned botocore's.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import botocore
from botocore.loaders import Loader

from listdrop.service_models import MODELS_DIR, api_versions

API_VERSIONS = api_versions()  # every provider's job API and the version of its shipped model

SOURCE_NOTE = "SOURCE.txt"


def refresh(target: Path = MODELS_DIR) -> list[Path]:
    """Replace `target` with the pinned botocore's folder of each job API at its pinned API version."""
    builtin = Path(Loader.BUILTIN_DATA_PATH)
    missing = [f"{s}/{v}" for s, v in API_VERSIONS.items() if not (builtin / s / v).is_dir()]
    if missing:
        raise SystemExit(
            f"botocore {botocore.__version__} has no {', '.join(missing)}: update its provider's api_version"
        )
    if target.exists():
        shutil.rmtree(target)
    copied = []
    for service, version in sorted(API_VERSIONS.items()):
        copied.append(Path(shutil.copytree(builtin / service / version, target / service / version)))
    (target / SOURCE_NOTE).write_text(
        f"Copied from botocore {botocore.__version__} by `make models` (tools/refresh_service_models.py).\n"
        "Do not edit: tests hold these files byte-identical to the pinned botocore's.\n"
    )
    return copied


if __name__ == "__main__":
    for folder in refresh():
        sys.stdout.write(f"{folder.relative_to(MODELS_DIR.parent)}\n")
