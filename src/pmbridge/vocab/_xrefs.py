"""The cross-references of an HPO release (``xref:`` lines of ``hp.obo``): which HPO terms name a code
of another vocabulary (SNOMED CT, UMLS, …). hpo3 does not expose them, so ``hp.obo`` is scanned once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from pmbridge.vocab._obo import read_release


@dataclass(frozen=True, slots=True)
class HpoXrefs:
    """One release's cross-references, from the current (not obsolete) terms only."""

    release: str
    terms_of: Mapping[str, tuple[str, ...]]
    """Cross-reference as written in ``hp.obo`` (``SNOMEDCT_US:22298006``) -> its HPO terms, sorted."""
    names: Mapping[str, str]
    """HPO term -> its name, for the terms that have a cross-reference."""

    def hpo_terms(self, xref: str) -> tuple[str, ...]:
        """The HPO terms that give ``xref`` as a cross-reference (none, one, or several: ambiguous).

        >>> xrefs = HpoXrefs("r", {"SNOMEDCT_US:91175000": ("HP:0001250",)}, {"HP:0001250": "Seizure"})
        >>> xrefs.hpo_terms("SNOMEDCT_US:91175000"), xrefs.hpo_terms("SNOMEDCT_US:1")
        (('HP:0001250',), ())
        """
        return self.terms_of.get(xref, ())


def read_hpo_xrefs(obo: Path) -> HpoXrefs:
    """The cross-references of ``obo`` (an ``hp.obo``), cached per file and modification."""
    stat = obo.stat()
    key = (str(obo.resolve()), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _CACHE[key] = _read(obo)
        return cached


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, int, int], HpoXrefs] = {}
# One regex pass over the file, as in _obo.py: a Python loop over its ~200k lines is several times slower.
_TAGS = re.compile(r"^(\[|id: |name: |is_obsolete: |xref: )(.*)", re.MULTILINE)


def _read(obo: Path) -> HpoXrefs:
    release = read_release(obo)
    xrefs: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    obsolete: set[str] = set()
    current: str | None = None
    in_term = False  # the header and [Typedef] stanzas have ids and xrefs too, of no HPO term
    for tag, value in _TAGS.findall(obo.read_text(encoding="utf-8")):
        if tag == "[":
            current, in_term = None, value.startswith("Term]")
        elif tag == "id: ":
            current = value.strip() if in_term else None
        elif current is None:
            continue
        elif tag == "name: ":
            names[current] = value.strip()
        elif tag == "is_obsolete: ":
            if value.strip() == "true":
                obsolete.add(current)
        elif value.strip():
            # "xref: SNOMEDCT_US:22298006 {source=...}" or '... "description"': the id is the first word.
            xrefs.setdefault(current, []).append(value.split()[0])
    terms_of: dict[str, set[str]] = {}
    for term, found in xrefs.items():
        if term not in obsolete:
            for xref in found:
                terms_of.setdefault(xref, set()).add(term)
    named = {term: names[term] for terms in terms_of.values() for term in terms if term in names}
    return HpoXrefs(
        release,
        MappingProxyType({xref: tuple(sorted(terms)) for xref, terms in terms_of.items()}),
        MappingProxyType(named),
    )
