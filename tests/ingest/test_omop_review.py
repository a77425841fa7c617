"""OMOP input a reviewer broke: one person_source_value on two people, a person_id that is no
integer, dates that are no dates on rows that decide no age, and connection URLs with secrets."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import _omop_postgres
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._redact import redact
from pmbridge.ingest._report import Level

from .test_omop_mapping import CONCEPTS, PERSONS, condition, doc, read, write_cdm

VISIT = {"visit_occurrence_id": 1, "person_id": 1, "visit_start_date": "2020-09-15"}


def errors(folder: Path) -> list[tuple[str, str, str]]:
    return [
        (n.source, n.path, n.reason) for item in read(folder) for n in item.notes if n.level is Level.ERROR
    ]


def test_two_people_with_one_person_source_value_are_not_merged(tmp_path: Path) -> None:
    twin = {**PERSONS[1], "person_id": 7, "person_source_value": "case-1"}
    folder = write_cdm(tmp_path / "cdm", {"person": [*PERSONS, twin], "concept": CONCEPTS})
    first, second, third = read(folder)
    assert doc(first)["id"] == doc(third)["id"] == "case-1"
    assert not [n for n in first.notes if n.level is Level.ERROR]  # the first loads
    (note,) = [n for n in third.notes if n.level is Level.ERROR]
    assert "person_id 7" in note.reason and "person_id 1" in note.reason
    assert "person.csv" in note.reason and note.path == "person.person_source_value"
    assert not [n for n in second.notes if n.level is Level.ERROR]


def test_a_person_id_that_is_no_integer_quarantines_its_rows(tmp_path: Path) -> None:
    rows = [condition(1, 1, 200), {**condition(2, 1, 200), "person_id": "abc"}]
    folder = write_cdm(
        tmp_path / "cdm", {"person": PERSONS, "concept": CONCEPTS, "condition_occurrence": rows}
    )
    items = read(folder)  # no DuckDB "Conversion Error": the bad rows are one quarantined item
    assert [doc(i)["id"] for i in items[:2]] == ["case-1", "case-2"]
    (note,) = [n for n in items[2].notes if n.level is Level.ERROR]
    assert "'abc' is not an integer" in note.reason
    assert "condition_occurrence.csv condition_occurrence_id=2" in note.reason
    assert len(doc(items[0]).get("phenotypicFeatures", [])) == 1


@pytest.mark.parametrize("day", ["2025-02-31", "31.02.2025"])
def test_a_condition_date_that_is_no_date_is_an_error_even_with_visits(tmp_path: Path, day: str) -> None:
    tables = {
        "person": PERSONS[:1],
        "concept": CONCEPTS,
        "condition_occurrence": [condition(17, 1, 200, day=day)],
        "visit_occurrence": [VISIT],
        "death": [{"person_id": 1, "death_date": "2030-13-01"}],
    }
    found = errors(write_cdm(tmp_path / "cdm", tables))
    paths = {path: reason for _, path, reason in found}
    assert paths["condition_occurrence[condition_occurrence_id=17].condition_start_date"] == (
        f"{day!r} is not a date; write it as YYYY-MM-DD"
    )
    assert "death[death_id=].death_date" in paths or any(p.endswith(".death_date") for p in paths)


def test_redaction_hides_passwords_tokens_and_keys() -> None:
    assert (
        redact("postgresql://steward@host/omop?password=S3cretPW")
        == "postgresql://steward@host/omop?password=***"
    )
    assert redact("postgresql://u:p@ss@host/omop") == "postgresql://u:***@host/omop"
    url = "http://user:pw@host/fhir?token=SECRET&_count=5&API_KEY=k&client_secret=c&Sig=s"
    assert redact(url) == "http://user:***@host/fhir?token=***&_count=5&API_KEY=***&client_secret=***&Sig=***"
    assert redact("/data/omop export") == "/data/omop export"


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql://steward@127.0.0.1:{port}/omop?password=S3cretPW&connect_timeout=2", "S3cretPW"),
        ("postgresql://u:p@ss@127.0.0.1:{port}/omop?connect_timeout=2", "ss@"),
    ],
)
def test_no_secret_of_a_database_url_is_in_an_error(url: str, secret: str) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(IngestError) as caught:
        list(read_omop(url.format(port=port)))
    text = f"{caught.value} {caught.value.hint}"
    assert secret not in text and "S3cret" not in text
    assert "***" in text


def test_a_database_that_never_answers_times_out(silent_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _omop_postgres.CONNECTION_DEFAULTS["connect_timeout"] == 15  # the documented default
    defaults = {**_omop_postgres.CONNECTION_DEFAULTS, "connect_timeout": 2}  # libpq's least
    monkeypatch.setattr(_omop_postgres, "CONNECTION_DEFAULTS", defaults)
    started = time.monotonic()
    with pytest.raises(IngestError, match="cannot connect to the OMOP database") as caught:
        list(read_omop(f"postgresql://steward:pw@127.0.0.1:{silent_port}/omop"))
    assert time.monotonic() - started < 20
    assert "steward:***@" in str(caught.value)


def test_the_documented_connection_defaults_are_the_code() -> None:
    text = " ".join((Path(__file__).parents[2] / "docs" / "ingest.md").read_text().split())
    defaults = _omop_postgres.CONNECTION_DEFAULTS
    assert f"`connect_timeout={defaults['connect_timeout']}`" in text
    for name in ("keepalives_idle", "keepalives_interval", "keepalives_count"):
        assert f"`{name}={defaults[name]}`" in text
    assert "`statement_timeout` of 1 hour" in text and _omop_postgres.STATEMENT_TIMEOUT == "1h"
