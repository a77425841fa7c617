"""FHIR input a reviewer broke: a base URL with credentials and a query string, a server that
takes the connection and never answers, and where a folder's problems are said to come from."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import _fhir_http
from pmbridge.ingest._fhir_source import read_fhir
from pmbridge.ingest._report import Level

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female"}


class Recorder(ThreadingHTTPServer):
    paths: list[str]
    status: int


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        if self.server.status != 200:
            self.send_error(self.server.status)
            return
        first_page = self.path.startswith("/fhir/Patient?") and "page=" not in self.path
        entries = [{"resource": PATIENT}] if first_page else []
        links = [{"relation": "next", "url": f"http://{self.headers['Host']}/fhir/Patient?page=2"}]
        bundle = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
        body = json.dumps({**bundle, "link": links} if first_page else bundle).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    httpd = Recorder(("127.0.0.1", 0), Handler)
    httpd.paths, httpd.status = [], 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_base_url_query_goes_on_every_request_and_never_into_the_report(recorder: Recorder) -> None:
    base = f"http://user:pw@127.0.0.1:{recorder.server_address[1]}/fhir?token=SECRET"
    (item,) = [item for item, _ in read_fhir(base)]
    assert recorder.paths[0] == "/fhir/Patient?_count=50&token=SECRET"
    assert all(path.startswith("/fhir/") and path.endswith("token=SECRET") for path in recorder.paths)
    assert "/fhir/Condition?patient=p1&_count=200&token=SECRET" in recorder.paths
    assert "/fhir/Patient?page=2&token=SECRET" in recorder.paths  # a next link of the same server
    text = item.source + " ".join(n.source + n.reason for n in item.notes)
    assert "SECRET" not in text and ":pw@" not in text
    assert item.source == f"http://user:***@127.0.0.1:{recorder.server_address[1]}/fhir?token=***#Patient/p1"


def test_a_failing_server_error_names_the_url_without_its_secrets(recorder: Recorder) -> None:
    recorder.status = 401
    base = f"http://user:pw@127.0.0.1:{recorder.server_address[1]}/fhir?token=SECRET"
    with pytest.raises(IngestError, match="answered 401") as caught:
        list(read_fhir(base))
    text = f"{caught.value} {caught.value.hint}"
    assert "SECRET" not in text and ":pw@" not in text
    assert "/fhir/Patient?_count=50&token=***" in text


def test_a_silent_server_fails_soon_naming_the_url_and_the_fix(
    silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _fhir_http.CONNECT_TIMEOUT_S <= 10 and _fhir_http.READ_TIMEOUT_S <= 30  # the defaults
    monkeypatch.setattr(_fhir_http, "READ_TIMEOUT_S", 1.0)
    started = time.monotonic()
    with pytest.raises(IngestError, match="got no answer in time") as caught:
        list(read_fhir(f"http://127.0.0.1:{silent_port}/fhir?_format=json&access_token=SECRET"))
    assert time.monotonic() - started < 15
    assert f"127.0.0.1:{silent_port}/fhir/Patient?_count=50&_format=json&access_token=***" in str(
        caught.value
    )
    assert "SECRET" not in str(caught.value) and "bulk $export" in (caught.value.hint or "")


def test_a_folders_problems_name_the_file_they_came_from(tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson").write_bytes(orjson.dumps(PATIENT) + b"\n")
    dangling = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/nobody"}}
    (tmp_path / "Condition.ndjson").write_bytes(orjson.dumps(dangling) + b"\n")
    items = {item.source: item for item, _ in read_fhir(str(tmp_path))}
    assert set(items) == {
        f"{tmp_path / 'Patient.ndjson'}:1#Patient/p1",
        f"{tmp_path / 'Condition.ndjson'}:1#Patient/nobody",
    }
    (note,) = [
        n for n in items[f"{tmp_path / 'Condition.ndjson'}:1#Patient/nobody"].notes if n.level is Level.ERROR
    ]
    assert note.source.startswith(str(tmp_path / "Condition.ndjson"))


def test_different_patients_of_one_id_in_two_bundles_are_an_error(tmp_path: Path) -> None:
    same = tmp_path / "same.json"
    same.write_bytes(orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": PATIENT}, {"resource": {**PATIENT, "meta": {"versionId": "2"}}}]}))  # fmt: skip
    (item,) = [item for item, _ in read_fhir(str(same))]
    assert [n.level for n in item.notes] == [Level.WARNING]  # identical (meta aside): one person, fine
    differ = tmp_path / "differ.json"
    differ.write_bytes(orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": PATIENT}, {"resource": {**PATIENT, "gender": "male"}}]}))  # fmt: skip
    (item,) = [item for item, _ in read_fhir(str(differ))]
    assert item.notes[0].level is Level.ERROR
    assert "differ in gender" in item.notes[0].reason


def test_the_documented_timeouts_are_the_code() -> None:
    text = (Path(__file__).parents[2] / "docs" / "ingest-fhir.md").read_text()
    assert (
        f"at most {_fhir_http.CONNECT_TIMEOUT_S:.0f} seconds to connect and "
        f"{_fhir_http.READ_TIMEOUT_S:.0f} seconds for each read" in " ".join(text.split())
    )
