"""Ingest: Phenopackets (and later FHIR, VCF, sample sheets) into the model, with problem reports."""

from pmbridge.ingest._check import check_item
from pmbridge.ingest._chunks import CheckedChunk, check_chunk
from pmbridge.ingest._convert import to_patient_record
from pmbridge.ingest._limits import DEFAULT_LIMITS, IngestLimits
from pmbridge.ingest._miabis import MiabisDocument, read_miabis
from pmbridge.ingest._miabis_build import Biobank, Collection, Disease, Network
from pmbridge.ingest._quarantine import Quarantine, remove_stale_temp_files
from pmbridge.ingest._report import IngestReport, Level, RecordProblem
from pmbridge.ingest._run import BATCH_SIZE, CHUNK_SIZE, DEFAULT_WORKERS, ingest
from pmbridge.ingest._sources import RawItem, SourcePlan, plan_sources, read_items
from pmbridge.ingest._validator import Problem, parse_phenopacket, validate_phenopacket

__all__ = [
    "BATCH_SIZE",
    "CHUNK_SIZE",
    "DEFAULT_LIMITS",
    "DEFAULT_WORKERS",
    "Biobank",
    "CheckedChunk",
    "Collection",
    "Disease",
    "IngestLimits",
    "IngestReport",
    "Level",
    "MiabisDocument",
    "Network",
    "Problem",
    "Quarantine",
    "RawItem",
    "RecordProblem",
    "SourcePlan",
    "check_chunk",
    "check_item",
    "ingest",
    "parse_phenopacket",
    "plan_sources",
    "read_items",
    "read_miabis",
    "remove_stale_temp_files",
    "to_patient_record",
    "validate_phenopacket",
]
