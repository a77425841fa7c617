"""Ingest: Phenopackets, FHIR R4, OMOP CDM 5.4 and VCF into the model, with problem reports."""

from pmbridge.ingest._carried import lost_fields
from pmbridge.ingest._check import check_item
from pmbridge.ingest._chunks import CheckedChunk, check_chunk
from pmbridge.ingest._convert import to_patient_record
from pmbridge.ingest._fhir_export import phenopacket_to_fhir, write_fhir
from pmbridge.ingest._limits import DEFAULT_LIMITS, IngestLimits
from pmbridge.ingest._miabis import MiabisDocument, read_miabis
from pmbridge.ingest._miabis_build import Biobank, Collection, Disease, Network
from pmbridge.ingest._omop_writer import write_omop
from pmbridge.ingest._phenopacket_files import valid_phenopackets
from pmbridge.ingest._quarantine import Quarantine, remove_stale_temp_files
from pmbridge.ingest._report import IngestReport, Level, RecordProblem
from pmbridge.ingest._run import BATCH_SIZE, CHUNK_SIZE, DEFAULT_WORKERS, ingest
from pmbridge.ingest._sources import (
    Format,
    Input,
    RawItem,
    SourcePlan,
    format_reader,
    plan_sources,
    read_items,
    read_phenopacket_lines,
)
from pmbridge.ingest._validator import Problem, parse_phenopacket, validate_phenopacket
from pmbridge.ingest._vcf_options import VcfOptions
from pmbridge.ingest._vcf_writer import write_vcf

__all__ = [
    "BATCH_SIZE",
    "CHUNK_SIZE",
    "DEFAULT_LIMITS",
    "DEFAULT_WORKERS",
    "Biobank",
    "CheckedChunk",
    "Collection",
    "Disease",
    "Format",
    "IngestLimits",
    "IngestReport",
    "Input",
    "Level",
    "MiabisDocument",
    "Network",
    "Problem",
    "Quarantine",
    "RawItem",
    "RecordProblem",
    "SourcePlan",
    "VcfOptions",
    "check_chunk",
    "check_item",
    "format_reader",
    "ingest",
    "lost_fields",
    "parse_phenopacket",
    "phenopacket_to_fhir",
    "plan_sources",
    "read_items",
    "read_miabis",
    "read_phenopacket_lines",
    "remove_stale_temp_files",
    "to_patient_record",
    "valid_phenopackets",
    "validate_phenopacket",
    "write_fhir",
    "write_omop",
    "write_vcf",
]
