"""Read FHIR R4 input as one Phenopacket v2 item per patient: a Bundle or resource file, NDJSON
(one Bundle or one resource a line), a folder of them (a bulk export), or a server's base URL.

A file or line that holds a whole Bundle is mapped on its own, so an NDJSON of per-person Bundles
(what ``write_fhir`` writes) streams with flat memory; loose resources (a bulk export) are grouped
across the whole input first, since a patient's resources are spread over its files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from pmbridge.errors import IngestError
from pmbridge.ingest._fhir_group import Located, group_items, unusable_item
from pmbridge.ingest._sources import RawItem

__all__ = ["bundle_resources", "read_fhir"]

Json = dict[str, object]
_LINES = (".ndjson", ".jsonl")


def read_fhir(location: str, *, validate: bool = False) -> Iterator[tuple[RawItem, int]]:
    """Every patient of a FHIR input, with the bytes each accounts for (0 over HTTP).

    ``validate``: check every resource against FHIR R4 with ``fhir.resources`` (about eleven
    times the mapping's cost); without it only a person already quarantined is checked, to say why.
    """
    if location.startswith(("http://", "https://")):
        from pmbridge.ingest._fhir_http import read_server

        for item in read_server(location, validate=validate):
            yield item, 0
        return
    path = Path(location)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".json", *_LINES))
        if not files:
            raise IngestError(
                f"folder {path} holds no .json or .ndjson files", hint="point at a FHIR bulk export"
            )
    elif path.is_file():
        files = [path]
    else:
        raise IngestError(f"FHIR input {path} does not exist", hint="check the path; nothing was ingested")
    loose: list[Located] = []
    loose_bytes = 0
    for file in files:
        for units, size in _read_file(file):
            if isinstance(units, RawItem):
                yield units, size
            elif isinstance(units, list):
                loose.extend(units)
                loose_bytes += size
            else:
                found = bundle_resources(units[0], units[1])
                yield from _spread(group_items(found, source=units[1], validate=validate), size)
    if loose:
        items = group_items(loose, source=str(path), validate=validate, by_origin=path.is_dir())
        yield from _spread(items, loose_bytes)


Unit = RawItem | list[Located] | tuple[Json, str]


def _read_file(path: Path) -> Iterator[tuple[Unit, int]]:
    """Each unit of a file: an unusable item, a Bundle (with its source) or loose resources."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise IngestError(
            f"cannot read FHIR input {path}: {error.strerror}", hint="check the file"
        ) from error
    with handle:
        if path.suffix not in _LINES:
            data = handle.read()
            yield _unit(data, str(path)), len(data)
            return
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _unit(line, f"{path}:{number}"), len(line)


def _unit(data: bytes, origin: str) -> Unit:
    try:
        resource = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        return unusable_item(origin, "$", f"not JSON ({error}); fix or remove it", data)
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return unusable_item(origin, "$.resourceType", "not a FHIR resource (no resourceType)", data)
    if resource["resourceType"] == "Bundle":
        return resource, origin
    return [Located(resource, origin)]


def bundle_resources(bundle: Json, origin: str) -> list[Located]:
    """The resources of a Bundle of any type, nested Bundles included; entries without a resource
    (a transaction's DELETE or GET) have nothing to read."""
    out: list[Located] = []
    entries = bundle.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        resource = entry["resource"]
        if resource.get("resourceType") == "Bundle":
            out.extend(bundle_resources(resource, origin))
            continue
        full_url = entry.get("fullUrl")
        out.append(Located(resource, origin, full_url if isinstance(full_url, str) else None))
    return out


def _spread(items: Iterator[RawItem], size: int) -> Iterator[tuple[RawItem, int]]:
    """Attribute an input's bytes to its items: all of them to the first, for progress."""
    for index, item in enumerate(items):
        yield item, size if index == 0 else 0
