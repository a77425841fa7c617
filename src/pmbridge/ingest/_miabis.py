"""Read MIABIS Core 3.0 biobank, collection and network metadata (JSON or a folder of CSV sheets),
strictly: every problem in the file is reported at once, and nothing partial is returned.

Attribute lists, mandatory attributes and value sets: :mod:`pmbridge.ingest._miabis_terms`, from
github.com/BBMRI-ERIC/miabis ``Core/V3/Data-describing-{Collection,Network}.md`` and
``Core/Biobank.md``. Formats (docs/configuration.md#miabis-core-30):

* JSON: one object ``{"biobanks": [...], "collections": [...], "networks": [...]}``, each entry an
  object keyed by the standard's attribute names (``"Sample type": ["DNA", "Serum"]``).
* CSV: a folder holding ``biobanks.csv``, ``collections.csv`` and ``networks.csv`` (each optional),
  one header per attribute name; several values in a cell are separated by ``|``; contact fields
  are columns ``Contact Information.Email`` and so on; a ``Disease`` cell holds
  ``ONTOLOGY-VERSION:CODE`` entries (``ICD-10:C61``).
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pmbridge.config import closest_name
from pmbridge.errors import IngestError
from pmbridge.ingest._miabis_build import Biobank, Collection, Network, build_entity
from pmbridge.ingest._miabis_terms import CONTACT_FIELDS, DISEASE_FIELDS, ENTITIES, EntitySpec

__all__ = ["MiabisDocument", "read_miabis"]

_COUNTRY = re.compile(r"[A-Z]{2}")
_CELL_SEPARATOR = "|"
Raw = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class MiabisDocument:
    """Every biobank, collection and network of one MIABIS file, all checked."""

    biobanks: tuple[Biobank, ...]
    collections: tuple[Collection, ...]
    networks: tuple[Network, ...]

    def collection(self, collection_id: str) -> Collection | None:
        return next((c for c in self.collections if c.id == collection_id), None)

    def biobank(self, biobank_id: str) -> Biobank | None:
        return next((b for b in self.biobanks if b.id == biobank_id), None)


@dataclass(frozen=True, slots=True)
class _Entry:
    spec: EntitySpec
    where: str  # "collections[2]" or "collections.csv row 3"
    raw: Raw


def read_miabis(path: Path) -> MiabisDocument:
    """Read a MIABIS JSON file or CSV folder; raise one :class:`IngestError` listing every problem."""
    problems: list[str] = []
    entries = _read_csv_folder(path, problems) if path.is_dir() else _read_json(path, problems)
    checked: dict[str, list[tuple[_Entry, dict[str, object]]]] = {key: [] for key in ENTITIES}
    for entry in entries:
        values = _check_entry(entry, problems)
        checked[_key_of(entry.spec)].append((entry, values))
    _check_references(checked, problems)
    if problems:
        raise IngestError(
            f"{path}: {len(problems)} MIABIS Core 3.0 problem(s):\n" + "\n".join(f"  {p}" for p in problems),
            hint="fix every problem listed; docs/configuration.md#miabis-core-30 lists the attributes",
        )
    built = {key: tuple(build_entity(e.spec, v) for e, v in pairs) for key, pairs in checked.items()}
    return MiabisDocument(
        biobanks=tuple(b for b in built["biobanks"] if isinstance(b, Biobank)),
        collections=tuple(c for c in built["collections"] if isinstance(c, Collection)),
        networks=tuple(n for n in built["networks"] if isinstance(n, Network)),
    )


def _key_of(spec: EntitySpec) -> str:
    return next(key for key, known in ENTITIES.items() if known is spec)


def _read_json(path: Path, problems: list[str]) -> list[_Entry]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IngestError(f"MIABIS file {path} not found", hint="check the path") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(
            f"MIABIS file {path} is not valid JSON: {exc}",
            hint='write one object: {"biobanks": [...], "collections": [...], "networks": [...]}',
        ) from None
    if not isinstance(doc, dict):
        raise IngestError(
            f"MIABIS file {path} must hold one JSON object",
            hint='write {"biobanks": [...], "collections": [...], "networks": [...]}',
        )
    entries: list[_Entry] = []
    for key, items in doc.items():
        spec = ENTITIES.get(key)
        if spec is None:
            problems.append(_unknown(f"top level: {key!r}", key, list(ENTITIES)))
        elif not isinstance(items, list):
            problems.append(f"{key}: must be a JSON array of objects")
        else:
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    entries.append(_Entry(spec, f"{key}[{i}]", item))
                else:
                    problems.append(f"{key}[{i}]: must be a JSON object")
    return entries


def _read_csv_folder(folder: Path, problems: list[str]) -> list[_Entry]:
    entries: list[_Entry] = []
    for key, spec in ENTITIES.items():
        sheet = folder / f"{key}.csv"
        if not sheet.exists():
            continue
        with sheet.open(encoding="utf-8", newline="") as handle:
            for row_number, row in enumerate(csv.DictReader(handle), start=2):
                raw = _from_cells(row, spec)
                entries.append(_Entry(spec, f"{sheet.name} row {row_number}", raw))
    if not entries and not any((folder / f"{key}.csv").exists() for key in ENTITIES):
        raise IngestError(
            f"MIABIS folder {folder} holds none of biobanks.csv, collections.csv, networks.csv",
            hint="name the sheets biobanks.csv, collections.csv and networks.csv",
        )
    return entries


def _from_cells(row: Mapping[str, str | None], spec: EntitySpec) -> dict[str, object]:
    """A CSV row as the JSON form: empty cells dropped, lists split, contact columns gathered."""
    raw: dict[str, object] = {}
    contact: dict[str, str] = {}
    for column, cell in row.items():
        text = (cell or "").strip()
        if not text or column is None:
            continue
        if column.startswith("Contact Information."):
            contact[column.removeprefix("Contact Information.")] = text
        elif column == "Disease":
            raw[column] = [_disease_cell(part) for part in _split(text)]
        elif column in spec.integers:
            raw[column] = int(text) if re.fullmatch(r"-?\d+", text) else text
        elif column in spec.texts or column in spec.many_of or column == "Networks":
            raw[column] = _split(text)
        else:
            raw[column] = text
    if contact:
        raw["Contact Information"] = contact
    return raw


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(_CELL_SEPARATOR) if part.strip()]


def _disease_cell(text: str) -> dict[str, str]:
    version, colon, code = text.partition(":")
    if not colon:
        return {"Disease Free Text": text}
    return {"Disease Ontology Version": version.strip(), "Disease Ontology Code": code.strip()}


def _unknown(where: str, name: str, known: Sequence[str]) -> str:
    near = closest_name(name, known)
    return f"{where}: unknown attribute" + (f"; did you mean {near!r}?" if near else "")


def _check_entry(entry: _Entry, problems: list[str]) -> dict[str, object]:
    spec, raw = entry.spec, entry.raw
    ident = raw.get("ID")
    where = f"{entry.where} ({spec.name} {ident!r})" if isinstance(ident, str) and ident else entry.where
    values: dict[str, object] = {}
    for name in sorted(spec.mandatory):
        if _empty(raw.get(name)):
            problems.append(f"{where}: {name!r}: mandatory attribute missing")
    for name, value in raw.items():
        if name not in spec.attributes:
            problems.append(_unknown(f"{where}: {name!r}", name, sorted(spec.attributes)))
        elif not _empty(value):
            bad = _value_problem(spec, name, value)
            if bad:
                problems.append(f"{where}: {name!r}: {bad}")
            else:
                values[name] = value
    if spec.name == "collection":
        problems.extend(f"{where}: {p}" for p in _age_problems(raw))
    return values


def _empty(value: object) -> bool:
    return value is None or value in ("", [], {})


def _value_problem(spec: EntitySpec, name: str, value: object) -> str:
    if name in spec.structured:
        return _structured_problem(name, value)
    if name in spec.integers:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"{value!r} is not a whole number of 0 or more"
        return ""
    if name in spec.text or name in spec.one_of:
        if not isinstance(value, str):
            return f"{value!r} must be text"
        allowed = spec.one_of.get(name)
        if allowed is not None and value not in allowed:
            return _not_in(value, allowed)
        if name == "Country" and not _COUNTRY.fullmatch(value):
            return f"{value!r} is not an ISO 3166-1 alpha-2 code such as 'IT'"
        return ""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        return f"{value!r} must be text or a list of text"
    allowed = spec.many_of.get(name)
    bad = [_not_in(v, allowed) for v in items if allowed is not None and v not in allowed]
    if name == "Country":
        bad += [f"{v!r} is not an ISO 3166-1 alpha-2 code" for v in items if not _COUNTRY.fullmatch(v)]
    return "; ".join(bad)


def _not_in(value: str, allowed: frozenset[str]) -> str:
    # A stricter cutoff than closest_name's: '-80 °C' must not suggest '<-135 °C'.
    near = difflib.get_close_matches(value, sorted(allowed), n=1, cutoff=0.8)
    hint = f"did you mean {near[0]!r}?" if near else "allowed: " + ", ".join(sorted(allowed))
    return f"{value!r} is not in the MIABIS value set; {hint}"


def _structured_problem(name: str, value: object) -> str:
    fields = CONTACT_FIELDS if name == "Contact Information" else DISEASE_FIELDS
    items = value if name == "Disease" and isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            return f"{item!r} must be an object with fields " + ", ".join(sorted(fields))
        unknown = sorted(set(item) - fields)
        if unknown:
            return f"unknown field {unknown[0]!r}; fields are " + ", ".join(sorted(fields))
        if not all(isinstance(v, str) for v in item.values()):
            return "every field must be text"
        if name == "Disease" and not ({"Disease Ontology Code", "Disease Free Text"} & set(item)):
            return f"{item!r} needs a 'Disease Ontology Code' or a 'Disease Free Text'"
    return ""


def _age_problems(raw: Raw) -> list[str]:
    problems = []
    for side in ("Low", "High"):
        age, unit = raw.get(f"Age {side}"), raw.get(f"Age {side} Unit")
        if not _empty(age) and _empty(unit):
            problems.append(f"'Age {side} Unit': needed with 'Age {side}'; e.g. 'Years'")
        if _empty(age) and not _empty(unit):
            problems.append(f"'Age {side}': 'Age {side} Unit' is given without it")
    low, high = raw.get("Age Low"), raw.get("Age High")
    same_unit = raw.get("Age Low Unit") == raw.get("Age High Unit")
    if isinstance(low, int) and isinstance(high, int) and same_unit and low > high:
        problems.append(f"'Age Low': {low} is above 'Age High' {high}; swap them")
    return problems


def _check_references(
    checked: Mapping[str, Sequence[tuple[_Entry, dict[str, object]]]], problems: list[str]
) -> None:
    ids: dict[str, set[str]] = {}
    for key, pairs in checked.items():
        seen: set[str] = set()
        for entry, values in pairs:
            ident = values.get("ID")
            if isinstance(ident, str):
                if ident in seen:
                    problems.append(f"{entry.where} ({entry.spec.name} {ident!r}): 'ID': duplicate id")
                seen.add(ident)
        ids[ENTITIES[key].name] = seen
    for pairs in checked.values():
        for entry, values in pairs:
            for name, target in entry.spec.references.items():
                value = values.get(name)
                named = [value] if isinstance(value, str) else value if isinstance(value, list) else []
                for ref in named:
                    if isinstance(ref, str) and ref not in ids[target]:
                        problems.append(
                            f"{entry.where} ({entry.spec.name} {values.get('ID')!r}): {name!r}: "
                            f"no {target} has id {ref!r}; add it to the file's {target}s or fix the id"
                        )
