"""Which requests a service claims, read from its botocore model: nothing here names a service.

- :class:`RestRoutes` (rest-json, rest-xml): the HTTP method and ``requestUri`` of each served operation, as
  werkzeug rules; a request signed for another service (``Credential=<key>/<date>/<region>/<service>/...``) is not
  claimed, so another service using the same path (an S3 bucket named ``v2``) still reaches moto.
- :class:`TargetRoutes` (json): ``X-Amz-Target: <targetPrefix>.<Operation>``. Every operation of the prefix is
  claimed, served or not, so an operation the emulator lacks gets a clear error instead of reaching another app.

:func:`moto_lacks` lets a service serve an operation only while moto has no handler for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from botocore.model import ServiceModel
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from localcloud.emulators.kit.dispatch import Environ, Match

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")
_SIGNED_FOR = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/")


class RestRoutes:
    """The served operations of a rest protocol service, matched on method and path."""

    def __init__(self, model: ServiceModel, operations: Iterable[str]) -> None:
        self._signing_name = str(model.signing_name)
        self._labels: dict[str, dict[str, str]] = {}  # operation -> werkzeug variable -> model label
        rules = [self._rule(model, name) for name in operations]
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)

    def _rule(self, model: ServiceModel, operation: str) -> Rule:
        http = model.operation_model(operation).http
        labels: dict[str, str] = {}

        def variable(match: re.Match[str]) -> str:
            name = f"v{len(labels)}"
            labels[name] = match.group(1)
            return f"<path:{name}>" if match.group(2) else f"<{name}>"

        path = _LABEL.sub(variable, str(http["requestUri"]).split("?", 1)[0])
        self._labels[operation] = labels
        return Rule(path, endpoint=operation, methods=[str(http["method"])])

    def __call__(self, method: str, raw_path: str, environ: Environ) -> Match | None:
        signed_for = _SIGNED_FOR.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        if signed_for and signed_for.group(1) != self._signing_name:
            return None
        try:
            operation, arguments = self._map.bind("localhost").match(raw_path, method=method)
        except HTTPException:
            return None
        labels = self._labels[operation]
        return Match(operation, {labels[name]: str(value) for name, value in arguments.items()})


class TargetRoutes:
    """Every operation of a json protocol service, matched on ``X-Amz-Target``."""

    def __init__(self, model: ServiceModel) -> None:
        self._prefix = f"{model.metadata['targetPrefix']}."

    def __call__(self, method: str, raw_path: str, environ: Environ) -> Match | None:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(self._prefix):
            return None
        return Match(target.removeprefix(self._prefix), {})


def moto_lacks(response_class: Any, operation: str) -> bool:
    """Whether moto's response class has no handler for ``operation`` (the method its ``call_action`` looks up)."""
    from moto.core.utils import camelcase_to_underscores

    return getattr(response_class, camelcase_to_underscores(operation), None) is None
