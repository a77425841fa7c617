"""Turns the HPO translation project's Babelon table into our ``hpo_zh.tsv`` (labels unchanged).

Babelon is a quoted TSV (``"Ambiguous genitalia, male"``); ours is unquoted, one row per term, sorted.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING

from pmbridge.vocab._labels_zh import COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable

_HPO_ID = re.compile(r"^HP:\d{7}$")
_BREAKS = re.compile(r"[\t\r\n]+")  # cannot live inside an unquoted TSV cell

BABELON_COLUMNS = (
    "source_language",
    "translation_language",
    "subject_id",
    "predicate_id",
    "source_value",
    "translation_value",
    "translation_status",
)


def babelon_to_rows(lines: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """Official Chinese ``rdfs:label`` rows as ``(hpo_id, label_en, label_zh, synonyms_zh)``.

    >>> babelon = [
    ...     "source_language\\ttranslation_language\\tsubject_id\\tpredicate_id\\t"
    ...     "source_value\\ttranslation_value\\ttranslation_status",
    ...     'en\\tzh\\tHP:0000033\\trdfs:label\\t"Ambiguous genitalia, male"\\t男性外阴性别不明\\tOFFICIAL',
    ...     "en\\tzh\\tHP:0000003\\trdfs:label\\tMulticystic kidney dysplasia\\t多囊性肾发育不良\\tOFFICIAL",
    ... ]
    >>> babelon_to_rows(babelon)[1]
    ('HP:0000033', 'Ambiguous genitalia, male', '男性外阴性别不明', '')
    """
    reader = csv.DictReader(lines, delimiter="\t")
    labels: dict[str, tuple[str, str]] = {}
    for record in reader:
        term_id = (record.get("subject_id") or "").strip()
        label_zh = _clean(record.get("translation_value"))
        status = (record.get("translation_status") or "OFFICIAL").strip()
        if (
            _HPO_ID.match(term_id)
            and (record.get("translation_language") or "").strip().startswith("zh")
            and (record.get("predicate_id") or "").strip() == "rdfs:label"
            and status == "OFFICIAL"
            and label_zh
            and term_id not in labels
        ):
            labels[term_id] = (_clean(record.get("source_value")), label_zh)
    return [(term_id, en, zh, "") for term_id, (en, zh) in sorted(labels.items())]


def rows_to_tsv(rows: Iterable[tuple[str, str, str, str]]) -> str:
    """The text of an ``hpo_zh.tsv``: a header, then tab-separated rows, LF line ends."""
    lines = ["\t".join(COLUMNS), *("\t".join(row) for row in rows)]
    return "\n".join(lines) + "\n"


def _clean(value: str | None) -> str:
    return _BREAKS.sub(" ", value or "").strip()
