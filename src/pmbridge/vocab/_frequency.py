"""How often a disease shows a phenotype, as one number, from the notations of phenotype.hpoa.

HPO frequency terms stand for ranges; each maps to the midpoint of its range.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType

from pmbridge.errors import VocabularyError

FREQUENCY_TERMS = MappingProxyType(
    {
        "HP:0040280": 1.0,  # Obligate (100 %)
        "HP:0040281": 0.895,  # Very frequent (80-99 %)
        "HP:0040282": 0.545,  # Frequent (30-79 %)
        "HP:0040283": 0.17,  # Occasional (5-29 %)
        "HP:0040284": 0.025,  # Very rare (1-4 %)
        "HP:0040285": 0.0,  # Excluded (0 %)
    }
)
"""HPO frequency term -> the midpoint of the range it stands for."""


@lru_cache(maxsize=4096)
def parse_frequency(text: str) -> float | None:
    """The frequency written as ``n/m``, ``x%`` or an HPO frequency term; None when empty.

    >>> parse_frequency("1/2"), parse_frequency("45%"), parse_frequency("76.3%")
    (0.5, 0.45, 0.763)
    >>> parse_frequency("HP:0040281"), parse_frequency("HP:0040285"), parse_frequency("")
    (0.895, 0.0, None)
    >>> parse_frequency("often")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.VocabularyError: unreadable frequency 'often' (hint: ...)
    """
    value = text.strip()
    if not value:
        return None
    if value in FREQUENCY_TERMS:
        return FREQUENCY_TERMS[value]
    try:
        if value.endswith("%"):
            number = float(value[:-1])
            fraction = round(number / 100, 10)
            if 0 <= number <= 100:
                return fraction
        elif "/" in value:
            top, bottom = (int(part) for part in value.split("/"))
            if 0 <= top <= bottom and bottom > 0:
                return top / bottom
    except ValueError:
        pass
    raise VocabularyError(
        f"unreadable frequency {text!r}",
        hint="use n/m (e.g. 3/7), a percentage (e.g. 45%) or an HPO frequency term HP:0040280-HP:0040285",
    )
