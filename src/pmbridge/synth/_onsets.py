"""HPO onset terms as age ranges, so that a drawn onset never lies after the person's age.

Labels are the HPO's own (a test checks them against the loaded release).
"""

from __future__ import annotations

from dataclasses import dataclass

DAYS_PER_YEAR = 365.25


def _years(value: float) -> int:
    return round(value * DAYS_PER_YEAR)


@dataclass(frozen=True, slots=True)
class OnsetRange:
    """An HPO onset class and the ages (in days after birth) it covers."""

    term: str
    label: str
    first_day: int
    last_day: int

    def fits(self, age_days: int) -> bool:
        """Whether someone aged ``age_days`` can already have had this onset.

        >>> ONSETS["HP:0003581"].fits(_years(10)), ONSETS["HP:0003577"].fits(0)
        (False, True)
        """
        return self.first_day <= age_days


_BEFORE_BIRTH = 0
ONSETS: dict[str, OnsetRange] = {
    onset.term: onset
    for onset in (
        OnsetRange("HP:0030674", "Antenatal onset", _BEFORE_BIRTH, _BEFORE_BIRTH),
        OnsetRange("HP:0011460", "Embryonal onset", _BEFORE_BIRTH, _BEFORE_BIRTH),
        OnsetRange("HP:0011461", "Fetal onset", _BEFORE_BIRTH, _BEFORE_BIRTH),
        OnsetRange("HP:0034197", "Third trimester onset", _BEFORE_BIRTH, _BEFORE_BIRTH),
        OnsetRange("HP:0034198", "Second trimester onset", _BEFORE_BIRTH, _BEFORE_BIRTH),
        OnsetRange("HP:0034199", "Late first trimester onset", _BEFORE_BIRTH, _BEFORE_BIRTH),
        OnsetRange("HP:0003577", "Congenital onset", 0, 0),
        OnsetRange("HP:0003623", "Neonatal onset", 0, 28),
        OnsetRange("HP:0410280", "Pediatric onset", 0, _years(16)),
        OnsetRange("HP:0003593", "Infantile onset", 28, _years(1)),
        OnsetRange("HP:0011463", "Childhood onset", _years(1), _years(5)),
        OnsetRange("HP:0003621", "Juvenile onset", _years(5), _years(15)),
        OnsetRange("HP:0003581", "Adult onset", _years(16), _years(80)),
        OnsetRange("HP:0011462", "Young adult onset", _years(16), _years(40)),
        OnsetRange("HP:0025708", "Early young adult onset", _years(16), _years(19)),
        OnsetRange("HP:0025709", "Intermediate young adult onset", _years(19), _years(25)),
        OnsetRange("HP:0025710", "Late young adult onset", _years(25), _years(40)),
        OnsetRange("HP:0003596", "Middle age onset", _years(40), _years(60)),
        OnsetRange("HP:0003584", "Late onset", _years(60), _years(85)),
        OnsetRange("HP:4000040", "Puerpural onset", _years(18), _years(45)),
        OnsetRange("HP:6000314", "Perimenopausal onset", _years(45), _years(55)),
        OnsetRange("HP:6000315", "Postmenopausal onset", _years(50), _years(80)),
    )
}


def known_onsets(terms: tuple[str, ...]) -> tuple[OnsetRange, ...]:
    """The onsets among ``terms`` that we can place on an age scale (others are dropped).

    >>> [o.label for o in known_onsets(("HP:0003593", "HP:9999999"))]
    ['Infantile onset']
    """
    return tuple(ONSETS[term] for term in terms if term in ONSETS)
