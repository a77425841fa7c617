"""OMOP conditions and observations coded in SNOMED CT reach the HPO through the ``xref:
SNOMEDCT_US:…`` lines of the reference data's own ``hp.obo``; a code that several HPO terms
cross-reference is ambiguous, not used, and reported once.

The SNOMED CT codes are real cross-references of ../shared/data/hpo/hp.obo (release 2025-01-16);
``test_the_chosen_codes_are_what_hp_obo_says`` fails first if a new release changes them.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from pmbridge.ingest import ingest
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._report import IngestReport, Level
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoXrefs, load_hpo_index, locate_data_dir, read_hpo_xrefs

SEIZURE = "91175000"  # SNOMEDCT_US:91175000 → HP:0001250 Seizure only
DEVELOPMENTAL_DELAY = "224958001"  # → HP:0001263 Global developmental delay only
ARACHNODACTYLY_OR_TALL = "62250003"  # → HP:0001166 Arachnodactyly and HP:0001519: ambiguous
SEIZURE_TOO = "128613002"  # → HP:0001250 only, but the site maps it to Focal-onset seizure
ESSENTIAL_HYPERTENSION = "59621000"  # in no xref of hp.obo


Rows = Sequence[Mapping[str, object]]


def write_cdm(folder: Path, tables: Mapping[str, Rows]) -> Path:
    folder.mkdir(parents=True)
    for table, rows in tables.items():
        columns = list(dict.fromkeys(key for row in rows for key in row))
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def condition(row_id: int, person: int, concept: int, value: str = "") -> dict[str, object]:
    return {
        "condition_occurrence_id": row_id, "person_id": person, "condition_concept_id": concept,
        "condition_start_date": "2020-01-01", "condition_source_value": value,
    }  # fmt: skip


@pytest.fixture(scope="module")
def obo() -> Path:
    path = locate_data_dir().path / "hpo" / "hp.obo"
    assert path.is_file(), f"{path} is missing; the tests read the real HPO release"
    return path


@pytest.fixture(scope="module")
def xrefs(obo: Path) -> HpoXrefs:
    return read_hpo_xrefs(obo)


def test_the_chosen_codes_are_what_hp_obo_says(xrefs: HpoXrefs) -> None:
    assert xrefs.hpo_terms(f"SNOMEDCT_US:{SEIZURE}") == ("HP:0001250",)
    assert xrefs.hpo_terms(f"SNOMEDCT_US:{DEVELOPMENTAL_DELAY}") == ("HP:0001263",)
    assert xrefs.hpo_terms(f"SNOMEDCT_US:{ARACHNODACTYLY_OR_TALL}") == ("HP:0001166", "HP:0001519")
    assert xrefs.hpo_terms(f"SNOMEDCT_US:{SEIZURE_TOO}") == ("HP:0001250",)
    assert xrefs.hpo_terms(f"SNOMEDCT_US:{ESSENTIAL_HYPERTENSION}") == ()
    assert xrefs.names["HP:0001263"] == "Global developmental delay"


def test_the_regex_reader_agrees_with_a_stanza_by_stanza_reading(obo: Path, xrefs: HpoXrefs) -> None:
    """Oracle: a plain reading of every [Term] stanza gives the same SNOMED CT cross-references."""
    expected: dict[str, set[str]] = defaultdict(set)
    for stanza in obo.read_text(encoding="utf-8").split("\n\n"):
        if not stanza.startswith("[Term]") or "\nis_obsolete: true" in stanza:
            continue
        term = re.search(r"^id: (\S+)", stanza, re.MULTILINE)
        assert term is not None
        for code in re.findall(r"^xref: (SNOMEDCT_US:\S+)", stanza, re.MULTILINE):
            expected[code].add(term.group(1))
    found = {k: set(v) for k, v in xrefs.terms_of.items() if k.startswith("SNOMEDCT_US:")}
    assert found == expected
    assert len(found) > 4_000  # the 2025-01-16 release: 4,395 codes, 211 of them ambiguous


def test_obsolete_terms_and_trailing_qualifiers(tmp_path: Path) -> None:
    obo = tmp_path / "hp.obo"
    obo.write_text(
        "format-version: 1.2\ndata-version: hp/releases/2099-01-01\n\n"
        "[Term]\nid: HP:0000001\nname: One\nxref: SNOMEDCT_US:1 {source=x}\nxref: SNOMED_CT:2\n\n"
        "[Term]\nid: HP:0000002\nname: Gone\nxref: SNOMEDCT_US:1\nis_obsolete: true\n\n"
        "[Typedef]\nid: part_of\nxref: BFO:0000050\n",
        encoding="utf-8",
    )
    found = read_hpo_xrefs(obo)
    assert found.release == "2099-01-01"
    assert dict(found.terms_of) == {"SNOMEDCT_US:1": ("HP:0000001",), "SNOMED_CT:2": ("HP:0000001",)}


@pytest.fixture
def cdm(tmp_path: Path) -> Path:
    concepts = [
        (10, "Seizure", "SNOMED", SEIZURE),
        (20, "Developmental delay", "SNOMED", DEVELOPMENTAL_DELAY),
        (30, "Arachnodactyly", "SNOMED", ARACHNODACTYLY_OR_TALL),
        (40, "Epileptic seizure", "SNOMED", SEIZURE_TOO),
        (41, "Focal-onset seizure", "HPO", "HP:0007359"),
        (50, "Essential hypertension", "SNOMED", ESSENTIAL_HYPERTENSION),
    ]
    persons = [
        {"person_id": 1, "gender_concept_id": 8532, "year_of_birth": 2000, "person_source_value": "case-1"},
        {"person_id": 2, "gender_concept_id": 8507, "year_of_birth": 1990, "person_source_value": "case-2"},
        {"person_id": 3, "gender_concept_id": 8532, "year_of_birth": 2010, "person_source_value": "case-3"},
    ]
    return write_cdm(
        tmp_path / "cdm",
        {
            "person": persons,
            "concept": [
                dict(zip(("concept_id", "concept_name", "vocabulary_id", "concept_code"), c, strict=True))
                for c in concepts
            ],
            "concept_relationship": [
                {"concept_id_1": 40, "concept_id_2": 41, "relationship_id": "Maps to"},
            ],
            "condition_occurrence": [
                condition(1, 1, 10),  # SNOMED → Seizure through hp.obo
                condition(2, 1, 30),  # ambiguous: three rows of three people, one warning
                condition(3, 2, 30),
                condition(4, 3, 30),
                condition(5, 2, 40),  # the site's 'Maps to' comes before hp.obo
                condition(6, 3, 0, f"SNOMEDCT_US:{DEVELOPMENTAL_DELAY}"),  # a CURIE source value
                condition(7, 3, 50),  # no cross-reference: unmapped as before
            ],
            "observation": [
                {"observation_id": 1, "person_id": 2, "observation_concept_id": 20,
                 "observation_date": "2020-01-01"},
            ],
        },
    )  # fmt: skip


def test_read_omop_bridges_snomed_to_hpo(cdm: Path) -> None:
    one, two, three = (json.loads(item.raw) for item, _ in read_omop(str(cdm)))
    assert one["phenotypicFeatures"] == [{"type": {"id": "HP:0001250", "label": "Seizure"}}]
    assert two["phenotypicFeatures"] == [
        {"type": {"id": "HP:0007359", "label": "Focal-onset seizure"}},
        {"type": {"id": "HP:0001263", "label": "Global developmental delay"}},
    ]
    assert three["phenotypicFeatures"] == [
        {"type": {"id": "HP:0001263", "label": "Global developmental delay"}}
    ]


def test_an_ambiguous_code_is_reported_once_and_the_rest_stored(cdm: Path, tmp_path: Path) -> None:
    report = _ingest(cdm, tmp_path / "node.duckdb")
    assert (report.loaded, report.quarantined, report.errors) == (3, 0, [])
    ambiguous = [w for w in report.warnings if "ambiguous" in w.reason]
    assert len(ambiguous) == 1
    (warning,) = ambiguous
    assert warning.level is Level.WARNING
    assert warning.path == "condition_occurrence.condition_concept_id"
    assert warning.reason.startswith(
        f"concept 30 (SNOMED {ARACHNODACTYLY_OR_TALL} 'Arachnodactyly') is ambiguous "
        f"(SNOMED:{ARACHNODACTYLY_OR_TALL} is a cross-reference of 2 HPO terms in HPO 2025-01-16: "
        "HP:0001166 'Arachnodactyly' and HP:0001519 'Disproportionate tall stature'): "
        "3 rows of 3 persons not loaded; map it to the one HPO term"
    )
    unmapped = [w for w in report.warnings if ESSENTIAL_HYPERTENSION in w.reason]
    assert len(unmapped) == 1
    assert "has no mapping: 1 row of 1 person not loaded" in unmapped[0].reason
    assert len(report.warnings) == 2
    with NodeStore.open(tmp_path / "node.duckdb", read_only=True) as store:
        stored = store.connection.execute(
            "SELECT i.id, p.term, p.excluded FROM phenotypes p JOIN individuals i ON i.ind = p.ind "
            "ORDER BY i.id, p.term"
        ).fetchall()
    assert stored == [
        ("case-1", "HP:0001250", False),
        ("case-2", "HP:0001263", False),
        ("case-2", "HP:0007359", False),
        ("case-3", "HP:0001263", False),
    ]


def _ingest(folder: Path, store_path: Path) -> IngestReport:
    with NodeStore.open(store_path) as store:
        return ingest(
            [folder],
            store=store,
            dataset=Dataset("snomed", "snomed"),
            hpo=load_hpo_index(locate_data_dir()),
            quarantine_path=store_path.with_suffix(".quarantine.jsonl"),
            workers=1,
        )
