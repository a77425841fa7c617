"""``read_omop``: OMOP CDM 5.4 tables (a folder of CSV / Parquet files, or a PostgreSQL database) as
one Phenopacket v2 document per person, for the phenopacket ingest pipeline.

Two passes: one grouped query per table counts and bridges every coded value (so each unmapped
concept is reported once, with its count), then every table streams sorted by person_id and the
streams are merged, so memory holds one person at a time whatever the size of the tables.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import orjson

from pmbridge.errors import IngestError
from pmbridge.ingest._code_bridge import load_bridge
from pmbridge.ingest._omop_catalogue import Catalogue, build_catalogue
from pmbridge.ingest._omop_cdm import CODED, REQUIRED_COLUMNS, REQUIRED_TABLES
from pmbridge.ingest._omop_person import STREAMED, PersonContext, person_id_text, to_phenopacket
from pmbridge.ingest._omop_postgres import PostgresSource
from pmbridge.ingest._omop_tables import FolderSource, TableSource, select_list
from pmbridge.ingest._omop_values import as_int, as_text
from pmbridge.ingest._redact import redact
from pmbridge.ingest._report import Level, RecordProblem
from pmbridge.ingest._sources import RawItem

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_Tagged = tuple[int | None, str, dict[str, object]]  # (person_id, table, row)


def read_omop(
    location: str, *, mondo_dir: Path | None = None, hpo_obo: Path | None = None
) -> Iterator[tuple[RawItem, int]]:
    """One item per person of the CDM at ``location`` with the input bytes it accounts for.

    ``mondo_dir`` holds Mondo's SSSOM mapping sets (default: ``mappings/mondo`` of the reference
    data), ``hpo_obo`` the HPO release whose SNOMED CT cross-references bridge to HPO (default:
    ``hpo/hp.obo`` of the reference data). Raises IngestError, before yielding anything, when the
    input cannot be used.
    """
    source = open_source(location)
    try:
        _check_tables(source, location)
        catalogue = build_catalogue(source, load_bridge(mondo_dir=mondo_dir, hpo_obo=hpo_obo))
        countries = _countries(source)
        pending = _warnings(catalogue, source)
        people = as_int(source.query("person", 'SELECT COUNT(*) FROM "person"')[0][0]) or 0
        total = source.total_bytes
        first_of: dict[str, int | None] = {}  # phenopacket id → the person_id that had it first
        for index, (person_id, rows) in enumerate(_people(source)):
            accounted = total * (index + 1) // max(people, 1) - total * index // max(people, 1)
            item = _item(person_id, rows, source, catalogue, countries)
            notes = [*pending.pop(person_id, ()), *(pending.pop(None, ()) if index == 0 else ())]
            if len(rows.get("person", ())) == 1:
                name = person_id_text(rows["person"][0])
                earlier = first_of.setdefault(name, person_id)
                if earlier != person_id:
                    notes.append(_same_id(name, earlier, person_id, item.source, source))
            if notes:
                item = RawItem(item.source, item.raw, notes=(*notes, *item.notes), original=item.original)
            yield item, accounted if index < people else 0
    finally:
        source.close()


def _same_id(
    name: str, earlier: int | None, person_id: int | None, item_source: str, source: TableSource
) -> RecordProblem:
    """Two person rows that become one phenopacket id would silently merge two people."""
    reason = (
        f"person_id {person_id} has person_source_value {name!r}, which person_id {earlier} of "
        f"{source.where('person')} already has; the first is loaded, this one is not. Give each person "
        "their own person_source_value (or leave it empty to use the person_id)"
    )
    return RecordProblem(item_source, "person.person_source_value", reason, Level.ERROR)


def open_source(location: str) -> TableSource:
    if location.startswith(POSTGRES_SCHEMES):
        return PostgresSource(location)
    return FolderSource(Path(location))


def _check_tables(source: TableSource, location: str) -> None:
    for table in REQUIRED_TABLES:
        if table not in source.columns:
            found = ", ".join(sorted(source.columns)) or "no CDM tables"
            raise IngestError(
                f"{redact(location)} has no OMOP {table} table (found: {found})",
                hint=f"an OMOP CDM needs {table} (e.g. {table}.csv, {table}.csv.gz or {table}.parquet)",
            )
    for table, columns in source.columns.items():
        missing = [c for c in REQUIRED_COLUMNS.get(table, ()) if c not in columns]
        if missing:
            raise IngestError(
                f"OMOP table {source.where(table)} lacks column {', '.join(missing)}",
                hint="name the columns as CDM 5.4 does (a header row for CSV); nothing was ingested",
            )


def _countries(source: TableSource) -> dict[int, str]:
    if "location" not in source.columns:
        return {}
    columns = select_list(source, "location", ("location_id", "country_source_value"))
    out = {}
    for location_id, country in source.query("location", f'SELECT {columns} FROM "location"'):
        code, key = as_text(country).upper(), as_int(location_id)
        if key is not None and len(code) == 2 and code.isalpha():
            out[key] = code
    return out


def _warnings(catalogue: Catalogue, source: TableSource) -> dict[int | None, list[RecordProblem]]:
    """Each unmapped concept once, on the first person who has it."""
    out: dict[int | None, list[RecordProblem]] = {}
    for u in catalogue.unmapped:
        reason = (
            f"{u.what} {u.why}: {u.rows:,} row{'s' if u.rows != 1 else ''} of {u.people:,} "
            f"person{'s' if u.people != 1 else ''} {u.outcome}; {u.fix}"
        )
        problem = RecordProblem(source.where(u.table), f"{u.table}.{u.column}", reason, Level.WARNING)
        out.setdefault(u.first_person, []).append(problem)
    return out


def _people(source: TableSource) -> Iterator[tuple[int | None, dict[str, list[dict[str, object]]]]]:
    streams = [
        _stream(source, table, columns) for table, columns in STREAMED.items() if table in source.columns
    ]
    merged = heapq.merge(*streams, key=lambda tagged: (tagged[0] is None, tagged[0] or 0))
    for person_id, group in itertools.groupby(merged, key=lambda tagged: tagged[0]):
        rows: dict[str, list[dict[str, object]]] = {}
        for _, table, row in group:
            rows.setdefault(table, []).append(row)
        yield person_id, rows


def _stream(source: TableSource, table: str, columns: Sequence[str]) -> Iterator[_Tagged]:
    id_column = CODED[table][3] if table in CODED else f"{table}_id"
    order = (
        source.integer(id_column) if id_column in source.columns[table] and id_column != "person_id" else ""
    )
    sql = (
        f'SELECT {source.person_key}, {select_list(source, table, columns)} FROM "{table}" '
        f"ORDER BY 1{', ' + order if order else ''}"
    )
    for row in source.stream(table, sql):
        yield as_int(row[0]), table, dict(zip(columns, row[1:], strict=True))


def _item(
    person_id: int | None,
    rows: Mapping[str, list[dict[str, object]]],
    source: TableSource,
    catalogue: Catalogue,
    countries: Mapping[int, str],
) -> RawItem:
    persons = rows.get("person", [])
    original = orjson.dumps(rows, default=str)
    if len(persons) != 1 or person_id is None:
        tables = sorted(t for t in rows if t != "person" or person_id is None)
        where = source.where("person" if persons else tables[0])
        label = "no person_id" if person_id is None else f"person_id={person_id}"
        written = sorted({as_text(r.get("person_id")) for t in tables for r in rows[t]} - {""})
        if person_id is None and written:
            rows_named = "; ".join(
                f"{source.where(t)} {_row_ids(t, rows[t])}" for t in tables if _row_ids(t, rows[t])
            )
            reason = (
                f"person_id {', '.join(repr(w) for w in written)} is not an integer ({rows_named}); "
                "write the person's integer person_id (as in the person table) or remove the rows"
            )
        elif persons and person_id is not None:
            reason = (
                f"person_id {person_id} is in the person table {len(persons)} times; give each person one row"
            )
        else:
            reason = (
                f"rows of {', '.join(tables)} have {label} with no row in the person table; "
                "add the person or remove the rows"
            )
        stub = {"id": f"omop-person-{'' if person_id is None else person_id}"}
        return RawItem(
            f"{where} {label}",
            json.dumps(stub).encode(),
            notes=(RecordProblem(f"{where} {label}", "person_id", reason, Level.ERROR),),
            original=original,
        )
    name = person_id_text(persons[0])
    item_source = f"{source.where('person')} person_id={person_id}" + (
        f" ({name})" if name != str(person_id) else ""
    )
    doc, notes = to_phenopacket(rows, PersonContext(catalogue, countries, item_source))
    return RawItem(
        item_source,
        orjson.dumps(doc),
        notes=tuple(notes),
        original=original,
    )


def _row_ids(table: str, rows: Sequence[Mapping[str, object]]) -> str:
    """The rows as their own ids name them: ``measurement_id=1, 7``."""
    column = CODED[table][3] if table in CODED else f"{table}_id"
    ids = [as_text(r.get(column)) for r in rows if as_text(r.get(column))]
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return f"{column}={shown}" if ids else ""
