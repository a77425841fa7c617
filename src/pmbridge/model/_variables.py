"""The variables an analysis may use: each one a number per person, read by the node from its store.

A caller never sends code or column names: it names a variable and says where its value comes
from in the data model (a built-in, or a phenotype, gene, disease, measurement or treatment
code). The node turns each into one numeric column, missing where the person has no value, so
that every node builds the same design columns whatever mix of people it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Source(StrEnum):
    """Where a variable's value comes from; the value each source gives is in :data:`MEANINGS`."""

    AGE = "age"
    MALE = "male"
    TIME = "time"
    LOG_TIME = "log_time"
    EVENT = "event"
    PHENOTYPE = "phenotype"
    GENE = "gene"
    DISEASE = "disease"
    MEASUREMENT = "measurement"
    TREATMENT = "treatment"
    RESPONSE = "response"


MEANINGS: Final[dict[Source, str]] = {
    Source.AGE: "age in years at the last encounter (missing when unknown)",
    Source.MALE: "1 for MALE, 0 for FEMALE, missing for any other or unknown sex",
    Source.TIME: "follow-up time in days: vitalStatus.survivalTimeInDays (missing when not recorded)",
    Source.LOG_TIME: "the natural logarithm of time (an offset for Poisson models of event rates)",
    Source.EVENT: "1 when vitalStatus.status is DECEASED, 0 when ALIVE, missing otherwise",
    Source.PHENOTYPE: "1 when the HPO term or a descendant is observed, 0 otherwise "
    "(excluded or not recorded)",
    Source.GENE: "1 when the person carries a variant in the gene (HGNC symbol), 0 otherwise",
    Source.DISEASE: "1 when the person has the diagnosis (OMIM, ORPHA or MONDO id), 0 otherwise",
    Source.MEASUREMENT: "the person's latest value of the assay (a LOINC code), missing when never measured",
    Source.TREATMENT: "1 when a medical action gave the person the agent (e.g. a CHEBI or DrugCentral "
    "id), 0 otherwise",
    Source.RESPONSE: "1 when the person's treatment with the agent had a favourable response, 0 when "
    "not, missing when not treated with it or the response is not recorded",
}

CODED: Final[frozenset[Source]] = frozenset(
    {Source.PHENOTYPE, Source.GENE, Source.DISEASE, Source.MEASUREMENT, Source.TREATMENT, Source.RESPONSE}
)
"""Sources that need a code (the term, symbol or assay); the others are the person's own fields."""

BINARY: Final[frozenset[Source]] = frozenset(Source) - {
    Source.AGE,
    Source.TIME,
    Source.LOG_TIME,
    Source.MEASUREMENT,
}
"""Sources whose values are 0 or 1: each of their levels must hold at least the minimum count."""

BUILT_INS: Final[dict[str, Source]] = {
    "age": Source.AGE,
    "male": Source.MALE,
    "time": Source.TIME,
    "log_time": Source.LOG_TIME,
    "event": Source.EVENT,
}
"""Names every analysis may use without declaring them."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One named variable: ``name`` as formulas spell it, ``source`` and, for coded sources, ``code``.

    >>> Variable("scn1a", Source.GENE, "SCN1A").binary
    True
    >>> Variable("ldl", Source.MEASUREMENT, "LOINC:2089-1").binary
    False
    """

    name: str
    source: Source
    code: str | None = None

    @property
    def binary(self) -> bool:
        """True when the variable takes only the values 0 and 1."""
        return self.source in BINARY

    @property
    def genetic(self) -> bool:
        """True when the value is derived from genetic data (rule X4 applies to it)."""
        return self.source is Source.GENE


def built_in(name: str) -> Variable | None:
    """The built-in variable called ``name``, or None.

    >>> built_in("male")
    Variable(name='male', source=<Source.MALE: 'male'>, code=None)
    """
    source = BUILT_INS.get(name)
    return None if source is None else Variable(name, source)
