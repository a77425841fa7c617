"""A dataset's biobank collection on the datasets page, from the ``miabis`` object of a node's catalogue.

Values of the MIABIS value sets become catalogue messages (``known``), shown in the page's language;
anything else a node sends is shown as it came, marked English. Nothing here trusts the node's JSON
to have the right shape: a missing or odd field is simply not shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.portal._miabis_words import (
    ACCESS_CONDITIONS,
    AGE_RANGES,
    AGES,
    COLLECTION_DESIGNS,
    DATA_CATEGORIES,
    SAMPLE_TYPES,
    SEX,
    STORAGE_TEMPERATURES,
)

__all__ = ["AgeRange", "CollectionView", "DiseaseView", "Word", "collection_view"]


@dataclass(frozen=True, slots=True)
class Word:
    """One value: a catalogue message when ``known``, else the node's text (English)."""

    text: str
    known: bool


@dataclass(frozen=True, slots=True)
class AgeRange:
    """An age range as messages: ``phrase`` takes ``low`` and ``high``, each an ``(message, n)``."""

    phrase: str
    low: tuple[str, int] | None
    high: tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class DiseaseView:
    code: str  # "ICD-10 G40", or "" for a disease in free text
    label: str  # the node's own words (English)


@dataclass(frozen=True, slots=True)
class CollectionView:
    """What the datasets page shows of a collection, in the order it shows it."""

    id: str
    name: str
    description: str
    biobank: str
    biobank_id: str
    country: str  # ISO 3166-1 alpha-2; the template names it in the page's language
    sample_types: tuple[Word, ...]
    storage_temperatures: tuple[Word, ...]
    age: AgeRange | None
    sex: tuple[Word, ...]
    diseases: tuple[DiseaseView, ...]
    data_categories: tuple[Word, ...]
    designs: tuple[Word, ...]
    access_conditions: tuple[Word, ...]


def collection_view(miabis: object) -> CollectionView | None:
    """The view of a catalogue's ``miabis`` object; None when there is none.

    >>> view = collection_view({"sampleTypes": ["DNA", "Bone"], "ageRange": {"high": 1, "highUnit": "Years"}})
    >>> view.sample_types
    (Word(text='DNA', known=True), Word(text='Bone', known=False))
    >>> view.age
    AgeRange(phrase='up to %(high)s', low=None, high=('%(n)s year', 1))
    """
    if not isinstance(miabis, Mapping):
        return None
    biobank = miabis.get("biobank")
    bank = biobank if isinstance(biobank, Mapping) else {}
    return CollectionView(
        id=_text(miabis.get("collection")),
        name=_text(miabis.get("name")),
        description=_text(miabis.get("description")),
        biobank=_text(bank.get("name")) or _text(bank.get("id")),
        biobank_id=_text(bank.get("id")),
        country=_text(bank.get("country")),
        sample_types=_words(miabis.get("sampleTypes"), SAMPLE_TYPES),
        storage_temperatures=_words(miabis.get("storageTemperatures"), STORAGE_TEMPERATURES),
        age=_age(miabis.get("ageRange")),
        sex=_words(miabis.get("sex"), SEX),
        diseases=_diseases(miabis.get("diseases")),
        data_categories=_words(miabis.get("dataCategories"), DATA_CATEGORIES),
        designs=_words(miabis.get("collectionTypes"), COLLECTION_DESIGNS),
        access_conditions=_words(miabis.get("accessConditions"), ACCESS_CONDITIONS),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _words(values: object, known: frozenset[str]) -> tuple[Word, ...]:
    items = values if isinstance(values, list) else []
    return tuple(Word(v, v in known) for v in items if isinstance(v, str) and v)


def _age(value: object) -> AgeRange | None:
    if not isinstance(value, Mapping):
        return None
    low, high = _side(value, "low"), _side(value, "high")
    if low is None and high is None:
        return None
    phrase = AGE_RANGES["both" if low and high else "low" if low else "high"]
    return AgeRange(phrase, low, high)


def _side(value: Mapping[str, object], side: str) -> tuple[str, int] | None:
    age, unit = value.get(side), value.get(f"{side}Unit")
    forms = AGES.get(unit) if isinstance(unit, str) else None
    if not isinstance(age, int) or isinstance(age, bool) or forms is None:
        return None
    return (forms[0] if age == 1 else forms[1]), age


def _diseases(values: object) -> tuple[DiseaseView, ...]:
    shown = []
    for item in values if isinstance(values, list) else []:
        if not isinstance(item, Mapping):
            continue
        code = " ".join(_text(item.get(k)) for k in ("ontology", "code") if _text(item.get(k)))
        label = _text(item.get("label"))
        if code or label:
            shown.append(DiseaseView(code, label))
    return tuple(shown)
