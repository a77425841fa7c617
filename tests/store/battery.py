"""The store's compiler battery: a small seeded store and named cases covering every compiled statement.

Each case holds the statements the compiler builds for it (run raw on every engine by the parity
test) and the public :class:`NodeStore` read that answers it. Records ``h1``…``h4`` are written by
hand and carry everything the hand-checked answers test (gene TAT, chromosome 16, dataset ``ds-a``
and ``ds-b``); the seeded ones never use those, so the hand-checked answers hold whatever the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from pmbridge.model import (
    AgeFilter,
    Biosample,
    Dataset,
    Dimension,
    Disease,
    DiseaseFilter,
    Filter,
    GeneFilter,
    Individual,
    IndividualQuery,
    Interpretation,
    Measurement,
    MedicalAction,
    Operator,
    PatientRecord,
    PhenotypeFilter,
    PhenotypicFeature,
    Sex,
    SexFilter,
    Source,
    Variable,
    Variant,
    VitalStatus,
    Zygosity,
)
from pmbridge.store import (
    CompiledQuery,
    EntryQuery,
    NodeStore,
    VariantQuery,
    analysis_frame_sql,
    count_by_dataset,
    count_entries,
    counted_members_sql,
    page_of,
)
from pmbridge.store._cohorts import allele_sql, members_by_sql, members_sql, people_sql

SEED = 19
# A tiny ontology: A is the root; B and C are children of A; D is a child of B; E of C.
PARENTS = {"HP:000000A": (), "HP:000000B": ("HP:000000A",), "HP:000000C": ("HP:000000A",)}
PARENTS |= {"HP:000000D": ("HP:000000B",), "HP:000000E": ("HP:000000C",)}
A, B, C, D, E = sorted(PARENTS)
MARFAN, DRAVET, TYROSINEMIA = "OMIM:154700", "OMIM:607208", "OMIM:276600"
LDL, DRUG = "LOINC:2089-1", "CHEBI:9168"
TAT_SNV = ("chr16", 71_600_000, "C", "T")


def _ancestors(term: str) -> set[str]:
    found = {term}
    for parent in PARENTS[term]:
        found |= _ancestors(parent)
    return found


CLOSURE = [(t, a) for t in PARENTS for a in sorted(_ancestors(t))]
DATASETS = [
    Dataset("ds1", "Seeded one"),
    Dataset("ds2", "Seeded two", duo_codes=("DUO:0000042", "DUO:0000046")),
    Dataset("ds-a", "Hand A"),
    Dataset("ds-b", "Hand B", description="it's \\ hand-made"),
    Dataset("ds-empty", "Nobody", duo_codes=()),
]

HAND = [
    PatientRecord(
        individual=Individual(id="h'1", sex=Sex.FEMALE, age_years=34.0, country="IT"),
        dataset_id="ds-a",
        phenotypic_features=(PhenotypicFeature(D, onset="HP:0003577"), PhenotypicFeature(E, excluded=True)),
        diseases=(Disease(TYROSINEMIA, label="Tyrosinemia, type II"),),
        variants=(
            Variant(
                "GRCh38",
                *TAT_SNV,
                gene_symbol="TAT",
                zygosity=Zygosity.HOMOZYGOUS,
                hgvs=("NM_000353.3:c.169C>T", "NP_000344.1:p.Arg57Ter"),
                interpretation=Interpretation.PATHOGENIC,
            ),
        ),
        biosamples=(Biosample("bs-h1", "UBERON:0000178", "blood", date(2020, 3, 1)),),
        measurements=(Measurement(LDL, 3.5, None, 100.0), Measurement(LDL, 4.0, None, 200.0)),
        medical_actions=(MedicalAction(DRUG, TYROSINEMIA, "NCIT:C102560", True),),
    ),
    PatientRecord(
        individual=Individual(id="h2", sex=Sex.MALE, age_years=80.0),
        dataset_id="ds-a",
        phenotypic_features=(PhenotypicFeature(B),),
        variants=(  # the same SNV spelled hg38 / 16, and a deletion two codons on
            Variant(
                "hg38",
                "16",
                71_600_000,
                "C",
                "T",
                gene_symbol="TAT",
                zygosity=Zygosity.HETEROZYGOUS,
                interpretation=Interpretation.LIKELY_PATHOGENIC,
            ),
            Variant(
                "GRCh38",
                "chr16",
                71_600_010,
                "CAG",
                "C",
                gene_symbol="TAT",
                hgvs=("NP_000344.1:p.(Gly60del)",),
            ),
        ),
        vital_status=VitalStatus("DECEASED", 500, TYROSINEMIA),
    ),
    PatientRecord(
        individual=Individual(id="h3", sex=Sex.UNKNOWN_SEX),
        dataset_id="ds-b",
        variants=(  # the SNV on GRCh37, and with no assembly at all
            Variant("GRCh37", "16", 71_634_000, "C", "T", gene_symbol="TAT"),
            Variant(None, "chr16", 71_600_000, "C", "T", zygosity=Zygosity.HEMIZYGOUS),
        ),
        biosamples=(Biosample("bs-h3", None, None, None),),
        vital_status=VitalStatus("ALIVE", 3650, None),
    ),
    PatientRecord(
        individual=Individual(id="h4", sex=Sex.OTHER_SEX, age_years=9.99),
        dataset_id="ds-b",
        phenotypic_features=(PhenotypicFeature(B, excluded=True), PhenotypicFeature(C)),
    ),
]

_CHROMOSOMES = ["1", "chr1", "X", "chrX", "MT", "NC_000001.11"]
_ASSEMBLIES = ["GRCh38", "hg38", "GRCh37", "b37", None]
_ALLELES = [("A", "G"), ("A", "T"), ("AC", "GT"), ("A", "AT"), ("ATG", "A"), ("G", "GCC")]
_GENES = ["FBN1", "SCN1A", "COL3A1", None]
_HGVS = ["NM_000138.5:c.1A>G", "NP_000129.3:p.Val600Glu", "NP_000129.3:p.(Cys1242Tyr)", "NC_1:g.5A>G"]


def _seeded(rng: random.Random, i: int) -> PatientRecord:
    """One seeded person: every field drawn, none from the hand-made records' markers."""
    age = rng.choice([None, 0.0, 9.99, 10.0, 35.5, 79.5, 80.0, 91.0, float(rng.randint(0, 99))])
    variants = []
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.15:
            variants.append(Variant(gene_symbol=rng.choice(_GENES[:3])))
            continue
        ref, alt = rng.choice(_ALLELES)
        variants.append(
            Variant(
                rng.choice(_ASSEMBLIES),
                rng.choice(_CHROMOSOMES),
                rng.choice([1000, 1001, 1002, 2000, 2001]),
                ref,
                alt,
                gene_symbol=rng.choice(_GENES),
                hgvs=tuple(rng.sample(_HGVS, rng.randint(0, 2))),
                zygosity=rng.choice(list(Zygosity)),
                interpretation=rng.choice(list(Interpretation)),
            )
        )
    return PatientRecord(
        individual=Individual(
            id=f"s{i:02d}", sex=rng.choice(list(Sex)), age_years=age, country=rng.choice(["IT", "DE", None])
        ),
        dataset_id=rng.choice(["ds1", "ds1", "ds2"]),
        phenotypic_features=tuple(
            PhenotypicFeature(t, excluded=rng.random() < 0.2, onset=rng.choice([None, "HP:0003593"]))
            for t in rng.sample(sorted(PARENTS), rng.randint(0, 3))
        ),
        diseases=tuple(
            Disease(t, excluded=rng.random() < 0.2) for t in rng.sample([MARFAN, DRAVET], rng.randint(0, 2))
        ),
        variants=tuple(variants),
        biosamples=tuple(
            Biosample(
                f"bs-s{i:02d}-{k}",
                rng.choice(["UBERON:0000178", None]),
                None,
                rng.choice([None, date(2019, 1, 1 + k)]),
            )
            for k in range(rng.randint(0, 2))
        ),
        vital_status=rng.choice(
            [None, VitalStatus("ALIVE", rng.randint(1, 9000)), VitalStatus("DECEASED", None)]
        ),
        measurements=tuple(
            Measurement(LDL, rng.choice([None, 2.0, 3.25, 5.5]), None, rng.choice([None, 10.0, 20.0]))
            for _ in range(rng.randint(0, 3))
        ),
        medical_actions=tuple(
            MedicalAction(DRUG, None, None, rng.choice([None, True, False])) for _ in range(rng.randint(0, 2))
        ),
    )


def records(seed: int = SEED) -> list[PatientRecord]:
    """The hand-made records and 36 seeded ones."""
    rng = random.Random(seed)
    return [*HAND, *(_seeded(rng, i) for i in range(36))]


def build_store(path: Path, seed: int = SEED) -> Path:
    """Write the battery's store at ``path`` (a DuckDB file) and return the path."""
    with NodeStore.open(path) as store, store.transaction():
        store.put_datasets(DATASETS)
        store.sync_closure(CLOSURE, release="battery")
        store.write_records(records(seed))
    return path


@dataclass(frozen=True, slots=True)
class Case:
    """One question: the statements the compiler builds for it and the public read that answers it.

    ``ordered``: every statement gives its rows (and their lists) in a total order, so rows are
    compared as they come; otherwise rows and lists are compared sorted.
    """

    name: str
    statements: tuple[CompiledQuery, ...]
    ask: Callable[[NodeStore], object]
    ordered: bool = False


def _individuals(name: str, query: IndividualQuery) -> Case:
    return Case(name, (count_by_dataset(query),), lambda s: s.count_individuals(query), ordered=True)


def _counted(name: str, query: EntryQuery) -> Case:
    statements = (count_entries(query), counted_members_sql(query), members_sql(query), people_sql(query))
    return Case(name, statements, lambda s: (s.counted(query, members=True), s.people(query)))


def _page(name: str, query: EntryQuery, dataset: str) -> Case:
    return Case(
        name, (page_of(query, dataset=dataset),), lambda s: s.page(query, dataset=dataset), ordered=True
    )


def _by(name: str, query: EntryQuery, dimension: Dimension, categories: tuple[str, ...] = ()) -> Case:
    compiled = members_by_sql(query, dimension, categories=categories)
    return Case(name, (compiled,), lambda s: s.members_by(query, dimension, categories=categories))


def _alleles(name: str, query: EntryQuery) -> Case:
    return Case(name, allele_sql(query), lambda s: s.allele_counts(query))


def _frame(name: str, query: EntryQuery, variables: list[Variable]) -> Case:
    compiled = analysis_frame_sql(query, variables)
    return Case(name, (compiled,), lambda s: s.analysis_frame(query, variables), ordered=True)


def _variants(name: str, variant: VariantQuery, *, reach: bool = False) -> list[Case]:
    """A variant condition asked as variants (count, members, first page) and as individuals."""
    if reach:
        variant = replace(variant, longest_reference=3)
    query = EntryQuery("g_variants", variant=variant)
    return [
        _counted(f"variants/{name}", query),
        _page(f"variants/{name}/page", replace(query, limit=3), "ds1"),
        _counted(f"variants/{name}/individuals", replace(query, entry="individuals")),
    ]


_FILTERS: list[tuple[str, Filter]] = [
    ("phenotype-with-descendants", PhenotypeFilter(B)),
    ("phenotype-exact", PhenotypeFilter(B, include_descendants=False)),
    ("phenotype-root", PhenotypeFilter(A)),
    ("disease", DiseaseFilter(MARFAN)),
    ("gene", GeneFilter("FBN1")),
    ("sex", SexFilter("FEMALE")),
    ("sex-negated", SexFilter("MALE", negate=True)),
    *((f"age{op.name}", AgeFilter(op, 35.5)) for op in Operator),
]
_VARIANTS: list[tuple[str, VariantQuery, bool]] = [
    ("position", VariantQuery(chromosomes=("1", "chr1"), position=1000), False),
    ("assembly-spellings", VariantQuery(assemblies=("GRCh38", "hg38"), chromosomes=("X", "chrX")), False),
    ("overlap", VariantQuery(chromosomes=("1", "chr1"), overlap=(1001, 1002)), False),
    ("overlap-bounded", VariantQuery(chromosomes=("1", "chr1"), overlap=(1001, 1002)), True),
    ("starts", VariantQuery(starts=(1000, 1001)), False),
    ("ends", VariantQuery(ends=(1001, 1003)), False),
    ("ends-bounded", VariantQuery(ends=(1001, 1003)), True),
    ("reference", VariantQuery(reference="ATG"), False),
    ("alternate-wildcard", VariantQuery(alternate="G_"), False),
    ("reference-and-alternate", VariantQuery(reference="A", alternate="T"), False),
    *(
        (f"type-{t}", VariantQuery(variant_type=t), False)
        for t in ("SNP", "MNP", "DEL", "INS", "INDEL", "DUP")
    ),
    ("gene", VariantQuery(gene="SCN1A"), False),
    ("hgvs", VariantQuery(hgvs="NM_000138.5:c.1A>G"), False),
    ("protein-change", VariantQuery(protein_change="Val600Glu"), False),
    ("protein-change-predicted", VariantQuery(protein_change="Cys1242Tyr"), False),
    ("min-length", VariantQuery(min_length=2), False),
    ("max-length", VariantQuery(max_length=1), False),
    ("tat-16", VariantQuery(chromosomes=("16", "chr16"), gene="TAT"), False),
]
_VARIABLES = [
    Variable("age", Source.AGE),
    Variable("male", Source.MALE),
    Variable("time", Source.TIME),
    Variable("event", Source.EVENT),
    Variable("b", Source.PHENOTYPE, B),
    Variable("fbn1", Source.GENE, "FBN1"),
    Variable("marfan", Source.DISEASE, MARFAN),
    Variable("ldl", Source.MEASUREMENT, LDL),
    Variable("treated", Source.TREATMENT, DRUG),
    Variable("responded", Source.RESPONSE, DRUG),
]


def cases() -> list[Case]:
    """Every named case of the battery, in a fixed order."""
    found = [_individuals("individuals/all", IndividualQuery())]
    found += [_individuals(f"individuals/{name}", IndividualQuery((f,))) for name, f in _FILTERS]
    found += [
        _individuals(
            "individuals/two-filters-two-datasets",
            IndividualQuery((PhenotypeFilter(A), SexFilter("FEMALE")), dataset_ids=("ds1", "ds-a")),
        ),
        _individuals("individuals/dataset-nobody-has", IndividualQuery(dataset_ids=("ds-empty",))),
    ]
    for entry in ("individuals", "biosamples", "g_variants", "datasets", "cohorts"):
        found.append(_counted(f"entries/{entry}", EntryQuery(entry)))  # type: ignore[arg-type]
        found.append(_counted(f"entries/{entry}/phenotype", EntryQuery(entry, filters=(PhenotypeFilter(B),))))  # type: ignore[arg-type]
    found += [
        _counted("entries/phenotype-groups", EntryQuery("individuals", phenotype_groups=((D, E), (A,)))),
        _counted("entries/individual-anchor-quoted", EntryQuery("g_variants", individual_id="h'1")),
        _counted("entries/biosample-anchor", EntryQuery("individuals", biosample_id="bs-h3")),
        _counted("entries/biosample-anchor-biosamples", EntryQuery("biosamples", biosample_id="bs-h1")),
        _counted("entries/datasets-chosen", EntryQuery("individuals", dataset_ids=("ds2", "ds-b"))),
    ]
    for name, variant, reach in _VARIANTS:
        found += _variants(name, variant, reach=reach)
    everyone = EntryQuery("individuals")
    found += [
        _page("page/individuals", everyone, "ds1"),
        _page("page/individuals-skip", replace(everyone, skip=3, limit=4), "ds2"),
        _page("page/individuals-hand", everyone, "ds-a"),
        _page("page/biosamples", EntryQuery("biosamples", limit=50), "ds1"),
        _page("page/biosamples-hand", EntryQuery("biosamples"), "ds-b"),
        _page("page/variants-all", EntryQuery("g_variants", limit=100), "ds1"),
        _page("page/variants-skip", EntryQuery("g_variants", skip=2, limit=3), "ds2"),
        _page("page/variants-tat", EntryQuery("g_variants", variant=VariantQuery(gene="TAT")), "ds-a"),
        _page("page/variants-unknown-assembly", EntryQuery("g_variants"), "ds-b"),
        _by("by/sex", everyone, "sex"),
        _by("by/age-band", everyone, "ageBand"),
        _by("by/age-band-filtered", EntryQuery("individuals", filters=(GeneFilter("FBN1"),)), "ageBand"),
        _by("by/phenotype-category", everyone, "phenotypeCategory", (B, C)),
        _by("by/phenotype-category-none", everyone, "phenotypeCategory"),
        _alleles("alleles/position", EntryQuery("g_variants", variant=VariantQuery(position=1000))),
        _alleles(
            "alleles/tat-snv",
            EntryQuery(
                "g_variants",
                variant=VariantQuery(
                    chromosomes=("16", "chr16"), position=71_600_000, reference="C", alternate="T"
                ),
            ),
        ),
        _alleles(
            "alleles/female-gene",
            EntryQuery("g_variants", filters=(SexFilter("FEMALE"),), variant=VariantQuery(gene="FBN1")),
        ),
        _frame("frame/every-source", everyone, _VARIABLES),
        _frame("frame/none", EntryQuery("individuals", dataset_ids=("ds2",)), []),
        _frame(
            "frame/filtered",
            EntryQuery("individuals", filters=(SexFilter("MALE", negate=True),)),
            [_VARIABLES[0], _VARIABLES[7], _VARIABLES[9]],
        ),
    ]
    return found
