"""Before any person is read: every coded value the tables use, counted, bridged once, and the
unmapped ones turned into one warning per concept (with its rows and people), not one per row.

A coded value is a row's (concept id, source concept id, source value); the first of source concept,
source value and concept that gives an id of the right kind wins (the source is usually the more
specific for rare diseases), then the concepts' equivalences, then Mondo's exact matches, and last,
for a condition or observation, the one HPO term whose ``hp.obo`` cross-references its SNOMED CT code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pmbridge.ingest._code_bridge import CodeBridge, canonical_curie
from pmbridge.ingest._omop_cdm import (
    AUXILIARY_CONCEPTS,
    CODED,
    LOCAL_VOCABULARY,
    TREATMENT_RESPONSE,
    TREATMENT_TARGET,
)
from pmbridge.ingest._omop_concepts import EQUIVALENCES, Concept, Kind, kind_of
from pmbridge.ingest._omop_tables import TableSource, select_list
from pmbridge.ingest._omop_values import as_int, as_text, is_curie

Role = Literal["clinical", "cause", "any"]
CodeKey = tuple[int | None, int | None, str]  # (concept id, source concept id, source value)
_ROLE: dict[str, Role] = {"condition_occurrence": "clinical", "observation": "clinical", "death": "cause"}
_CLINICAL: tuple[Kind, ...] = ("phenotype", "disease")


@dataclass(frozen=True, slots=True)
class Term:
    """What a coded value became: an ontology id, its label (when the concept names it) and kind;
    ``link`` for PM Bridge's own treatment target / response observations."""

    id: str
    label: str | None
    kind: Kind
    link: str | None = None

    def ontology_class(self) -> dict[str, object]:
        return {"id": self.id, "label": self.label} if self.label else {"id": self.id}


@dataclass(frozen=True, slots=True)
class Unmapped:
    """One concept no row of which could be mapped, with where and how often it occurs."""

    table: str
    column: str
    what: str  # "concept 320128 (SNOMED 59621000 'Essential hypertension')" or "source value 'X'"
    rows: int
    people: int
    first_person: int | None
    fix: str
    outcome: str = "not loaded"  # what happened to those rows
    why: str = "has no mapping"  # or why its mapping is not used


@dataclass(slots=True)
class Catalogue:
    """Every coded value of every table, resolved; ``terms[table][key]`` is None when unmapped."""

    concepts: dict[int, Concept] = field(default_factory=dict)
    terms: dict[str, dict[CodeKey, Term | None]] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    _values: dict[tuple[int | None, str], Term | None] = field(default_factory=dict)

    def term(self, table: str, key: CodeKey) -> Term | None:
        return self.terms.get(table, {}).get(key)

    def concept_term(self, concept_id: int | None, source_value: str = "") -> Term | None:
        """A value, qualifier, unit or site: its concept as any ontology id, else a CURIE source value."""
        key = (concept_id, source_value)
        if key not in self._values:
            self._values[key] = self._concept_term(concept_id, source_value)
        return self._values[key]

    def _concept_term(self, concept_id: int | None, source_value: str) -> Term | None:
        concept = self.concepts.get(concept_id) if concept_id else None
        if concept is not None and (curie := concept.curie):
            curie = canonical_curie(curie)
            return Term(curie, _label(concept, curie), kind_of(curie))
        if is_curie(source_value):
            curie = canonical_curie(source_value)
            return Term(curie, None, kind_of(curie))
        return None


def build_catalogue(source: TableSource, bridge: CodeBridge) -> Catalogue:
    """Count, look up and bridge every coded value in ``source`` (one grouped query per table)."""
    catalogue = Catalogue()
    counts: dict[str, list[tuple[CodeKey, int, int, int | None]]] = {}
    for table, (concept, source_concept, value, _) in CODED.items():
        if table in source.columns:
            counts[table] = _grouped(source, table, (concept, source_concept, value))
    aux = {
        (table, column): _grouped(source, table, (column,))
        for table, columns in AUXILIARY_CONCEPTS.items()
        if table in source.columns
        for column in columns
        if column in source.columns[table]
    }
    wanted = {k for rows in counts.values() for (c, sc, _), *_ in rows for k in (c, sc) if k}
    wanted |= {key[0] for rows in aux.values() for key, *_ in rows if key[0]}
    catalogue.concepts = _concepts(source, wanted)
    related = _equivalents(source, set(catalogue.concepts))
    catalogue.concepts.update(_concepts(source, {c for targets in related.values() for c in targets}))
    resolver = _Resolver(catalogue.concepts, related, bridge)
    for table, rows in counts.items():
        concept_column = CODED[table][0]
        resolved = {key: resolver.resolve(key, _ROLE.get(table, "any")) for key, *_ in rows}
        catalogue.terms[table] = resolved
        catalogue.unmapped.extend(
            _unmapped(table, concept_column, rows, resolved, catalogue.concepts, ambiguous=resolver.ambiguous)
        )
    for (table, column), rows in aux.items():
        for (concept_id, _, _), n, people, first in rows:
            if concept_id and catalogue.concept_term(concept_id) is None:
                what = _describe(concept_id, catalogue.concepts)
                catalogue.unmapped.append(
                    Unmapped(
                        table,
                        column,
                        what,
                        n,
                        people,
                        first,
                        "give the concept in the concept table",
                        outcome=f"loaded without their {column}",
                    )
                )
    return catalogue


def _grouped(
    source: TableSource, table: str, columns: tuple[str, ...]
) -> list[tuple[CodeKey, int, int, int | None]]:
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    sql = (
        f"SELECT {names}, COUNT(*), COUNT(DISTINCT pid), MIN(pid) FROM "
        f'(SELECT {select_list(source, table, columns)}, {source.person_key} AS pid FROM "{table}") '
        f"AS coded ({names}, pid) GROUP BY {names}"
    )
    out = []
    for row in source.query(table, sql):
        values = list(row[: len(columns)]) + [None] * (3 - len(columns))
        key: CodeKey = (as_int(values[0]), as_int(values[1]), as_text(values[2]))
        n, people, first = row[len(columns) :]
        out.append((key, as_int(n) or 0, as_int(people) or 0, as_int(first)))
    return _merged(out)


def _merged(rows: list[tuple[CodeKey, int, int, int | None]]) -> list[tuple[CodeKey, int, int, int | None]]:
    """Text cells such as '12' and '12.0' are one key once read; add their counts up."""
    merged: dict[CodeKey, tuple[int, int, int | None]] = {}
    for key, n, people, first in rows:
        if key in merged:
            m, p, f = merged[key]
            firsts = [x for x in (f, first) if x is not None]
            merged[key] = (m + n, p + people, min(firsts) if firsts else None)
        else:
            merged[key] = (n, people, first)
    return [(key, *counts) for key, counts in merged.items()]


def _concepts(source: TableSource, ids: set[int]) -> dict[int, Concept]:
    if "concept" not in source.columns or not ids:
        return {}
    columns = ("concept_id", "concept_name", "vocabulary_id", "concept_code")
    out = {}
    for row in source.rows_with_ids("concept", columns, "concept_id", sorted(ids)):
        concept_id = as_int(row[0])
        if concept_id is not None:
            out[concept_id] = Concept(concept_id, as_text(row[1]), as_text(row[2]), as_text(row[3]))
    return out


def _equivalents(source: TableSource, ids: set[int]) -> dict[int, tuple[int, ...]]:
    if "concept_relationship" not in source.columns or not ids:
        return {}
    columns = ("concept_id_1", "concept_id_2", "relationship_id", "invalid_reason")
    out: dict[int, list[int]] = {}
    for one, two, relationship, invalid in source.rows_with_ids(
        "concept_relationship", columns, "concept_id_1", sorted(ids)
    ):
        first, second = as_int(one), as_int(two)
        if first is not None and second and as_text(relationship) in EQUIVALENCES and not as_text(invalid):
            out.setdefault(first, []).append(second)
    return {k: tuple(v) for k, v in out.items()}


class _Resolver:
    def __init__(
        self,
        concepts: Mapping[int, Concept],
        related: Mapping[int, tuple[int, ...]],
        bridge: CodeBridge,
    ) -> None:
        self._concepts = concepts
        self._related = related
        self._bridge = bridge
        self.ambiguous: dict[CodeKey, str] = {}  # key -> why its SNOMED CT code was not bridged

    def resolve(self, key: CodeKey, role: Role) -> Term | None:
        concept_id, source_concept_id, value = key
        if (link := self._link(concept_id)) is not None:
            return link
        candidates = list(self._direct(source_concept_id))
        if is_curie(value):
            curie = canonical_curie(value)
            candidates.append(Term(curie, None, kind_of(curie)))
        candidates += self._direct(concept_id)
        for start in (source_concept_id, concept_id):
            for other in self._related.get(start or 0, ()):
                candidates += self._direct(other)
        chosen = self._choose(candidates, role)
        if chosen is None and role == "clinical":
            chosen = self._snomed_hpo(key, candidates)
        return _labelled(chosen, candidates)

    def _choose(self, candidates: list[Term], role: Role) -> Term | None:
        if role == "any":
            return candidates[0] if candidates else None
        for candidate in candidates:
            if candidate.kind in _CLINICAL:
                return candidate
            if (mondo := self._bridge.disease(candidate.id)) is not None and mondo.term is not None:
                return Term(mondo.term, mondo.label, "disease")
        return candidates[0] if role == "cause" and candidates else None

    def _snomed_hpo(self, key: CodeKey, candidates: list[Term]) -> Term | None:
        """The first SNOMED CT code among ``candidates`` that the HPO release cross-references from
        exactly one term; a code cross-referenced from several is ambiguous and not used."""
        for candidate in candidates:
            found = self._bridge.phenotype(candidate.id)
            if found is not None and found.term is not None:
                return Term(found.term, found.label, "phenotype")
            if found is not None and found.ambiguous and key not in self.ambiguous:
                self.ambiguous[key] = f"is ambiguous ({found.reason})"
        return None

    def _direct(self, concept_id: int | None) -> Iterable[Term]:
        concept = self._concepts.get(concept_id) if concept_id else None
        curie = concept.curie if concept is not None else None
        if concept is not None and curie is not None:
            curie = canonical_curie(curie)
            yield Term(curie, _label(concept, curie), kind_of(curie))

    def _link(self, concept_id: int | None) -> Term | None:
        concept = self._concepts.get(concept_id) if concept_id else None
        if concept is None or concept.vocabulary != LOCAL_VOCABULARY:
            return None
        if concept.code in (TREATMENT_TARGET, TREATMENT_RESPONSE):
            return Term(f"{LOCAL_VOCABULARY}:{concept.code}", None, "other", link=concept.code)
        return None


def _labelled(chosen: Term | None, candidates: list[Term]) -> Term | None:
    """A source value's id with the label of a concept that has the same id."""
    if chosen is None or chosen.label:
        return chosen
    label = next((c.label for c in candidates if c.id == chosen.id and c.label), None)
    return Term(chosen.id, label, chosen.kind, chosen.link) if label else chosen


def _label(concept: Concept, curie: str) -> str | None:
    """The concept's name, unless it only repeats the id (the writer's name for an unlabelled term)."""
    return concept.name if concept.name and concept.name != curie else None


def _unmapped(
    table: str,
    column: str,
    rows: list[tuple[CodeKey, int, int, int | None]],
    resolved: Mapping[CodeKey, Term | None],
    concepts: Mapping[int, Concept],
    *,
    ambiguous: Mapping[CodeKey, str],
) -> Iterable[Unmapped]:
    """One entry per concept (per source value when the row has no concept) none of whose rows mapped."""
    grouped: dict[tuple[int | None, str], list[tuple[int, int, int | None]]] = {}
    why: dict[tuple[int | None, str], str] = {}
    for key, n, people, first in rows:
        concept_id, source_concept_id, value = key
        if resolved.get(key) is not None or (
            table == "death" and not (concept_id or source_concept_id or value)
        ):
            continue  # a death with no cause given is no unmapped concept
        group = (concept_id, "") if concept_id else (None, value)
        grouped.setdefault(group, []).append((n, people, first))
        if key in ambiguous:
            why.setdefault(group, ambiguous[key])
    clinical = _ROLE.get(table, "any") != "any"
    fix = (
        "map it to an HPO, OMIM, ORPHA or Mondo concept (concept_relationship 'Maps to') or give an "
        "HP:/OMIM:/ORPHA:/MONDO: id as its source value"
        if clinical
        else "give the concept in the concept table, or a CURIE source value"
    )
    for (concept_id, value), counts in grouped.items():
        if concept_id:
            what = _describe(concept_id, concepts)
        else:
            what = (
                f"source value {value!r} with no concept"
                if value
                else "rows with concept 0 and no source value"
            )
        firsts = [f for _, _, f in counts if f is not None]
        yield Unmapped(
            table,
            column,
            what,
            sum(n for n, _, _ in counts),
            sum(p for _, p, _ in counts),  # an upper bound when one concept has several source values
            min(firsts) if firsts else None,
            _AMBIGUOUS_FIX if (concept_id, value) in why else fix,
            why=why.get((concept_id, value), "has no mapping"),
        )


_AMBIGUOUS_FIX = (
    "map it to the one HPO term it means (concept_relationship 'Maps to') or give that HP: id as its "
    "source value"
)


def _describe(concept_id: int, concepts: Mapping[int, Concept]) -> str:
    concept = concepts.get(concept_id)
    if concept is None:
        return f"concept {concept_id} (not in the concept table)"
    return f"concept {concept_id} ({concept.vocabulary} {concept.code} {concept.name!r})"
