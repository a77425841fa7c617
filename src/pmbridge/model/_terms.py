"""Ontology term ids (CURIEs) as used across PM Bridge: HP, OMIM, ORPHA, MONDO, HGNC, DUO."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURIE = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9_.-]*):(?P<local>[^\s:]+)$")
_HPO = re.compile(r"^HP:\d{7}$")
DISEASE_PREFIXES = ("OMIM", "ORPHA", "MONDO")


@dataclass(frozen=True, slots=True, order=True)
class TermId:
    """A compact URI such as ``HP:0001250``.

    >>> TermId.parse("HP:0001250").prefix
    'HP'
    >>> str(TermId.parse("ORPHA:558"))
    'ORPHA:558'
    >>> TermId.parse("seizure") is None
    True
    """

    prefix: str
    local: str

    @classmethod
    def parse(cls, text: str) -> TermId | None:
        """The term id in ``text``, or None when it is not a CURIE."""
        match = _CURIE.match(text.strip())
        if match is None:
            return None
        return cls(match["prefix"], match["local"])

    def __str__(self) -> str:
        return f"{self.prefix}:{self.local}"


def is_hpo_id(text: str) -> bool:
    """Whether ``text`` is shaped like an HPO id.

    >>> is_hpo_id("HP:0001250"), is_hpo_id("HP:1250")
    (True, False)
    """
    return _HPO.match(text) is not None


def is_disease_id(text: str) -> bool:
    """Whether ``text`` names a disease in OMIM, Orphanet or Mondo.

    >>> is_disease_id("OMIM:154700"), is_disease_id("HP:0001250")
    (True, False)
    """
    term = TermId.parse(text)
    return term is not None and term.prefix in DISEASE_PREFIXES
