"""The datasets page's rows: each dataset's data-use conditions in words, what it releases to whom and,
where its node names one, the MIABIS biobank collection it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.hub import NodeEntry
from pmbridge.policy import DuoVocabulary
from pmbridge.portal._cohort import CohortCounts
from pmbridge.portal._collection import CollectionView, collection_view
from pmbridge.portal._counts import ShownCount
from pmbridge.portal._i18n import N_, Lang

ACCESS_LEVELS: Final = (
    ("public", N_("Public: anyone")),
    ("registered", N_("Registered: signed-in researchers")),
    ("controlled", N_("Controlled: researchers approved for this dataset")),
)
ACCESS_WORDS: Final = {
    "public": N_("public"),
    "registered": N_("registered"),
    "controlled": N_("controlled"),
}
GRANULARITIES: Final = {
    "boolean": N_("yes or no: whether matching individuals exist"),
    "count": N_("counts of matching individuals"),
    "record": N_("individual records"),
}


@dataclass(frozen=True, slots=True)
class DataUse:
    """One DUO term in words; ``translated`` is False when the label is the English one."""

    code: str
    shorthand: str
    label: str
    definition: str
    known: bool
    translated: bool
    reviewed: bool


@dataclass(frozen=True, slots=True)
class DatasetRow:
    node: str
    node_name: str
    jurisdiction: str
    id: str
    name: str
    description: str
    data_use: tuple[DataUse, ...]
    release: tuple[tuple[str, str], ...]
    """(access level, granularity) in ACCESS_LEVELS order."""
    count: ShownCount | None
    collection: CollectionView | None = None


def dataset_rows(
    catalogues: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    nodes: Sequence[NodeEntry],
    counts: CohortCounts | None,
    duo: DuoVocabulary | None,
    lang: Lang,
) -> list[DatasetRow]:
    """Every dataset of every node that answered, in registry order."""
    rows = []
    for node in nodes:
        for item in catalogues.get(node.id, ()):
            dataset = str(item.get("id", ""))
            release = item.get("release")
            levels = release if isinstance(release, Mapping) else {}
            codes = item.get("duo")
            rows.append(
                DatasetRow(
                    node=node.id,
                    node_name=node.name or node.id,
                    jurisdiction=str(item.get("jurisdiction") or node.jurisdiction.value),
                    id=dataset,
                    name=str(item.get("name") or dataset),
                    description=str(item.get("description") or ""),
                    data_use=tuple(
                        describe_duo(str(c), duo=duo, lang=lang)
                        for c in (codes if isinstance(codes, list) else ())
                    ),
                    release=tuple((level, str(levels.get(level, ""))) for level, _ in ACCESS_LEVELS),
                    count=counts.dataset_total(node.id, dataset) if counts is not None else None,
                    collection=collection_view(item.get("miabis")),
                )
            )
    return rows


def describe_duo(code: str, *, duo: DuoVocabulary | None, lang: Lang) -> DataUse:
    """A DUO code in ``lang``'s words; an unknown code (or no DUO list) is shown as the code alone."""
    term = duo.term(code) if duo is not None else None
    if duo is None or term is None:
        return DataUse(code, "", code, "", known=False, translated=False, reviewed=False)
    label = duo.label(code, lang="zh" if lang is Lang.ZH else "en")
    return DataUse(
        code=term.id,
        shorthand=term.shorthand,
        label=label.text,
        definition=term.definition,
        known=True,
        translated=label.lang == ("zh" if lang is Lang.ZH else "en"),
        reviewed=label.reviewed,
    )
