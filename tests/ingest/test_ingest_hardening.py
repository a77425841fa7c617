"""Hostile or broken input at ingest: empty and malformed ontology ids and over-long fields are
errors that name the record, the field and the fix; the record goes to quarantine verbatim and
nothing of it reaches the store."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from pmbridge.ingest import DEFAULT_LIMITS, IngestLimits, IngestReport, RawItem, check_item, ingest
from pmbridge.ingest._curies import LOCAL_ID_FORMS
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoIndex

GOOD: dict[str, object] = {
    "id": "pp-1",
    "subject": {"id": "s-1", "sex": "FEMALE"},
    "phenotypicFeatures": [
        {"type": {"id": "HP:0001250", "label": "Seizure"}},
        {
            "type": {"id": "HP:0001166", "label": "Arachnodactyly"},
            "onset": {"ontologyClass": {"id": "HP:0003577"}},
        },
    ],
    "diseases": [{"term": {"id": "OMIM:154700", "label": "Marfan syndrome"}}],
    "biosamples": [{"id": "b-1", "sampledTissue": {"id": "UBERON:0000178", "label": "blood"}}],
    "metaData": {"created": "2024-01-01T00:00:00Z", "createdBy": "test"},
}
CURRENT = {"HP:0001250": "HP:0001250", "HP:0001166": "HP:0001166", "HP:0003577": "HP:0003577"}


def check(doc: object, limits: IngestLimits = DEFAULT_LIMITS) -> list[tuple[str, str, str]]:
    """(level, JSON path, reason) of every problem one record gets; an error means it is refused."""
    raw = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    record, problems = check_item(
        RawItem("cases/a.json", raw),
        dataset_id="ds",
        canonical_hpo=CURRENT.get,
        hpo_release="test",
        limits=limits,
    )
    if any(p.level.value == "error" for p in problems):
        assert record is None
    return [(p.level.value, p.path, p.reason) for p in problems]


def with_change(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    doc = copy.deepcopy(GOOD)
    target: object = doc
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return doc


def test_the_good_record_passes() -> None:
    assert check(GOOD) == []


@pytest.mark.parametrize(
    ("path", "value", "where", "says"),
    [
        (("phenotypicFeatures", 0, "type", "id"), "", "$.phenotypicFeatures[0].type.id", "is empty"),
        (
            ("phenotypicFeatures", 0, "type"),
            {"label": "Seizure"},
            "$.phenotypicFeatures[0].type.id",
            "is empty",
        ),
        (
            ("phenotypicFeatures", 0, "type", "id"),
            "HP:ABC",
            "$.phenotypicFeatures[0].type.id",
            "HP: and 7 digits",
        ),
        (
            ("phenotypicFeatures", 0, "type", "id"),
            "HP:12345",
            "$.phenotypicFeatures[0].type.id",
            "HP: and 7 digits",
        ),
        (
            ("phenotypicFeatures", 0, "type", "id"),
            "hp:0001250",
            "$.phenotypicFeatures[0].type.id",
            "prefix as HP",
        ),
        (
            ("phenotypicFeatures", 0, "type", "id"),
            "Seizure",
            "$.phenotypicFeatures[0].type.id",
            "not an ontology id",
        ),
        (
            ("phenotypicFeatures", 0, "type", "id"),
            "HP: 0001250",
            "$.phenotypicFeatures[0].type.id",
            "not an ontology id",
        ),
        (
            ("phenotypicFeatures", 1, "onset", "ontologyClass", "id"),
            "HP:onset",
            "$.phenotypicFeatures[1].onset.ontologyClass.id",
            "HP: and 7 digits",
        ),
        (("diseases", 0, "term", "id"), "", "$.diseases[0].term.id", "is empty"),
        (("diseases", 0, "term", "id"), "OMIM:15470", "$.diseases[0].term.id", "OMIM: and 6 digits"),
        (("diseases", 0, "term", "id"), "MONDO:12", "$.diseases[0].term.id", "MONDO: and 7 digits"),
        (
            ("biosamples", 0, "sampledTissue", "id"),
            "UBERON:blood",
            "$.biosamples[0].sampledTissue.id",
            "UBERON:",
        ),
    ],
)
def test_an_empty_or_malformed_ontology_id_is_an_error_naming_field_and_fix(
    path: tuple[str | int, ...], value: object, where: str, says: str
) -> None:
    problems = check(with_change(path, value))
    assert [(level, at) for level, at, _ in problems] == [("error", where)]
    reason = problems[0][2]
    assert says in reason
    assert "e.g." in reason  # the fix: what a correct id looks like


def test_proto_names_are_named_as_written() -> None:
    doc = copy.deepcopy(GOOD)
    doc["phenotypic_features"] = doc.pop("phenotypicFeatures")
    doc["phenotypic_features"][0]["type"]["id"] = "HP:ABC"  # type: ignore[index]
    assert [at for _, at, _ in check(doc)] == ["$.phenotypic_features[0].type.id"]


def test_other_well_formed_ontologies_pass_the_form_check() -> None:
    """covid19.json of the examples describes phenotypes with NCIT and MONDO terms: kept, with the
    usual warning that HPO queries will not find them."""
    problems = check(with_change(("phenotypicFeatures", 0, "type", "id"), "NCIT:C76251"))
    assert [(level, at) for level, at, _ in problems] == [("warning", "$.phenotypicFeatures[0].type.id")]
    assert check(with_change(("diseases", 0, "term", "id"), "ORPHA:558")) == []
    assert check(with_change(("diseases", 0, "term", "id"), "DOID:14323")) == []  # no known form: syntax only


def test_every_bad_id_of_a_record_is_reported_at_once() -> None:
    doc = with_change(("phenotypicFeatures", 0, "type", "id"), "")
    doc["diseases"][0]["term"]["id"] = "OMIM:x"  # type: ignore[index]
    assert [at for _, at, _ in check(doc)] == ["$.phenotypicFeatures[0].type.id", "$.diseases[0].term.id"]


def test_over_long_ids_and_texts_are_errors_naming_the_field() -> None:
    limits = IngestLimits(max_id_chars=32, max_text_chars=100)
    long_id = with_change(("subject", "id"), "s" * 33)
    assert [(lv, at) for lv, at, _ in check(long_id, limits)] == [("error", "$.subject.id")]
    assert "33 characters, over the limit of 32" in check(long_id, limits)[0][2]
    long_text = with_change(("diseases", 0, "term", "label"), "Marfan " * 20)
    problems = check(long_text, limits)
    assert [(lv, at) for lv, at, _ in problems] == [("error", "$.diseases[0].term.label")]
    assert "over the limit of 100" in problems[0][2]
    escaped = with_change(("diseases", 0, "term", "label"), 'a "quoted" word ' * 10)  # the walk, not the scan
    assert [at for _, at, _ in check(escaped, limits)] == ["$.diseases[0].term.label"]
    assert check(with_change(("subject", "id"), "s" * 32), limits) == []


def test_the_default_id_limit_is_256_characters() -> None:
    assert [at for _, at, _ in check(with_change(("id",), "p" * 257))] == ["$.id"]
    assert check(with_change(("id",), "p" * 256)) == []


def test_a_record_over_the_size_cap_is_refused_before_parsing() -> None:
    raw = orjson.dumps(GOOD)
    problems = check(raw, IngestLimits(max_record_bytes=len(raw) - 1))
    assert [(lv, at) for lv, at, _ in problems] == [("error", "$")]
    assert f"{len(raw)} bytes, over the limit of {len(raw) - 1}" in problems[0][2]
    assert check(raw, IngestLimits(max_record_bytes=len(raw))) == []


def test_one_record_cannot_flood_the_report() -> None:
    doc = copy.deepcopy(GOOD)
    doc["phenotypicFeatures"] = [{"type": {"id": "HP:0001250", "label": "x" * 200}} for _ in range(50)]
    problems = check(doc, IngestLimits(max_text_chars=100))
    assert len(problems) == 11
    assert problems[-1][2] == "and 40 more fields over their size limits"


@pytest.mark.parametrize("workers", [1, 2])
def test_bad_records_go_to_quarantine_whole_and_never_reach_the_store(tmp_path: Path, workers: int) -> None:
    """Through a whole run (and through worker processes, which get the limits too)."""
    hpo = HpoIndex("test", CURRENT, pa.table({"term": list(CURRENT), "ancestor": list(CURRENT)}))
    lines = [
        GOOD,
        with_change(("id",), "pp-empty") | {"phenotypicFeatures": [{"type": {"id": ""}}]},
        with_change(("id",), "pp-abc") | {"phenotypicFeatures": [{"type": {"id": "HP:ABC"}}]},
        with_change(("id",), "x" * 40),
    ]
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"".join(orjson.dumps(doc) + b"\n" for doc in lines))
    store_path = tmp_path / "n.duckdb"
    with NodeStore.open(store_path) as store:
        report = ingest(
            [source],
            store=store,
            dataset=Dataset("ds", "ds"),
            hpo=hpo,
            quarantine_path=tmp_path / "q.jsonl",
            workers=workers,
            limits=IngestLimits(max_id_chars=32),
        )
    assert (report.loaded, report.quarantined) == (1, 3)
    errors = sorted((p.source, p.path) for p in report.errors)
    assert errors == [
        (f"{source}:2", "$.phenotypicFeatures[0].type.id"),
        (f"{source}:3", "$.phenotypicFeatures[0].type.id"),
        (f"{source}:4", "$.id"),
    ]
    kept = [orjson.loads(line) for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert [json.loads(entry["text"]) for entry in kept] == lines[1:]  # verbatim, nothing lost
    with NodeStore.open(store_path, read_only=True) as store:
        assert store.table_counts()["individuals"] == 1
    _assert_report_names_the_fix(report)


def _assert_report_names_the_fix(report: IngestReport) -> None:
    for problem in report.errors:
        assert "e.g." in problem.reason or "shorter" in problem.reason, problem


def test_docs_ingest_states_the_limits_and_id_forms_the_code_applies() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text()
    limits = text.split("## Size limits", 1)[1]
    assert f"| `max_record_bytes` | {DEFAULT_LIMITS.max_record_bytes // 2**20} MiB |" in limits
    assert f"| `max_id_chars` | {DEFAULT_LIMITS.max_id_chars} characters |" in limits
    assert f"({DEFAULT_LIMITS.max_text_chars:,} characters)" in limits
    ids = text.split("## Ontology ids", 1)[1].split("## Size limits", 1)[0]
    assert all(f"`{prefix}`" in ids for prefix in LOCAL_ID_FORMS), (
        "a prefix with a checked form is undocumented"
    )


def test_the_error_examples_in_docs_ingest_are_what_ingest_says() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text()
    for source, doc in [
        ("cases/a.json", with_change(("phenotypicFeatures", 0, "type", "id"), "HP:ABC")),
        ("cases.jsonl:7", with_change(("diseases", 0, "term", "id"), "")),
    ]:
        _, problems = check_item(
            RawItem(source, orjson.dumps(doc)), dataset_id="ds", canonical_hpo=CURRENT.get, hpo_release="t"
        )
        assert f"\n{problems[0]}\n" in text
