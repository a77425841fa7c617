"""Record pages read from the store: plain rows that the node turns into Beacon records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pmbridge.store._compile import CompiledQuery
from pmbridge.store._engine import Engine
from pmbridge.store._entries import page_of
from pmbridge.store._query import EntryQuery


@dataclass(frozen=True, slots=True)
class FeatureRow:
    term: str
    excluded: bool
    onset: str | None


@dataclass(frozen=True, slots=True)
class DiseaseRow:
    term: str
    label: str | None
    excluded: bool


@dataclass(frozen=True, slots=True)
class IndividualRow:
    id: str
    sex: str
    age_years: float | None
    country: str | None
    features: tuple[FeatureRow, ...]
    diseases: tuple[DiseaseRow, ...]


@dataclass(frozen=True, slots=True)
class BiosampleRow:
    id: str
    individual_id: str
    material_type: str | None
    tissue: str | None
    collection_date: date | None


@dataclass(frozen=True, slots=True)
class CarrierRow:
    """One individual carrying a variant: the case-level data."""

    individual_id: str
    zygosity: str
    interpretation: str


@dataclass(frozen=True, slots=True)
class VariantRow:
    """A variant (canonical assembly and chromosome, VCF position) with up to a page of carriers."""

    assembly: str
    chromosome: str
    position: int
    reference: str
    alternate: str
    genes: tuple[str, ...]
    hgvs: tuple[str, ...]
    carrier_count: int
    carriers: tuple[CarrierRow, ...]


Row = IndividualRow | BiosampleRow | VariantRow


def read_page(engine: Engine, query: EntryQuery, *, dataset: str) -> list[Row]:
    """One page of ``dataset``'s records for ``query`` (individuals, biosamples or g_variants)."""
    compiled = page_of(query, dataset=dataset)
    rows = engine.rows(compiled)
    if query.entry == "biosamples":
        return [BiosampleRow(str(r[0]), str(r[1]), r[2], r[3], r[4]) for r in rows]
    if query.entry == "g_variants":
        return [
            VariantRow(
                assembly=str(r[0]),
                chromosome=str(r[1]),
                position=int(r[2]),
                reference=str(r[3]),
                alternate=str(r[4]),
                genes=tuple(sorted(r[5] or ())),
                hgvs=tuple(sorted(r[6] or ())),
                carrier_count=int(r[7]),
                carriers=tuple(
                    CarrierRow(str(c["individual"]), str(c["zygosity"]), str(c["interpretation"]))
                    for c in r[8]
                ),
            )
            for r in rows
        ]
    return _individuals(engine, rows)


def _individuals(engine: Engine, rows: list[tuple[object, ...]]) -> list[Row]:
    inds = [r[0] for r in rows]
    features: dict[object, list[FeatureRow]] = {ind: [] for ind in inds}
    diseases: dict[object, list[DiseaseRow]] = {ind: [] for ind in inds}
    if inds:
        # A page is at most a few hundred people: one placeholder each reads the same on every engine.
        picked = f"ind IN ({', '.join('?' for _ in inds)})"
        for ind, term, excluded, onset in engine.rows(
            CompiledQuery(
                f"SELECT ind, term, excluded, onset FROM phenotypes WHERE {picked} ORDER BY ind, term",
                tuple(inds),
            )
        ):
            features[ind].append(FeatureRow(str(term), bool(excluded), onset))
        for ind, term, label, excluded in engine.rows(
            CompiledQuery(
                f"SELECT ind, term, label, excluded FROM diseases WHERE {picked} ORDER BY ind, term",
                tuple(inds),
            )
        ):
            diseases[ind].append(DiseaseRow(str(term), label, bool(excluded)))
    return [
        IndividualRow(
            id=str(r[1]),
            sex=str(r[2]),
            age_years=None if r[3] is None else float(str(r[3])),
            country=None if r[4] is None else str(r[4]),
            features=tuple(features[r[0]]),
            diseases=tuple(diseases[r[0]]),
        )
        for r in rows
    ]
