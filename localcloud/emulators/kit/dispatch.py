"""The one hook into moto's server through which every emulated request passes.

moto's ``DomainDispatcherApplication.get_application`` picks the WSGI app that serves a request. :func:`install`
wraps it once: the wrapper asks each registered :class:`Route` whether it serves the request (a route names its
service and the operation the request calls, from the service model: see :mod:`localcloud.emulators.kit.routes`)
and, if one does, serves it here; every other request goes to moto untouched. The patch is on moto's class, so it
reaches servers started before or after it, and apps moto built before it. A service registers a route whenever
it installs; registering again replaces its route, so the order in which emulators install does not matter.

Cross-cutting checks hook in here once, for every emulated service: a hook sees each :class:`Call` before the
service does and may answer it with an :class:`ApiError` instead (the fault injector throttles, fails and delays
requests this way; a permission check would deny them the same way).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from localcloud.emulators.kit.errors import ApiError
from localcloud.emulators.kit.protocol import Answer, Call

LOGGER = logging.getLogger(__name__)

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Hook = Callable[[Call], "ApiError | None"]
RouteMatcher = Callable[[str, str, Environ], "Match | None"]  # (method, raw path, environ)


@dataclass(frozen=True)
class Match:
    """A route's claim on a request: the operation it calls and its URI labels."""

    operation: str
    uri_params: dict[str, str]


@dataclass(frozen=True)
class Route:
    """How one emulator is reached: ``match`` claims its requests, ``serve`` answers them, and
    ``render_error`` writes a hook's error the way the service writes errors. Several emulators may serve one
    service (SES v2's import and export jobs); ``name`` tells their routes apart."""

    name: str
    service: str
    match: RouteMatcher
    serve: Callable[[Call], Answer]
    render_error: Callable[[ApiError], Answer]


_MARK = "_listdrop_emulator_kit"
_lock = threading.Lock()
_routes: dict[str, Route] = {}
_hooks: list[Hook] = []


def register(route: Route) -> None:
    """Serve the requests ``route`` claims through it from now on (replacing an earlier route of that name)."""
    with _lock:
        _routes[route.name] = route
    install()


def add_hook(hook: Hook) -> None:
    """Consult ``hook`` before every emulated request is served (once per hook, however often it is added)."""
    with _lock:
        if hook not in _hooks:
            _hooks.append(hook)


def routes() -> dict[str, Route]:
    """The registered routes by name (a copy)."""
    with _lock:
        return dict(_routes)


def install() -> None:
    """Wrap moto's dispatcher once (idempotent, also when another patch wrapped it since)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    with _lock:
        original = DomainDispatcherApplication.get_application
        if any(getattr(function, _MARK, False) for function in _chain(original)):
            return

        def get_application(self: Any, environ: Environ) -> Any:
            served = _claim(environ)
            return served if served is not None else original(self, environ)

        setattr(get_application, _MARK, True)
        get_application.__wrapped__ = original  # type: ignore[attr-defined]
        DomainDispatcherApplication.get_application = get_application  # type: ignore[method-assign]


def _chain(function: Any) -> Iterable[Any]:
    """``function`` and every function it wraps (``__wrapped__``), outermost first."""
    for _ in range(64):
        if function is None:
            return
        yield function
        function = getattr(function, "__wrapped__", None)


def _claim(environ: Environ) -> Callable[[Environ, StartResponse], list[bytes]] | None:
    """A WSGI app serving the request when a route claims it, else None (moto serves it)."""
    method = str(environ.get("REQUEST_METHOD", "GET"))
    raw_path = _raw_path(environ)
    for route in routes().values():
        match = route.match(method, raw_path, environ)
        if match is not None:
            return lambda env, start_response: _serve(route, match, env, start_response)
    return None


def _raw_path(environ: Environ) -> str:
    """The path as sent, still percent-encoded, so an encoded ``/`` inside a label stays in that label."""
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if uri:
        return str(uri).split("?", 1)[0]
    return str(environ.get("PATH_INFO", "/"))


def _serve(route: Route, match: Match, environ: Environ, start_response: StartResponse) -> list[bytes]:
    call = Call(
        service=route.service,
        operation=match.operation,
        method=str(environ.get("REQUEST_METHOD", "GET")),
        query=str(environ.get("QUERY_STRING", "")),
        headers=_headers(environ),
        body=_body(environ),
        uri_params={name: unquote(value) for name, value in match.uri_params.items()},
    )
    answer = _hooked(call, route)
    if answer is None:
        answer = route.serve(call)
    start_response(answer.status_line, list(answer.headers))
    return [answer.body]


def _hooked(call: Call, route: Route) -> Answer | None:
    with _lock:
        hooks = list(_hooks)
    for hook in hooks:
        error = hook(call)
        if error is not None:
            return route.render_error(error)
    return None


def _headers(environ: Environ) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _body(environ: Environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return bytes(environ["wsgi.input"].read(length)) if length > 0 else b""
