"""What a conversion carried: each person read back from the written format, compared with the original.

A writer can only write what its format can hold (OMOP has no variants; a person without a date of
birth has no age in OMOP). Rather than promise parity, ``pmbridge convert`` reads its own output back
through the ingest readers and lists, per stored field, how many people it did not carry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path

from pmbridge.ingest._convert import to_patient_record
from pmbridge.ingest._sources import Reader
from pmbridge.ingest._validator import parse_phenopacket
from pmbridge.model import Individual, PatientRecord

_COMPARED = (
    "phenotypic_features",
    "diseases",
    "variants",
    "biosamples",
    "vital_status",
    "measurements",
    "medical_actions",
)
_PERSON = tuple(f.name for f in fields(Individual) if f.name != "id")


def lost_fields(originals: Iterable[Mapping[str, object]], written: Path, read: Reader) -> Counter[str]:
    """Per stored field, the number of people whose value read back from ``written`` differs.

    ``missing person`` counts people not read back at all (e.g. quarantined by the reader).
    """
    expected = {r.individual.id: r for r in (to_patient_record(doc, dataset_id="c") for doc in originals)}
    got: dict[str, PatientRecord] = {}
    for item, _ in read(str(written)):
        doc, problems = parse_phenopacket(item.raw) if item.raw else (None, [])
        if doc is not None and not problems:
            record = to_patient_record(doc, dataset_id="c")
            got[record.individual.id] = record
    lost: Counter[str] = Counter()
    for person, record in expected.items():
        back = got.get(person)
        if back is None:
            lost["missing person"] += 1
            continue
        lost.update(
            name for name in _PERSON if getattr(record.individual, name) != getattr(back.individual, name)
        )
        lost.update(name for name in _COMPARED if _differs(getattr(record, name), getattr(back, name)))
    return lost


def _differs(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return Counter(map(repr, a)) != Counter(map(repr, b))  # order is not meaning
    return a != b
