"""Ingest runs on real files and on bad input: every problem reported, good records loaded, atomic."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import IngestReport, ingest
from pmbridge.model import Dataset, IndividualQuery, PhenotypeFilter
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoIndex, load_hpo_index, locate_data_dir


@pytest.fixture(scope="module")
def hpo() -> HpoIndex:
    return load_hpo_index(locate_data_dir())


def run(paths: list[Path], store_path: Path, hpo: HpoIndex, dataset: str = "ds") -> IngestReport:
    with NodeStore.open(store_path) as store:
        return ingest(
            paths,
            store=store,
            dataset=Dataset(dataset, dataset),
            hpo=hpo,
            quarantine_path=store_path.with_suffix(".quarantine.jsonl"),
        )


def counts(store_path: Path) -> dict[str, int]:
    with NodeStore.open(store_path, read_only=True) as store:
        return store.table_counts()


EXAMPLE = "PMID_12446365_OP.json"


def example(shared_data: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((shared_data / "examples" / "phenopackets" / EXAMPLE).read_text())


@pytest.mark.slow
def test_every_development_file_ingests(shared_data: Path, tmp_path: Path, hpo: HpoIndex) -> None:
    folder = shared_data / "phenopackets-dev"
    report = run([folder], tmp_path / "n.duckdb", hpo)
    files = list(folder.rglob("*.json"))
    assert report.read == len(files) == 4844
    assert report.quarantined == 0, report.errors[:5]
    assert report.warnings  # terms newer than the release, noted and kept
    # Phenopacket ids are unique, although subject ids like "Patient 1" repeat across papers.
    assert not [p for p in report.warnings if "also appears" in p.reason]
    assert counts(tmp_path / "n.duckdb")["individuals"] == 4844
    assert report.hpo_release == "2025-01-16"


def test_every_example_file_ingests_and_again_replaces(
    shared_data: Path, tmp_path: Path, hpo: HpoIndex
) -> None:
    folder = shared_data / "examples" / "phenopackets"
    first = run([folder], tmp_path / "n.duckdb", hpo)
    assert (first.read, first.quarantined, first.replaced) == (5, 0, 0)
    before = counts(tmp_path / "n.duckdb")
    second = run([folder], tmp_path / "n.duckdb", hpo)
    assert second.replaced == 5
    assert counts(tmp_path / "n.duckdb") == before


def test_descendant_queries_work_on_ingested_data(shared_data: Path, tmp_path: Path, hpo: HpoIndex) -> None:
    run([shared_data / "examples" / "phenopackets"], tmp_path / "n.duckdb", hpo)
    with NodeStore.open(tmp_path / "n.duckdb", read_only=True) as store:
        # All (HP:0000001) includes every observed term of every individual with one.
        everyone = store.count_individuals(IndividualQuery((PhenotypeFilter("HP:0000001"),)))
        assert everyone == {"ds": 5}


def test_bad_records_are_all_reported_in_one_pass_and_good_ones_load(
    shared_data: Path, tmp_path: Path, hpo: HpoIndex
) -> None:
    good = example(shared_data)
    unknown_term = json.loads(json.dumps(good))
    unknown_term["id"] = unknown_term["subject"]["id"] = "unknown-term"
    unknown_term["phenotypicFeatures"][1]["type"]["id"] = "HP:9999999"
    wrong_type = json.loads(json.dumps(good))
    wrong_type["subject"]["id"] = "wrong-type"
    wrong_type["subject"]["sex"] = "XX"
    wrong_type["phenotypicFeatures"][0]["excluded"] = "maybe"
    no_ids = json.loads(json.dumps(good))
    no_ids["id"] = ""
    no_ids["subject"]["id"] = ""
    obsolete = json.loads(json.dumps(good))
    obsolete["id"] = obsolete["subject"]["id"] = "obsolete-term"
    obsolete["phenotypicFeatures"][0]["type"]["id"] = "HP:0001275"  # retired id of Seizure
    files = {
        "good.json": json.dumps(good).encode(),
        "truncated.json": json.dumps(good).encode()[:500],
        "unknown_term.json": json.dumps(unknown_term).encode(),
        "wrong_type.json": json.dumps(wrong_type).encode(),
        "no_ids.json": json.dumps(no_ids).encode(),
        "latin1.json": json.dumps(good, ensure_ascii=False)
        .replace('"label": "', '"label": "\u00e9', 1)
        .encode("latin-1"),
        "obsolete.json": json.dumps(obsolete).encode(),
        "array.json": b"[1, 2, 3]",
    }
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, data in files.items():
        (inputs / name).write_bytes(data)
    report = run([inputs], tmp_path / "n.duckdb", hpo)
    quarantined = {Path(p.source).name for p in report.errors}
    assert quarantined == {"truncated.json", "wrong_type.json", "no_ids.json", "latin1.json", "array.json"}
    assert report.loaded == 3 and report.quarantined == 5
    by_file = {Path(p.source).name: p for p in report.problems}
    assert by_file["unknown_term.json"].path == "$.phenotypicFeatures[1].type.id"
    assert "HP:9999999" in by_file["unknown_term.json"].reason
    assert by_file["unknown_term.json"].level.value == "warning"  # kept: real cases use newer terms
    wrong = sorted(p.path for p in report.errors if p.source.endswith("wrong_type.json"))
    assert wrong == ["$.phenotypicFeatures[0].excluded", "$.subject.sex"]
    assert by_file["obsolete.json"].level.value == "warning"
    assert "HP:0001250" in by_file["obsolete.json"].reason
    lines = [orjson.loads(line) for line in Path(report.quarantine_file or "").read_bytes().splitlines()]
    assert len(lines) == 5
    latin = next(entry for entry in lines if entry["source"].endswith("latin1.json"))
    assert "base64" in latin  # kept byte for byte
    assert counts(tmp_path / "n.duckdb")["individuals"] == 3


def test_the_same_individual_twice_in_one_run_is_loaded_once_with_a_warning(
    shared_data: Path, tmp_path: Path, hpo: HpoIndex
) -> None:
    line = json.dumps(example(shared_data))
    (tmp_path / "twice.jsonl").write_text(f"{line}\n\n{line}\n")
    report = run([tmp_path / "twice.jsonl"], tmp_path / "n.duckdb", hpo)
    assert report.loaded == 2 and report.quarantined == 0
    assert [p.source.rsplit(":", 1)[1] for p in report.warnings] == ["3"]
    assert counts(tmp_path / "n.duckdb")["individuals"] == 1


def test_a_50_mb_single_file_loads(shared_data: Path, tmp_path: Path, hpo: HpoIndex) -> None:
    doc = example(shared_data)
    terms = ["HP:0001166", "HP:0001250", "HP:0000098", "HP:0001083"]
    feature_size = len(orjson.dumps({"type": {"id": terms[0], "label": "x" * 40}})) + 1
    n = 50_000_000 // feature_size
    doc["phenotypicFeatures"] = [{"type": {"id": terms[i % 4], "label": "x" * 40}} for i in range(n)]
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps(doc))
    assert path.stat().st_size >= 50_000_000
    report = run([path], tmp_path / "n.duckdb", hpo)
    assert report.quarantined == 0
    assert counts(tmp_path / "n.duckdb")["phenotypes"] == n


def test_missing_inputs_fail_before_anything_is_written(tmp_path: Path, hpo: HpoIndex) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        run([tmp_path / "absent.json"], tmp_path / "n.duckdb", hpo)
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="no .json"):
        run([tmp_path / "empty"], tmp_path / "n.duckdb", hpo)


def test_parallel_checking_stores_exactly_what_a_single_process_stores(
    shared_data: Path, tmp_path: Path, hpo: HpoIndex
) -> None:
    files = sorted((shared_data / "phenopackets-dev").rglob("*.json"))[:900]
    lines = [orjson.dumps(orjson.loads(p.read_bytes())) for p in files]
    lines += lines[:50]  # the same individuals again, later in the input
    lines.insert(300, b"{broken")
    source = tmp_path / "many.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    contents = []
    for workers in (1, 3):
        path = tmp_path / f"w{workers}.duckdb"
        with NodeStore.open(path) as store:
            report = ingest(
                [source],
                store=store,
                dataset=Dataset("ds", "ds"),
                hpo=hpo,
                quarantine_path=tmp_path / f"q{workers}.jsonl",
                workers=workers,
                batch_size=400,
            )
            tables = {
                t: store.connection.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("individuals", "phenotypes", "variants", "diseases")
            }
        contents.append((report.to_dict() | {"seconds": 0, "quarantineFile": None}, tables))
    assert contents[0] == contents[1]
    assert contents[0][0]["quarantined"] == 1
