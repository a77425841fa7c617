"""A node's DuckDB store: versioned schema, Arrow bulk loads, HPO closure, filter-to-SQL compiler."""

from pmbridge.model import DIMENSIONS, Dimension  # the query model's; kept here for the store's users
from pmbridge.store._analysis_frame import analysis_frame_sql
from pmbridge.store._answers import Counted
from pmbridge.store._cohorts import (
    AGE_BANDS,
    SEX_CELLS,
    Members,
    age_band,
    counted_members_sql,
)
from pmbridge.store._compile import CompiledQuery, count_by_dataset, where_clause
from pmbridge.store._engine import DuckDBEngine, Engine
from pmbridge.store._entries import CASE_LEVEL_LIMIT, count_entries, individuals_where, page_of
from pmbridge.store._gene_loci import GeneSpan
from pmbridge.store._genome import (
    assembly_spellings,
    canonical_assembly,
    canonical_chromosome,
    chromosome_spellings,
    parse_variant_id,
    refseq_accession,
    split_accession,
    variant_id,
)
from pmbridge.store._lake import LakeSnapshot, LakeTable, lake_tables, read_snapshot
from pmbridge.store._lake_read import open_lake, open_lake_with
from pmbridge.store._lake_write import append, publish, vacuum
from pmbridge.store._pages import (
    BiosampleRow,
    CarrierRow,
    DiseaseRow,
    FeatureRow,
    IndividualRow,
    Row,
    VariantRow,
)
from pmbridge.store._profiles import ProfileTables, read_profiles
from pmbridge.store._query import Entry, EntryQuery, VariantQuery
from pmbridge.store._rows import ALLELE_COUNTS, RECORD, SCHEMAS, VCF_ORIGIN, RecordTables, to_tables
from pmbridge.store._schema import LATEST_VERSION, MIGRATIONS, Migration
from pmbridge.store._spark import SparkEngine, SparkSettings, spark_session
from pmbridge.store._store import NodeStore
from pmbridge.store._store_writes import RECORD_TABLES
from pmbridge.store._terms import PresentTerm, TermKind, present_terms
from pmbridge.store._variants import SEQUENCE_TYPES

__all__ = [
    "AGE_BANDS",
    "ALLELE_COUNTS",
    "CASE_LEVEL_LIMIT",
    "DIMENSIONS",
    "LATEST_VERSION",
    "MIGRATIONS",
    "RECORD",
    "RECORD_TABLES",
    "SCHEMAS",
    "SEQUENCE_TYPES",
    "SEX_CELLS",
    "VCF_ORIGIN",
    "BiosampleRow",
    "CarrierRow",
    "CompiledQuery",
    "Counted",
    "Dimension",
    "DiseaseRow",
    "DuckDBEngine",
    "Engine",
    "Entry",
    "EntryQuery",
    "FeatureRow",
    "GeneSpan",
    "IndividualRow",
    "LakeSnapshot",
    "LakeTable",
    "Members",
    "Migration",
    "NodeStore",
    "PresentTerm",
    "ProfileTables",
    "RecordTables",
    "Row",
    "SparkEngine",
    "SparkSettings",
    "TermKind",
    "VariantQuery",
    "VariantRow",
    "age_band",
    "analysis_frame_sql",
    "append",
    "assembly_spellings",
    "canonical_assembly",
    "canonical_chromosome",
    "chromosome_spellings",
    "count_by_dataset",
    "count_entries",
    "counted_members_sql",
    "individuals_where",
    "lake_tables",
    "open_lake",
    "open_lake_with",
    "page_of",
    "parse_variant_id",
    "present_terms",
    "publish",
    "read_profiles",
    "read_snapshot",
    "refseq_accession",
    "spark_session",
    "split_accession",
    "to_tables",
    "vacuum",
    "variant_id",
    "where_clause",
]
