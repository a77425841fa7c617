"""The words of a MIABIS Core 3.0 collection on the datasets page: each value set's values, and ages.

A node sends the standard's English values (``"Tissue (FFPE)"``, ``"-60 °C to -85 °C"``); each is a
catalogue message here so that both languages read it. A value outside these lists is shown as sent.
Value sets: ``pmbridge.ingest._miabis_terms`` (MIABIS Core 3.0, github.com/BBMRI-ERIC/miabis).
"""

from __future__ import annotations

from typing import Final

from pmbridge.portal._i18n import N_

OTHER: Final = N_("Other")
SEX: Final = frozenset(
    {N_("Male"), N_("Female"), N_("Unknown"), N_("Undifferentiated"), N_("Not applicable")}
)
DATA_CATEGORIES: Final = frozenset(
    {
        N_("Lifestyle dataset"),
        N_("Environmental dataset"),
        N_("Physiological dataset"),
        N_("Biochemical dataset"),
        N_("Clinical dataset"),
        N_("Psychological dataset"),
        N_("Genomic dataset"),
        N_("Proteomic dataset"),
        N_("Metabolomic dataset"),
        N_("Body (Radiological) image"),
        N_("Whole slide image"),
        N_("Photo image"),
        N_("Genealogical records"),
        OTHER,
    }
)
SAMPLE_TYPES: Final = frozenset(
    {
        N_("Blood"),
        N_("Buffy coat"),
        N_("Cancer cell lines"),
        N_("Digital sample"),
        N_("DNA"),
        N_("Entire body organ"),
        N_("Faeces"),
        N_("Embryo or fetal tissue"),
        N_("Immortalized cell lines"),
        N_("Isolated microbes"),
        N_("Other body fluid"),
        N_("Plasma"),
        N_("Primary cells"),
        N_("Post-mortem tissue"),
        N_("RNA"),
        N_("Saliva"),
        N_("Serum"),
        N_("Specimen from environment or food"),
        N_("Swab"),
        N_("Tissue (Frozen)"),
        N_("Tissue (FFPE)"),
        N_("Urine"),
        OTHER,
    }
)
STORAGE_TEMPERATURES: Final = frozenset(
    {
        N_("RT"),
        N_("2 °C to 10°C"),
        N_("-18 °C to -35 °C"),
        N_("-60 °C to -85 °C"),
        N_("<-135 °C"),
        N_("Liquid nitrogen vapor-phase"),
        N_("Liquid nitrogen liquid-phase"),
        OTHER,
    }
)
COLLECTION_DESIGNS: Final = frozenset(
    {
        N_("Case-control"),
        N_("Cross-sectional"),
        N_("Longitudinal cohort"),
        N_("Twin-study"),
        N_("Quality control study"),
        N_("Population-based cohort"),
        N_("Disease-specific cohort"),
        N_("Birth cohort"),
        N_("Microbial collection"),
        N_("Reference collection"),
        N_("Rare disease collection"),
        OTHER,
    }
)
ACCESS_CONDITIONS: Final = frozenset(
    {
        N_("Commercial use"),
        N_("Collaboration"),
        N_("Specific research use"),
        N_("Genetic data use"),
        N_("Outside EU access"),
        N_("Xenograft"),
        N_("Other animal work"),
        OTHER,
    }
)
AGES: Final = {  # MIABIS age unit -> (one, more than one); English is the only plural rule needed
    "Years": (N_("%(n)s year"), N_("%(n)s years")),
    "Months": (N_("%(n)s month"), N_("%(n)s months")),
    "Weeks": (N_("%(n)s week"), N_("%(n)s weeks")),
    "Days": (N_("%(n)s day"), N_("%(n)s days")),
    "Gestational weeks": (N_("%(n)s gestational week"), N_("%(n)s gestational weeks")),
}
AGE_RANGES: Final = {
    "both": N_("%(low)s to %(high)s"),
    "low": N_("from %(low)s"),
    "high": N_("up to %(high)s"),
}
