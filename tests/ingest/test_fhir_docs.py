"""docs/ingest-fhir.md stays true: its tables name exactly what the mapping code handles."""

from __future__ import annotations

import re
from pathlib import Path

from pmbridge.ingest import _fhir_genomics as genomics
from pmbridge.ingest._fhir_codes import _SYSTEMS, EXT
from pmbridge.ingest._fhir_group import REFERENCE_ONLY
from pmbridge.ingest._fhir_http import MAX_PAGES, PAGE_SIZE, PATIENTS_PER_PAGE, TIME_LIMIT_S
from pmbridge.ingest._fhir_map import MAPPED

PAGE = Path(__file__).resolve().parents[2] / "docs" / "ingest-fhir.md"


def table(heading: str) -> list[list[str]]:
    """The rows of the first table after the line starting with ``heading``, as cells."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows, seen = [], False
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            seen = True
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif seen:
            break
    return rows[1:]  # without the header


def test_the_mapping_table_covers_every_mapped_resource_type_and_no_other() -> None:
    types = {re.match(r"`(\w+)", row[0]).group(1) for row in table("## Mapping")}  # type: ignore[union-attr]
    assert set(MAPPED) <= types
    assert types - set(MAPPED) <= REFERENCE_ONLY


def test_the_code_system_table_is_the_code() -> None:
    rows = table("Codes become CURIEs")
    documented = [
        (row[1].strip("`"), row[0].strip("`"), tuple(re.findall(r"`([^`]+)`", row[2]))) for row in rows
    ]
    assert documented == list(_SYSTEMS)


def test_every_extension_is_documented_and_no_other() -> None:
    names = {row[0].strip("`") for row in table("## PM Bridge extensions")}
    assert names == set(EXT)
    prefix = {url.rsplit("/", 1)[0] + "/" for url in EXT.values()}
    assert len(prefix) == 1
    assert prefix.pop() in PAGE.read_text()


def test_every_variant_component_is_documented() -> None:
    text = " ".join(row[0] for row in table("A variant's fields come from its components"))
    names = ("GENE", "C_HGVS", "P_HGVS", "G_HGVS", "REF_SEQ", "START_END", "COORDINATES", "REF_ALLELE")
    codes = {
        getattr(genomics, name) for name in (*names, "ALT_ALLELE", "ALLELIC_STATE", "CHROMOSOME", "ASSEMBLY")
    }
    assert {code for code in codes if f"`{code}`" not in text} == set()
    for loinc in (*genomics._GENO_BY_LOINC, *genomics._ASSEMBLY_BY_LOINC):
        assert f"`{loinc}`" in text


def test_the_server_bounds_are_the_code() -> None:
    text = PAGE.read_text()
    assert f"at most\n{MAX_PAGES:,} pages of {PAGE_SIZE} resources" in text
    assert f"{TIME_LIMIT_S:,.0f} seconds (`TIME_LIMIT_S`)" in text
    assert (
        f"a page of {PATIENTS_PER_PAGE} patients at a time (`GET [base]/Patient?_count={PATIENTS_PER_PAGE}`)"
        in text
    )
