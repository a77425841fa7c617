"""The cohort explorer's question: read from a query string, checked, and turned into Beacon filters.

The query string is the whole state, so a URL shares a query; phenotypes may be typed as labels
(English or Chinese) or ids and are resolved here, with choices when a label is ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode

from pmbridge.model import is_disease_id
from pmbridge.portal._i18n import N_
from pmbridge.portal._terms import Resolution, TermIndex, TermMatch

SEXES: Final = {
    "female": N_("female"),
    "male": N_("male"),
    "other": N_("other"),
    "unknown": N_("unknown"),
}
MAX_TERMS: Final = 10
MAX_AGE: Final = 150
_GENE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,29}")


@dataclass(frozen=True, slots=True)
class Problem:
    """A field the person must fix: which field, and a catalogue message."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ExplorerQuery:
    """One explorer question, resolved; ``problems`` and ``unresolved`` keep it from being asked."""

    terms: tuple[TermMatch, ...] = ()
    unresolved: tuple[Resolution, ...] = ()
    disease: str = ""
    gene: str = ""
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    run: bool = False
    breakdowns: bool = True
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ready(self) -> bool:
        """Asked, and nothing to fix."""
        return self.run and not self.problems and not self.unresolved

    @property
    def composed(self) -> bool:
        """Something chosen and nothing to fix, so its cost can be estimated before it is asked."""
        return bool(self.filters()) and not self.problems and not self.unresolved

    def filters(self) -> list[dict[str, str]]:
        """The Beacon filters of this question (every part must hold)."""
        found: list[dict[str, str]] = [{"id": t.id} for t in self.terms]
        if self.disease:
            found.append({"id": self.disease})
        if self.gene:
            found.append({"id": "geneId", "operator": "=", "value": self.gene})
        if self.sex:
            found.append({"id": "sex", "operator": "=", "value": self.sex})
        if self.age_min is not None:
            found.append({"id": "age", "operator": ">=", "value": str(self.age_min)})
        if self.age_max is not None:
            found.append({"id": "age", "operator": "<", "value": str(self.age_max + 1)})
        return found

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string pairs: ids instead of typed labels."""
        pairs = [("hpo", t.id) for t in self.terms]
        pairs += [("hpo", r.text) for r in self.unresolved]
        for name, value in (
            ("disease", self.disease),
            ("gene", self.gene),
            ("sex", self.sex),
            ("age_min", "" if self.age_min is None else str(self.age_min)),
            ("age_max", "" if self.age_max is None else str(self.age_max)),
        ):
            if value:
                pairs.append((name, value))
        if not self.breakdowns:
            pairs.append(("breakdowns", "0"))
        if self.run:
            pairs.append(("run", "1"))
        return pairs

    def query_string(self, **changes: str) -> str:
        """The URL query of this question, with ``changes`` (e.g. ``lang``) set."""
        pairs = [p for p in self.params() if p[0] not in changes]
        return urlencode([*pairs, *changes.items()])

    def without_term(self, term_id: str) -> str:
        """The URL query with one phenotype removed (the chips' remove links)."""
        return urlencode([p for p in self.params() if p != ("hpo", term_id)])

    def choosing(self, resolution: Resolution, term_id: str) -> str:
        """The URL query with an ambiguous phenotype replaced by the chosen term."""
        pairs = [("hpo", term_id) if p == ("hpo", resolution.text) else p for p in self.params()]
        return urlencode(pairs)


def read_query(params: Sequence[tuple[str, str]], *, index: TermIndex) -> ExplorerQuery:
    """The question in ``params`` (a query string's pairs); problems are collected, not raised."""
    problems: list[Problem] = []
    terms: list[TermMatch] = []
    unresolved: list[Resolution] = []
    texts = [v.strip() for k, v in params if k == "hpo" and v.strip()]
    if len(texts) > MAX_TERMS:
        problems.append(Problem("hpo", N_("Choose at most 10 phenotypes.")))
    for text in texts[:MAX_TERMS]:
        resolution = index.resolve(text)
        if resolution.term is None:
            unresolved.append(resolution)
        elif resolution.term not in terms:
            terms.append(resolution.term)
    single = {k: v.strip() for k, v in params if k != "hpo"}
    disease = single.get("disease", "").upper()
    if disease and not is_disease_id(disease):
        problems.append(Problem("disease", N_("Give a disease id such as OMIM:154700 or ORPHA:558.")))
    gene = single.get("gene", "").upper()
    if gene and not _GENE.fullmatch(gene):
        problems.append(Problem("gene", N_("Give an HGNC gene symbol such as FBN1.")))
    sex = single.get("sex", "").lower()
    if sex and sex not in SEXES:
        problems.append(Problem("sex", N_("Choose a sex from the list.")))
        sex = ""
    age_min = _age(single.get("age_min", ""), "age_min", problems)
    age_max = _age(single.get("age_max", ""), "age_max", problems)
    if age_min is not None and age_max is not None and age_min > age_max:
        problems.append(Problem("age_max", N_("The highest age must not be below the lowest.")))
    return ExplorerQuery(
        terms=tuple(terms),
        unresolved=tuple(unresolved),
        disease=disease,
        gene=gene,
        sex=sex,
        age_min=age_min,
        age_max=age_max,
        run=single.get("run", "") not in ("", "0"),
        breakdowns=single.get("breakdowns", "1") != "0",
        problems=tuple(problems),
    )


def _age(text: str, name: str, problems: list[Problem]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_AGE:
        problems.append(Problem(name, N_("Give an age in whole years from 0 to 150.")))
        return None
    return int(text)
