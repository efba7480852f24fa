"""`listdrop local`: one request to the local cloud's test controls per subcommand, refused elsewhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from listdrop.cli import local as local_command
from listdrop.cli import main
from localcloud import controls

EMULATOR = {
    "provider": "ses-export",
    "service": "SES export",
    "held": True,
    "failuresQueued": 1,
    "seeds": ["messages", "metrics"],
    "jobs": [{"jobId": "job-1", "status": "PROCESSING"}],
}


class Server:
    """A stand-in endpoint: records each request and answers (status, body, with the controls' header or not)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.answer: tuple[int, dict[str, Any], bool] = (200, EMULATOR, True)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                server.requests.append((self.command, self.path, body))
                status, payload, marked = server.answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                if marked:
                    self.send_header(controls.MARKER_HEADER, "1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    endpoint = Server()
    yield endpoint
    endpoint.close()


@pytest.mark.parametrize(
    ("arguments", "request_sent"),
    [
        (["status"], ("GET", "/_listdrop/emulators", None)),
        (["hold", "ses-export"], ("POST", "/_listdrop/emulators/ses-export/hold", None)),
        (["release", "ses-export"], ("POST", "/_listdrop/emulators/ses-export/release", None)),
        (["fail-next", "mail-manager"], ("POST", "/_listdrop/emulators/mail-manager/fail-next", None)),
        (
            ["fail-next", "mail-manager", "--error", "disk full"],
            ("POST", "/_listdrop/emulators/mail-manager/fail-next", {"error": "disk full"}),
        ),
        (["reset"], ("POST", "/_listdrop/reset", None)),
        (["reset", "ses-import"], ("POST", "/_listdrop/emulators/ses-import/reset", None)),
    ],
)
def test_each_subcommand_is_one_control_request(server, capsys, arguments, request_sent):
    assert main(["local", *arguments, "--endpoint-url", server.url]) == 0
    assert server.requests == [request_sent]


def test_seed_sends_the_rows_of_the_file(server, tmp_path):
    rows = [{"date": "2026-11-01", "dimensions": {"ISP": "Gmail"}, "counts": {"SEND": 3}}]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    assert (
        main(["local", "seed", "ses-export", "metrics", str(tmp_path / "rows.json"), "--endpoint-url", server.url]) == 0
    )
    assert server.requests == [("POST", "/_listdrop/emulators/ses-export/seed/metrics", {"rows": rows})]


def test_status_prints_each_emulator_and_its_jobs(server, capsys, monkeypatch):
    server.answer = (200, {"emulators": [EMULATOR]}, True)
    monkeypatch.setenv("LISTDROP_ENDPOINT_URL", server.url)
    assert main(["local", "status"]) == 0
    assert capsys.readouterr().out == (
        "ses-export (SES export): held, next 1 job(s) will fail, seeds: messages, metrics; 1 job(s)\n"
        "  job-1  PROCESSING\n"
    )
    assert main(["local", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"emulators": [EMULATOR]}


def test_a_refusal_exits_1_with_the_local_clouds_message(server, capsys):
    server.answer = (404, {"error": "UnknownProvider", "message": "No emulator serves provider 'nope'."}, True)
    assert main(["local", "hold", "nope", "--endpoint-url", server.url]) == 1
    assert capsys.readouterr().err == "listdrop: local hold: No emulator serves provider 'nope'.\n"


@pytest.mark.parametrize("status", [404, 200])
def test_an_endpoint_that_is_not_a_local_cloud_is_refused(server, capsys, status):
    server.answer = (status, {"message": "not found"}, False)
    assert main(["local", "status", "--endpoint-url", server.url]) == 2
    err = capsys.readouterr().err
    assert f"{server.url} is not a listdrop local cloud: it answered /_listdrop/ with HTTP {status}" in err


def test_nothing_listening_exits_2(capsys):
    assert main(["local", "reset", "--endpoint-url", "http://127.0.0.1:1"]) == 2
    assert "nothing answers at http://127.0.0.1:1" in capsys.readouterr().err


def test_a_rows_file_that_is_not_json_exits_2(server, tmp_path, capsys):
    (tmp_path / "rows.json").write_text("date,count\n")
    assert (
        main(["local", "seed", "ses-export", "metrics", str(tmp_path / "rows.json"), "--endpoint-url", server.url]) == 2
    )
    assert server.requests == []


def test_the_default_endpoint_is_make_runs(monkeypatch):
    monkeypatch.delenv("LISTDROP_ENDPOINT_URL", raising=False)
    seen = []
    monkeypatch.setattr(local_command, "call", lambda endpoint, *rest: seen.append(endpoint) or {"emulators": []})
    assert main(["local", "status"]) == 0
    assert seen == ["http://127.0.0.1:4566"]


def test_the_marker_header_is_the_controls():
    assert local_command.MARKER_HEADER == controls.MARKER_HEADER
