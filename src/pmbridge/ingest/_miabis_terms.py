"""MIABIS Core 3.0 attribute lists and value sets, kept as data: which attributes each entity has,
which are mandatory (cardinality 1 or 1..n), which take several values, and the allowed values.

Source: github.com/BBMRI-ERIC/miabis, ``Core/V3/Data-describing-Collection.md``,
``Core/V3/Data-describing-Network.md`` and ``Core/Biobank.md`` (Eklund et al., Biopreserv Biobank
2024, doi:10.1089/bio.2023.0074); contact and disease fields from ``Structured-data-and-lists.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["AGE_UNITS", "CONTACT_FIELDS", "DISEASE_FIELDS", "ENTITIES", "EntitySpec"]


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One MIABIS entity: its attributes by name and what each allows."""

    name: str
    mandatory: frozenset[str]
    text: frozenset[str] = frozenset()
    texts: frozenset[str] = frozenset()  # several free-text values (0..n)
    integers: frozenset[str] = frozenset()
    one_of: Mapping[str, frozenset[str]] = field(default_factory=dict)
    many_of: Mapping[str, frozenset[str]] = field(default_factory=dict)
    structured: frozenset[str] = frozenset()  # Contact Information, Disease
    references: Mapping[str, str] = field(default_factory=dict)  # attribute -> entity

    @property
    def attributes(self) -> frozenset[str]:
        return (
            self.text
            | self.texts
            | self.integers
            | frozenset(self.one_of)
            | frozenset(self.many_of)
            | self.structured
            | frozenset(self.references)
        )


def _values(text: str) -> frozenset[str]:
    return frozenset(v.strip() for v in text.split(";"))


CONTACT_FIELDS = frozenset({"First name", "Last name", "Phone", "Email", "Address", "ZIP", "City", "Country"})
DISEASE_FIELDS = frozenset(
    {
        "Disease Ontology",
        "Disease Ontology Version",
        "Disease Ontology Code",
        "Disease Ontology Description",
        "Disease Free Text",
    }
)
AGE_UNITS = _values("Years; Months; Weeks; Days; Gestational weeks")
STATUS = _values("Active; Ended; Other")

BIOBANK = EntitySpec(
    name="biobank",
    # The Core 3.0 biobank table gives no cardinality; these mirror the network's mandatory set.
    mandatory=frozenset({"ID", "Name", "Juristic Person", "Country", "Contact Information"}),
    text=frozenset({"ID", "Acronym", "Name", "URL", "Juristic Person", "Country", "Description"}),
    many_of={
        "Infrastructural capabilities": _values("Sample storage; Data storage; Biosafety abilities"),
        "Organisational capabilities": _values(
            "Recontact with donors; Facilitating clinical trials; Setting up prospective collections; "
            "Access to omics data; Access to laboratory analysis data; Access to donors'clinical data; "
            "Access to pathology archive; Access to radiology archive; "
            "Access to national medical registries; Other"
        ),
        "Bioprocessing and analytical capabilities": _values(
            "Biochemical analyses; Genomics; Nucleic acid extraction; Proteomics; Metabolomics; "
            "Histology; Cell-lines processing; Virology; Sample processing; Sample shipping; "
            "Sample quality control services; Other"
        ),
        "Quality Management standard": _values("ISO 20387; ISO 9001; Other"),
    },
    structured=frozenset({"Contact Information"}),
    references={"Networks": "network"},
)

COLLECTION = EntitySpec(
    name="collection",
    # The seven attributes of cardinality 1 or 1..n, plus the link to the hosting biobank.
    mandatory=frozenset(
        {
            "ID",
            "Name",
            "Contact Information",
            "Description",
            "Sex",
            "Dataset type",
            "Sample type",
            "Biobank",
        }
    ),
    text=frozenset({"ID", "Acronym", "Name", "URL", "Description", "Biobank"}),
    texts=frozenset({"Publications"}),
    integers=frozenset({"Age Low", "Age High", "Total number of subjects"}),
    one_of={
        "Sample source": _values("Human; Animal; Environment"),
        "Age Low Unit": AGE_UNITS,
        "Age High Unit": AGE_UNITS,
        "Collection status": STATUS,
    },
    many_of={
        "Sex": _values("Male; Female; Unknown; Undifferentiated; Not applicable"),
        "Dataset type": _values(
            "Lifestyle dataset; Environmental dataset; Physiological dataset; Biochemical dataset; "
            "Clinical dataset; Psychological dataset; Genomic dataset; Proteomic dataset; "
            "Metabolomic dataset; Body (Radiological) image; Whole slide image; Photo image; "
            "Genealogical records; Other"
        ),
        "Sample type": _values(
            "Blood; Buffy coat; Cancer cell lines; Digital sample; DNA; Entire body organ; Faeces; "
            "Embryo or fetal tissue; Immortalized cell lines; Isolated microbes; Other body fluid; "
            "Plasma; Primary cells; Post-mortem tissue; RNA; Saliva; Serum; "
            "Specimen from environment or food; Swab; Tissue (Frozen); Tissue (FFPE); Urine; Other"
        ),
        "Storage temperature": _values(
            "RT; 2 °C to 10°C; -18 °C to -35 °C; -60 °C to -85 °C; <-135 °C; "
            "Liquid nitrogen vapor-phase; Liquid nitrogen liquid-phase; Other"
        ),
        "Sample collection setting": _values(
            "Routine health care setting; Clinical trial; Research study; "
            "Public health/population based study; Museum and/or archeological collection; "
            "Environment; Unknown; Other"
        ),
        "Collection design": _values(
            "Case-control; Cross-sectional; Longitudinal cohort; Twin-study; Quality control study; "
            "Population-based cohort; Disease-specific cohort; Birth cohort; "
            "Microbial collection; Reference collection; Rare disease collection; Other"
        ),
        "Use & Access conditions": _values(
            "Commercial use; Collaboration; Specific research use; Genetic data use; "
            "Outside EU access; Xenograft; Other animal work; Other"
        ),
        "Inclusion criteria": _values(
            "Health status; Hospital patient; Use of medication; Gravidity; Age group; "
            "Familial status; Sex; Country of residence; Ethnic origin; "
            "Population representative sampling; Lifestyle/Exposure; Other"
        ),
    },
    structured=frozenset({"Contact Information", "Disease"}),
    references={"Biobank": "biobank", "Networks": "network"},
)

NETWORK = EntitySpec(
    name="network",
    mandatory=frozenset(
        {"ID", "Name", "Juristic person", "Country", "Contact Information", "Network status"}
    ),
    text=frozenset({"ID", "Acronym", "Name", "URL", "Juristic person", "Description"}),
    texts=frozenset({"Country", "Network members"}),
    one_of={"Network status": STATUS},
    many_of={
        "Common collaboration topics": _values(
            "Common charter; Common SOPs; Common data access policy; Common sample access policy; "
            "Common MTA; Common image access policy; Common image MTA; Common representation; "
            "Common URL; Other"
        )
    },
    structured=frozenset({"Contact Information"}),
)

ENTITIES: Mapping[str, EntitySpec] = {"biobanks": BIOBANK, "collections": COLLECTION, "networks": NETWORK}
"""The JSON array (or CSV ``entity`` value) each entity is read from."""
