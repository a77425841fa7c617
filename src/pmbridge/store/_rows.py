"""Patient records to column-oriented Arrow tables, one per store table, for bulk loads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pmbridge.model import PatientRecord

_STR = pa.string()
RECORD = "record"
"""``variants.origin`` of a call that came with a person's clinical record (a phenopacket)."""
VCF_ORIGIN = "vcf"
"""``variants.origin`` of a call read from a VCF: it outlives a re-ingest of the clinical record."""
_STRS = pa.list_(pa.string())

SCHEMAS: dict[str, pa.Schema] = {
    "individuals": pa.schema(
        [
            ("ind", pa.int64()),
            ("id", _STR),
            ("dataset_id", _STR),
            ("sex", _STR),
            ("age_years", pa.float64()),
            ("year_of_birth", pa.int32()),
            ("country", _STR),
        ]
    ),
    "phenotypes": pa.schema([("ind", pa.int64()), ("term", _STR), ("excluded", pa.bool_()), ("onset", _STR)]),
    "diseases": pa.schema([("ind", pa.int64()), ("term", _STR), ("label", _STR), ("excluded", pa.bool_())]),
    "variants": pa.schema(
        [
            ("ind", pa.int64()),
            ("assembly", _STR),
            ("chromosome", _STR),
            ("position", pa.int64()),
            ("reference", _STR),
            ("alternate", _STR),
            ("gene", _STR),
            ("hgvs", _STRS),
            ("zygosity", _STR),
            ("interpretation", _STR),
            ("origin", _STR),  # RECORD or VCF_ORIGIN
            ("source", _STR),  # the VCF's file name, for VCF rows
        ]
    ),
    "biosamples": pa.schema(
        [
            ("ind", pa.int64()),
            ("id", _STR),
            ("material_type", _STR),
            ("tissue", _STR),
            ("collection_date", pa.date32()),
        ]
    ),
    "vital_status": pa.schema(
        [("ind", pa.int64()), ("status", _STR), ("survival_days", pa.int64()), ("cause", _STR)]
    ),
    "measurements": pa.schema(
        [
            ("ind", pa.int64()),
            ("assay", _STR),
            ("value", pa.float64()),
            ("unit", _STR),
            ("observed_days", pa.float64()),
        ]
    ),
    "medical_actions": pa.schema(
        [
            ("ind", pa.int64()),
            ("agent", _STR),
            ("target", _STR),
            ("response", _STR),
            ("favourable", pa.bool_()),
        ]
    ),
}
ALLELE_COUNTS = pa.schema(
    [
        ("dataset_id", _STR),
        ("source", _STR),
        ("assembly", _STR),
        ("chromosome", _STR),
        ("position", pa.int64()),
        ("reference", _STR),
        ("alternate", _STR),
        ("ac", pa.int64()),
        ("an", pa.int64()),
        ("af", pa.float64()),
        ("hom", pa.int64()),
        ("hemi", pa.int64()),
    ]
)
"""The ``allele_counts`` table: per dataset and VCF, each allele's count, called alleles, frequency,
homozygous and hemizygous carriers."""


@dataclass(frozen=True, slots=True)
class RecordTables:
    """One Arrow table per store table, ready for ``INSERT … SELECT``."""

    tables: dict[str, pa.Table]

    @property
    def size(self) -> int:
        """The number of individuals."""
        return int(self.tables["individuals"].num_rows)

    @classmethod
    def concat(cls, parts: Sequence[RecordTables]) -> RecordTables:
        """One batch of ``parts``, renumbering individuals so that their ``ind`` stay distinct."""
        shifted: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}
        offset = 0
        for part in parts:
            for name, table in part.tables.items():
                column = pc.add(table.column("ind"), pa.scalar(offset, pa.int64()))
                shifted[name].append(table.set_column(0, "ind", column))
            offset += part.size
        return cls({name: pa.concat_tables(tables) for name, tables in shifted.items()})


def to_tables(records: Sequence[PatientRecord], *, first_ind: int) -> RecordTables:
    """Columns for ``records``, numbering individuals from ``first_ind`` in order."""
    cols: dict[str, dict[str, list[object]]] = {
        name: {field.name: [] for field in schema} for name, schema in SCHEMAS.items()
    }
    ind_cols, ph, dz, va, bs, vs, ms, ma = (cols[n] for n in SCHEMAS)
    for offset, record in enumerate(records):
        ind = first_ind + offset
        person = record.individual
        for key, value in (
            ("ind", ind),
            ("id", person.id),
            ("dataset_id", record.dataset_id),
            ("sex", person.sex.value),
            ("age_years", person.age_years),
            ("year_of_birth", person.year_of_birth),
            ("country", person.country),
        ):
            ind_cols[key].append(value)
        for feature in record.phenotypic_features:
            _append(ph, ind, feature.term, feature.excluded, feature.onset)
        for disease in record.diseases:
            _append(dz, ind, disease.term, disease.label, disease.excluded)
        for v in record.variants:
            _append(
                va,
                ind,
                v.assembly,
                v.chromosome,
                v.position,
                v.reference,
                v.alternate,
                v.gene_symbol,
                list(v.hgvs),
                v.zygosity.value,
                v.interpretation.value,
                RECORD,
                None,
            )
        for sample in record.biosamples:
            _append(bs, ind, sample.id, sample.material_type, sample.tissue, sample.collection_date)
        if (vital := record.vital_status) is not None:
            _append(vs, ind, vital.status, vital.survival_days, vital.cause)
        for m in record.measurements:
            _append(ms, ind, m.assay, m.value, m.unit, m.observed_days)
        for action in record.medical_actions:
            _append(ma, ind, action.agent, action.target, action.response, action.favourable)
    return RecordTables({name: pa.table(cols[name], schema=schema) for name, schema in SCHEMAS.items()})


def _append(columns: dict[str, list[object]], *values: object) -> None:
    for column, value in zip(columns.values(), values, strict=True):
        column.append(value)
