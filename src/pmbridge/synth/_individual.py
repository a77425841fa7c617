"""One synthetic individual: every draw from its own random stream, then one Phenopacket.

The draw order inside ``synthesize`` is part of the output format: changing it changes every
generated cohort, so do it only on purpose (and say so in the changelog).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pmbridge.synth._background import draw_background
from pmbridge.synth._catalogue import Catalogue, DiseaseProfile
from pmbridge.synth._genome import POOL_SIZE, GeneLocus, pick_variant_index, pool_variant
from pmbridge.synth._inheritance import Mode, causal_genotype
from pmbridge.synth._onsets import DAYS_PER_YEAR, OnsetRange
from pmbridge.synth._outcomes import Person, draw_outcomes
from pmbridge.synth._phenopacket import (
    Json,
    biosample,
    feature,
    genomic_interpretation,
    iso_age,
    metadata,
    term,
    timestamp,
)
from pmbridge.synth._phenotypes import draw_phenotypes
from pmbridge.synth._regions import MATERIALS, AgeBand, Material, RegionProfile
from pmbridge.synth._weighted import WeightedChoice, individual_rng

_ONSET_SPAN_DAYS = round(20 * DAYS_PER_YEAR)
_MODE_NOTES = {
    Mode.AUTOSOMAL_DOMINANT: "autosomal dominant",
    Mode.AUTOSOMAL_RECESSIVE: "autosomal recessive",
    Mode.X_LINKED: "X-linked",
    Mode.X_LINKED_RECESSIVE: "X-linked recessive",
    Mode.X_LINKED_DOMINANT: "X-linked dominant",
    Mode.MITOCHONDRIAL: "mitochondrial inheritance",
    Mode.Y_LINKED: "Y-linked",
}


@dataclass(frozen=True, slots=True, eq=False)
class CohortContext:
    """Everything shared by the individuals of one cohort, prepared once."""

    cohort_id: str
    region: RegionProfile
    seed: int
    base_seed: int
    reference_date: date
    hpo_release: str
    labels: Mapping[str, str]
    diseases: WeightedChoice[DiseaseProfile]
    countries: WeightedChoice[str]
    ages: WeightedChoice[AgeBand]
    materials: WeightedChoice[Material]
    sample_counts: WeightedChoice[int]

    @classmethod
    def prepare(
        cls,
        *,
        cohort_id: str,
        region: RegionProfile,
        seed: int,
        base_seed: int,
        reference_date: date,
        hpo_release: str,
        labels: Mapping[str, str],
        catalogue: Catalogue,
    ) -> CohortContext:
        """Build the cumulative tables of the region once for the whole cohort."""
        return cls(
            cohort_id=cohort_id,
            region=region,
            seed=seed,
            base_seed=base_seed,
            reference_date=reference_date,
            hpo_release=hpo_release,
            labels=labels,
            diseases=catalogue.popularity(region),
            countries=WeightedChoice.of(region.countries),
            ages=WeightedChoice.of([(band, band.weight) for band in region.age_bands]),
            materials=WeightedChoice.of([(MATERIALS[k], w) for k, w in region.materials]),
            sample_counts=WeightedChoice.of(region.samples_per_individual),
        )


def _modes_for(disease: DiseaseProfile, chromosome: str) -> tuple[Mode, ...]:
    """The disease's modes that fit the chosen gene: mitochondrial only for mtDNA genes."""
    fitting = tuple(m for m in disease.modes if (m is Mode.MITOCHONDRIAL) == (chromosome == "M"))
    return fitting or disease.modes


def synthesize(ctx: CohortContext, index: int) -> Json:
    """The Phenopacket of individual ``index``: a pure function of the context and the index."""
    rng = individual_rng(ctx.base_seed, index)
    subject_id = f"{ctx.cohort_id}-{index:07d}"
    region = ctx.region
    disease = ctx.diseases.pick(rng)
    locus = disease.loci[0] if len(disease.loci) == 1 else rng.choice(disease.loci)
    modes = _modes_for(disease, locus.chromosome)
    mode = modes[0] if len(modes) == 1 else rng.choice(modes)
    if mode is Mode.Y_LINKED:
        sex = "MALE"
    else:
        roll = rng.random()
        male, unknown = region.male_share, region.unknown_sex_share
        sex = "MALE" if roll < male else "UNKNOWN_SEX" if roll < male + unknown else "FEMALE"
    age_days, onset = _age_and_onset(ctx.ages.pick(rng), disease, rng)
    born = ctx.reference_date - timedelta(days=age_days)
    features = _features(disease, ctx.labels, age_days, rng)
    calls = _genomic_calls(subject_id, locus, mode, male=sex == "MALE", region=region, rng=rng)
    solved = all(call["interpretationStatus"] == "CAUSATIVE" for call in calls)
    country = ctx.countries.pick(rng)
    window = min(age_days, round(region.collection_years * DAYS_PER_YEAR))
    samples = [
        biosample(
            f"{subject_id}-S{number}",
            subject_id,
            material=ctx.materials.pick(rng),
            collected=ctx.reference_date - timedelta(days=rng.randint(0, window)),
        )
        for number in range(1, ctx.sample_counts.pick(rng) + 1)
    ]

    disease_term = term(disease.id, disease.name)
    disease_entry: Json = {"term": disease_term}
    if onset is not None:
        disease_entry["onset"] = {"ontologyClass": term(onset.term, onset.label)}
    last_encounter = iso_age(born, ctx.reference_date)
    # Outcomes come last and from a stream of their own: every draw above stays as it was.
    person = Person(
        male=sex == "MALE",  # UNKNOWN_SEX counts as not male (OUTCOME_MODEL)
        age_days=age_days,
        last_encounter=last_encounter,
        born=born,
        gene=locus.symbol,
        disease_id=disease.id,
        disease_label=disease.name,
    )
    outcomes = draw_outcomes(ctx.base_seed, index, person, reference_date=ctx.reference_date)
    return {
        "id": subject_id,
        "subject": {
            "id": subject_id,
            "dateOfBirth": timestamp(born),
            "timeAtLastEncounter": {"age": {"iso8601duration": last_encounter}},
            "sex": sex,
            "taxonomy": {"id": "NCBITaxon:9606", "label": "Homo sapiens"},
            "vitalStatus": outcomes.vital_status,
        },
        "phenotypicFeatures": features,
        "biosamples": samples,
        "interpretations": [
            {
                "id": f"{subject_id}-interpretation",
                "progressStatus": "SOLVED" if solved else "IN_PROGRESS",
                "diagnosis": {"disease": dict(disease_term), "genomicInterpretations": calls},
            }
        ],
        "diseases": [disease_entry],
        "measurements": outcomes.measurements,
        "medicalActions": outcomes.medical_actions,
        "metaData": metadata(
            created=ctx.reference_date,
            hpo_release=ctx.hpo_release,
            external=[
                {"id": f"ISO3166-1:{country}", "description": "country of the recruiting centre"},
                {
                    "id": f"pmbridge-synth:{region.name}",
                    "description": (
                        f"synthetic record: cohort {ctx.cohort_id}, region {region.name}, seed {ctx.seed}"
                    ),
                },
            ],
        ),
    }


def _age_and_onset(
    band: AgeBand, disease: DiseaseProfile, rng: random.Random
) -> tuple[int, OnsetRange | None]:
    """An age in days from the band and a disease onset that fits it."""
    age_days = round(rng.uniform(band.low_years, band.high_years) * DAYS_PER_YEAR)
    if not disease.onsets:
        return age_days, None
    fitting = [o for o in disease.onsets if o.fits(age_days)]
    if not fitting:
        # Nobody is recruited before their disease starts: move the age into the onset.
        chosen = rng.choice(disease.onsets)
        last = max(chosen.first_day, min(chosen.last_day, chosen.first_day + _ONSET_SPAN_DAYS))
        age_days = rng.randint(chosen.first_day, last)
        fitting = [o for o in disease.onsets if o.fits(age_days)]
    return age_days, fitting[0] if len(fitting) == 1 else rng.choice(fitting)


def _features(
    disease: DiseaseProfile, labels: Mapping[str, str], age_days: int, rng: random.Random
) -> list[Json]:
    """Observed annotated terms, then background findings, then excluded terms."""
    drawn = draw_phenotypes(disease, rng)
    features = [
        feature(
            item.term,
            labels.get(item.term),
            excluded=False,
            onset=item.onset if item.onset is not None and item.onset.fits(age_days) else None,
        )
        for item in drawn.present
    ]
    for extra, label in draw_background(rng, avoid=disease.terms):
        features.append(feature(extra, labels.get(extra, label), excluded=False, onset=None))
    for absent in drawn.excluded:
        features.append(feature(absent, labels.get(absent), excluded=True, onset=None))
    return features


def _genomic_calls(
    subject_id: str,
    locus: GeneLocus,
    mode: Mode,
    *,
    male: bool,
    region: RegionProfile,
    rng: random.Random,
) -> list[Json]:
    """One genomic interpretation per causal allele (two distinct ones for compound hets)."""
    genotype = causal_genotype(
        mode, male=male, chromosome=locus.chromosome, homozygous_share=region.homozygous_share, rng=rng
    )
    first = pick_variant_index(rng)
    indices = [first]
    if len(genotype) == 2:
        second = pick_variant_index(rng)
        if second == first:
            second = (first + 1 + rng.randrange(POOL_SIZE - 1)) % POOL_SIZE
        indices.append(second)
    note = _MODE_NOTES[mode] + (", compound heterozygous" if len(genotype) == 2 else "")
    return [
        genomic_interpretation(
            subject_id, variant=pool_variant(locus, number), locus=locus, zygosity=zygosity, mode_note=note
        )
        for number, zygosity in zip(indices, genotype, strict=True)
    ]
