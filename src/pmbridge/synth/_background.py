"""Common findings unrelated to a patient's rare disease, as real clinical records carry them.

They keep synthetic phenotype profiles from being perfect copies of the annotations, which
matters for testing similarity search and disease ranking. Labels are the HPO's own.
"""

from __future__ import annotations

import random

from pmbridge.synth._weighted import WeightedChoice

# (term, label, relative frequency in a general paediatric/adult clinic population)
BACKGROUND_TERMS: tuple[tuple[str, str, float], ...] = (
    ("HP:0000388", "Otitis media", 6.0),
    ("HP:0002205", "Recurrent respiratory infections", 5.0),
    ("HP:0002019", "Constipation", 5.0),
    ("HP:0001047", "Atopic dermatitis", 4.0),
    ("HP:0002099", "Asthma", 4.0),
    ("HP:0000545", "Myopia", 4.0),
    ("HP:0002315", "Headache", 3.5),
    ("HP:0012735", "Cough", 3.0),
    ("HP:0001945", "Fever", 3.0),
    ("HP:0002014", "Diarrhea", 2.5),
    ("HP:0002027", "Abdominal pain", 2.5),
    ("HP:0012378", "Fatigue", 2.5),
    ("HP:0000540", "Hypermetropia", 2.0),
    ("HP:0000486", "Strabismus", 2.0),
    ("HP:0000010", "Recurrent urinary tract infections", 2.0),
    ("HP:0002018", "Nausea", 1.5),
    ("HP:0002360", "Sleep abnormality", 1.5),
    ("HP:0000739", "Anxiety", 1.5),
    ("HP:0007018", "Attention deficit hyperactivity disorder", 1.5),
    ("HP:0001513", "Obesity", 1.5),
    ("HP:0002076", "Migraine", 1.0),
    ("HP:0000716", "Depression", 1.0),
    ("HP:0002829", "Arthralgia", 1.0),
    ("HP:0000989", "Pruritus", 1.0),
    ("HP:0000822", "Hypertension", 1.0),
    ("HP:0000952", "Jaundice", 0.5),
)
_TABLE = WeightedChoice.of([((term, label), weight) for term, label, weight in BACKGROUND_TERMS])
_HOW_MANY = WeightedChoice.of([(0, 0.40), (1, 0.35), (2, 0.18), (3, 0.07)])


def draw_background(rng: random.Random, *, avoid: frozenset[str]) -> list[tuple[str, str]]:
    """Zero to three distinct background findings as ``(term, label)``, none in ``avoid``.

    >>> found = draw_background(random.Random(3), avoid=frozenset({"HP:0000388"}))
    >>> all(term != "HP:0000388" for term, _ in found)
    True
    """
    wanted = _HOW_MANY.pick(rng)
    chosen: list[tuple[str, str]] = []
    for _ in range(wanted * 3):
        if len(chosen) == wanted:
            break
        candidate = _TABLE.pick(rng)
        if candidate[0] not in avoid and candidate not in chosen:
            chosen.append(candidate)
    return chosen
