"""Is a research purpose's disease within a DS dataset's disease? Mondo is_a, where available.

Two sources, both optional: Mondo's is_a hierarchy (``mondo/mondo.obo`` in the data directory,
not shipped: see docs/policy.md) and Mondo's exact-match mapping sets (ORPHA, ICD-10 ↔ MONDO,
in ``mappings/mondo``). Without the hierarchy only equal or exactly-mapped diseases match, and
anything else is undecidable (None): the data access committee decides, the code never guesses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Final

MONDO_OBO: Final = "mondo/mondo.obo"
EXACT_MATCH_FILES: Final = (
    "mappings/mondo/mondo_exactmatch_orphanet.sssom.tsv",
    "mappings/mondo/mondo_exactmatch_icd10cm.sssom.tsv",
    "mappings/mondo/mondo_exactmatch_icd10who.sssom.tsv",
)
_PREFIX_ALIASES: Final = {"Orphanet": "ORPHA", "ORDO": "ORPHA", "OMIM": "OMIM", "MONDO": "MONDO"}


def normalise_disease(term: str) -> str:
    """One spelling per disease id: Orphanet's ``Orphanet:558`` is PM Bridge's ``ORPHA:558``.

    >>> normalise_disease(" Orphanet:558 ")
    'ORPHA:558'
    """
    prefix, _, local = term.strip().partition(":")
    return f"{_PREFIX_ALIASES.get(prefix, prefix)}:{local}"


class DiseaseHierarchy:
    """Mondo is_a parents (may be empty) and exact equivalences between disease codes.

    >>> h = DiseaseHierarchy(parents={"MONDO:2": ["MONDO:1"]}, equivalents={"ORPHA:9": ["MONDO:2"]})
    >>> h.within("ORPHA:9", "MONDO:1"), h.within("MONDO:1", "MONDO:2"), h.within("MONDO:7", "MONDO:1")
    (True, False, None)
    """

    def __init__(
        self,
        *,
        parents: Mapping[str, Collection[str]],
        equivalents: Mapping[str, Collection[str]],
        source: str = "in memory",
    ) -> None:
        self._parents = {
            normalise_disease(t): frozenset(map(normalise_disease, p)) for t, p in parents.items()
        }
        self._equivalents: dict[str, set[str]] = {}
        for term, others in equivalents.items():
            for other in others:
                self._link(normalise_disease(term), normalise_disease(other))
        self._known = set(self._parents).union(*self._parents.values())
        self._ancestors: dict[str, frozenset[str]] = {}
        self.source = source

    @property
    def has_hierarchy(self) -> bool:
        """Whether is_a edges are loaded; without them only equal or exactly-mapped terms match."""
        return bool(self._parents)

    def equivalent(self, term: str) -> frozenset[str]:
        """``term`` and every code mapped to it exactly."""
        key = normalise_disease(term)
        return frozenset({key, *self._equivalents.get(key, ())})

    def within(self, term: str, ancestor: str) -> bool | None:
        """True when ``term`` is ``ancestor`` or a descendant of it; None when that cannot be known."""
        mine, theirs = self.equivalent(term), self.equivalent(ancestor)
        if mine & theirs:
            return True
        known = [t for t in mine if t in self._known]
        if not known or not any(t in self._known for t in theirs):
            return None
        return any(self._closure(t) & theirs for t in known)

    def _link(self, a: str, b: str) -> None:
        self._equivalents.setdefault(a, set()).add(b)
        self._equivalents.setdefault(b, set()).add(a)

    def _closure(self, term: str) -> frozenset[str]:
        cached = self._ancestors.get(term)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = list(self._parents.get(term, ()))
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(self._parents.get(parent, ()))
        found = frozenset(seen)
        self._ancestors[term] = found
        return found


def load_disease_hierarchy(data_dir: Path) -> DiseaseHierarchy:
    """The hierarchy from whatever of Mondo the data directory holds (``source`` says what)."""
    obo = data_dir / MONDO_OBO
    parents = read_obo_parents(obo.read_text(encoding="utf-8").splitlines()) if obo.is_file() else {}
    equivalents: dict[str, list[str]] = {}
    used = []
    for name in EXACT_MATCH_FILES:
        path = data_dir / name
        if path.is_file():
            used.append(path.name)
            for mondo, other in read_exact_matches(path.read_text(encoding="utf-8").splitlines()):
                equivalents.setdefault(mondo, []).append(other)
    source = (f"{MONDO_OBO} ({len(parents)} terms)" if parents else f"no {MONDO_OBO}: exact matches only") + (
        f"; mappings: {', '.join(used)}" if used else "; no mapping sets"
    )
    return DiseaseHierarchy(parents=parents, equivalents=equivalents, source=source)


def read_obo_parents(lines: Iterable[str]) -> dict[str, list[str]]:
    """is_a parents of every non-obsolete ``[Term]`` of an OBO file.

    >>> read_obo_parents(["[Term]", "id: MONDO:2", "is_a: MONDO:1 ! disease"])
    {'MONDO:2': ['MONDO:1']}
    """
    parents: dict[str, list[str]] = {}
    term: str | None = None
    found: list[str] = []
    in_term = obsolete = False
    for raw in [*lines, "[End]"]:
        line = raw.strip()
        if line.startswith("["):
            if term is not None and not obsolete:
                parents[term] = found
            term, found, obsolete, in_term = None, [], False, line == "[Term]"
        elif not in_term:
            continue
        elif line.startswith("id: "):
            term = line[4:].strip()
        elif line.startswith("is_a: "):
            found.append(line[6:].split("!")[0].split("{")[0].strip())
        elif line == "is_obsolete: true":
            obsolete = True
    return parents


def read_exact_matches(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(MONDO id, other code) pairs of an SSSOM exactMatch file, skipping obsolete Mondo terms."""
    pairs = []
    header: list[str] | None = None
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        cells = line.rstrip("\n").split("\t")
        if header is None:
            header = cells
            continue
        row = dict(zip(header, cells, strict=False))
        if row.get("predicate_id") != "skos:exactMatch" or row.get("subject_label", "").startswith(
            "obsolete"
        ):
            continue
        pairs.append((row["subject_id"], row["object_id"]))
    return pairs
