"""A FHIR server's base URL is read through REST search with paging, against a real HTTP server on
a loopback port serving the published example Bundles, a few resources a page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import Level
from pmbridge.ingest._fhir_http import read_server
from pmbridge.ingest._fhir_source import read_fhir

PAGE = 3  # resources a page: the examples need several pages per type


class FhirServer(ThreadingHTTPServer):
    resources: list[dict[str, Any]]
    requests: list[str]
    last: FhirServer


class Handler(BaseHTTPRequestHandler):
    server: FhirServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        url = urlsplit(self.path)
        if url.path.startswith("/broken/"):
            self.send_error(500)
            return
        kind = url.path.rsplit("/", 1)[-1]
        query = parse_qs(url.query)
        page = int(query.get("page", ["0"])[0])
        matching = [r for r in self.server.resources if r["resourceType"] == kind and matches(r, query)]
        chunk = matching[page * PAGE : (page + 1) * PAGE]
        base = f"http://{self.headers['Host']}/fhir"
        links = [{"relation": "self", "url": f"{base}{self.path}"}]
        if (page + 1) * PAGE < len(matching):
            following = urlencode({**{k: v[0] for k, v in query.items()}, "page": page + 1})
            links.append({"relation": "next", "url": f"{base}/{kind}?{following}"})
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matching),
            "link": links,
            "entry": [
                {"fullUrl": f"{base}/{kind}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                for r in chunk
            ],
        }
        body = json.dumps(bundle).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def matches(resource: dict[str, Any], query: dict[str, list[str]]) -> bool:
    """The ``patient`` and ``_id`` search parameters (comma-separated ids, as FHIR ORs them)."""
    if "_id" in query and resource["id"] not in query["_id"][0].split(","):
        return False
    if "patient" in query:
        subject = resource.get("subject") or resource.get("patient") or {}
        wanted = {f"Patient/{i}" for i in query["patient"][0].split(",")}
        return subject.get("reference") in wanted
    return True


def relative(resource: dict[str, object], ids: dict[str, str]) -> dict[str, object]:
    """A Bundle's resource as a server stores it: references as ``Type/id``, not ``urn:uuid:``."""
    text = json.dumps(resource)
    for full_url, name in ids.items():
        text = text.replace(f'"{full_url}"', f'"{name}"')
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server(shared_data: Path) -> Iterator[str]:
    resources = []
    for name in ("ips/Bundle-IPS-examples-Bundle-01.json", "genomics-reporting/Bundle-bundle-cgexample.json"):
        bundle = json.loads((shared_data / "examples" / "fhir" / name).read_bytes())
        ids = {
            e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}"
            for e in bundle["entry"]
            if e["fullUrl"].startswith("urn:")
        }
        resources += [relative(e["resource"], ids) for e in bundle["entry"]]
    httpd = FhirServer(("127.0.0.1", 0), Handler)
    httpd.resources, httpd.requests = resources, []
    FhirServer.last = httpd
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_server_is_read_page_by_page_into_one_item_per_patient(server: str) -> None:
    found = {item.source.rsplit("#", 1)[1]: (item, size) for item, size in read_fhir(server + "/fhir")}
    assert set(found) == {"Patient/2b90dd2b-2dab-4c75-9bb9-a355e07401e8", "Patient/ExamplePatient"}
    ips, size = found["Patient/2b90dd2b-2dab-4c75-9bb9-a355e07401e8"]
    assert size == 0  # bytes are unknown over HTTP
    doc = json.loads(ips.raw)
    assert len(doc["measurements"]) == 6  # 6 Observations: more than one page of 3
    assert {a["treatment"]["agent"]["id"] for a in doc["medicalActions"]} == {"ATC:L02BG03", "ATC:G02CX04"}
    genomic = json.loads(found["Patient/ExamplePatient"][0].raw)
    assert genomic["interpretations"][0]["diagnosis"]["disease"]["id"] == "MONDO:0012624"
    assert not [n for n in ips.notes if n.level is Level.ERROR]


def test_paging_is_bounded(server: str) -> None:
    with pytest.raises(IngestError, match="more than 2 pages"):
        list(read_server(server + "/fhir", max_pages=2))


def test_each_type_is_searched_for_the_page_of_patients(server: str) -> None:
    log = FhirServer.last.requests
    log.clear()
    list(read_fhir(server + "/fhir"))
    searched = {urlsplit(path).path.rsplit("/", 1)[-1]: parse_qs(urlsplit(path).query) for path in log}
    assert searched["Condition"]["patient"] == ["2b90dd2b-2dab-4c75-9bb9-a355e07401e8,ExamplePatient"]
    assert set(searched["Medication"]["_id"][0].split(",")) == {
        "976d0804-cae0-45ae-afe3-a19f3ceba6bc",
        "8adc0999-9468-4ac9-9557-680fa133d626",
    }


def test_a_failing_server_is_an_ingest_error(server: str) -> None:
    with pytest.raises(IngestError, match="answered 500"):
        list(read_fhir(server + "/broken/fhir"))
