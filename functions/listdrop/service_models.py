"""The AWS service models on listdrop's data path, pinned to the ones the tests ran with.

In AWS the functions import boto3 and botocore from the Lambda runtime, whose version is not the one
`requirements.txt` pins and changes without notice. What listdrop depends on most are the job APIs' models:
the clients are built from them, the export-request checker enforces SES's CreateExportJob rules from the
`sesv2` model, and the endpoint checker takes Pinpoint's attribute names and channel types from the `pinpoint`
model. So the pinned botocore's models of those APIs ship with the code, in `functions/aws-models/`
(`make models` copies them; a test holds them byte-identical to the pinned botocore's), and the functions'
environment sets AWS_DATA_PATH to that folder.

botocore searches AWS_DATA_PATH's folders first, then ~/.aws/models, then its own data folder, and loads the
first file found (botocore/loaders.py: `create_loader`, `Loader.search_paths`, `load_data_with_path`,
https://github.com/boto/botocore/blob/develop/botocore/loaders.py). Without an API version, though, it takes
the newest version found on *any* path, which could be the runtime's; every client and model here therefore
names its API version, so the shipped files win.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import ServiceModel

# The folder's name inside the function asset (the asset is functions/, unpacked at /var/task in AWS).
MODELS_FOLDER = "aws-models"
# Where it is here: beside the package in the repository (an editable install too), as in the asset; inside the
# package in an installed wheel, which has no place beside it (pyproject.toml maps functions/aws-models there).
WHEEL_MODELS_FOLDER = "_aws_models"
_BESIDE = Path(__file__).resolve().parents[1] / MODELS_FOLDER
MODELS_DIR = _BESIDE if _BESIDE.is_dir() else Path(__file__).resolve().parent / WHEEL_MODELS_FOLDER


def api_versions() -> dict[str, str]:
    """The job APIs listdrop calls, at the API version of their shipped model: what each provider's spec
    declares (ProviderSpec.api_version)."""
    # The registry imports the providers, whose clients come from here: read it when called, not at import.
    from listdrop.providers.registry import SPECS

    return {spec.service: spec.api_version for spec in SPECS}


def api_version(service: str) -> str:
    try:
        return api_versions()[service]
    except KeyError:
        raise ValueError(f"no provider declares the {service!r} API; its spec names the API version") from None


def service_model(service: str) -> ServiceModel:
    """A job API's model, loaded the way botocore loads it for a client (AWS_DATA_PATH first)."""
    return botocore.session.get_session().get_service_model(service, api_version=api_version(service))


def job_api_client(session: Any, service: str, **options: Any) -> Any:
    """A boto3 client of a job API, built from the shipped model (see the module's docstring)."""
    return session.client(service, api_version=api_version(service), **options)
