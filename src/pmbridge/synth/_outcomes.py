"""Outcomes of a synthetic person (survival, labs, a randomised treatment and its response) with known
true effects (:data:`OUTCOME_MODEL`), drawn from a stream of their own so no earlier draw moved.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from pmbridge.synth._onsets import DAYS_PER_YEAR
from pmbridge.synth._phenopacket import Json, iso_age, lab_measurement, medical_action, term, vital_status
from pmbridge.synth._weighted import individual_rng

OUTCOME_SALT: Final = 0x0A7C0E5
"""XORed into the cohort's base seed: the outcome stream of individual ``i`` is distinct from its
main stream, and from every other individual's."""


@dataclass(frozen=True, slots=True)
class Agent:
    """A treatment arm's drug (a CHEBI class)."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class OutcomeModel:
    """The true model behind every generated outcome.

    Covariates: ``male`` (1 for MALE, 0 for FEMALE *and* UNKNOWN_SEX: analyses drop unknown sex as
    missing), ``age`` (years at the last encounter, as ingest reads ``timeAtLastEncounter``, which
    is also the baseline of follow-up), ``gene`` (1 when the person carries a variant in
    :attr:`gene`) and ``arm_b`` (1 when randomised, 50/50, to :attr:`arm_b` rather than
    :attr:`arm_a`).

    Survival: hazard ``h(t) = h0(t) * exp(lp)`` with ``lp = hr_male*male + hr_age*age +
    hr_gene*gene + hr_arm_b*arm_b`` (log hazard ratios) and a Weibull baseline of cumulative hazard
    ``H0(t) = (t / scale_years) ** shape``, t in years. Follow-up ends at an administrative horizon
    drawn uniformly from ``horizon_years`` or at an exponential loss to follow-up of rate
    ``loss_per_year``, whichever comes first (non-informative censoring).

    Response: ``logit P(favourable) = response_intercept + response_male*male + response_age*age +
    response_gene*gene + response_arm_b*arm_b``.
    """

    gene: str
    arm_a: Agent
    arm_b: Agent
    hr_male: float
    hr_age: float
    hr_gene: float
    hr_arm_b: float
    shape: float
    scale_years: float
    horizon_years: tuple[float, float]
    loss_per_year: float
    response_intercept: float
    response_male: float
    response_age: float
    response_gene: float
    response_arm_b: float

    def linear_predictor(self, *, male: bool, age: float, gene: bool, arm_b: bool) -> float:
        """The log relative hazard of a person.

        >>> OUTCOME_MODEL.linear_predictor(male=False, age=0.0, gene=False, arm_b=False)
        0.0
        """
        return self.hr_male * male + self.hr_age * age + self.hr_gene * gene + self.hr_arm_b * arm_b

    def response_probability(self, *, male: bool, age: float, gene: bool, arm_b: bool) -> float:
        """P(favourable response) of a person.

        >>> round(OUTCOME_MODEL.response_probability(male=False, age=0.0, gene=False, arm_b=False), 3)
        0.574
        """
        logit = (
            self.response_intercept
            + self.response_male * male
            + self.response_age * age
            + self.response_gene * gene
            + self.response_arm_b * arm_b
        )
        return 1.0 / (1.0 + math.exp(-logit))


OUTCOME_MODEL: Final = OutcomeModel(
    # TAT is the gene carried most often in both EU and CN cohorts (about 1.5-4 % of people: every
    # variant a synthetic person carries is a causal one, so no gene is much commoner).
    gene="TAT",
    arm_a=Agent("CHEBI:8382", "prednisone"),
    arm_b=Agent("CHEBI:9168", "sirolimus"),
    hr_male=0.25,
    hr_age=0.02,
    hr_gene=0.7,
    hr_arm_b=-0.4,
    shape=1.3,
    scale_years=14.0,
    horizon_years=(5.0, 10.0),
    loss_per_year=0.03,
    response_intercept=0.3,
    response_male=-0.3,
    response_age=-0.01,
    response_gene=-0.8,
    response_arm_b=0.9,
)

FAVOURABLE: Final = ("NCIT:C102560", "Favorable")
UNFAVOURABLE: Final = ("NCIT:C102561", "Unfavorable")


@dataclass(frozen=True, slots=True)
class Lab:
    """A LOINC-coded laboratory test, its UCUM unit and how many decimals values are given to."""

    loinc: str
    label: str
    unit: str
    decimals: int
    log_normal: bool = False

    @property
    def floor(self) -> float:
        """The smallest value written: one unit of the last decimal (no lab reads zero or less)."""
        return 10.0**-self.decimals


LABS: Final = (
    Lab("LOINC:2089-1", "Cholesterol in LDL [Mass/volume] in Serum or Plasma", "mg/dL", 0),
    Lab("LOINC:4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 1),
    Lab("LOINC:2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 2, log_normal=True),
    Lab("LOINC:718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 1),
)
MISSING_SHARE: Final = 0.08
"""Chance that a person has no value of a given lab."""
REPEAT_SHARE: Final = 0.3
"""Chance that a measured lab was also measured once before, 6 to 24 months before baseline."""


@dataclass(frozen=True, slots=True)
class Person:
    """What the outcome draws depend on, as the main stream left it."""

    male: bool
    age_days: int
    last_encounter: str  # ISO 8601 age, as timeAtLastEncounter gives it
    born: date
    gene: str
    disease_id: str
    disease_label: str


def baseline_years(iso_duration: str) -> float:
    """Years in an ``iso_age`` duration, as ingest reads it (12 months, 365.25 days a year).

    >>> baseline_years("P10Y6M"), baseline_years("P5M30D"), baseline_years("P10D")
    (10.5, 0.499, 0.027)
    """
    years = months = days = 0
    number = ""
    for char in iso_duration[1:]:
        if char.isdigit():
            number += char
            continue
        if char == "Y":
            years = int(number)
        elif char == "M":
            months = int(number)
        elif char == "D":
            days = int(number)
        number = ""
    return round(years + months / 12 + days / DAYS_PER_YEAR, 3)


@dataclass(frozen=True, slots=True)
class Outcomes:
    """A person's ``subject.vitalStatus``, ``measurements`` and ``medicalActions``."""

    vital_status: Json
    measurements: list[Json]
    medical_actions: list[Json]


def draw_outcomes(base_seed: int, index: int, person: Person, *, reference_date: date) -> Outcomes:
    """The outcomes of individual ``index`` of the cohort whose seed hashes to ``base_seed``."""
    model = OUTCOME_MODEL
    rng = individual_rng(base_seed ^ OUTCOME_SALT, index)
    arm_b = rng.random() < 0.5
    carrier = person.gene == model.gene
    age = baseline_years(person.last_encounter)
    # Inverse-transform draw from S(t) = exp(-H0(t) * exp(lp)).
    relative = math.exp(model.linear_predictor(male=person.male, age=age, gene=carrier, arm_b=arm_b))
    death_years = model.scale_years * (rng.expovariate(1.0) / relative) ** (1.0 / model.shape)
    horizon = rng.uniform(*model.horizon_years)
    lost = rng.expovariate(model.loss_per_year)
    follow_up = min(death_years, horizon, lost)
    died = death_years <= min(horizon, lost)
    days = max(1, round(follow_up * DAYS_PER_YEAR))
    disease = term(person.disease_id, person.disease_label)
    chance = model.response_probability(male=person.male, age=age, gene=carrier, arm_b=arm_b)
    favourable = rng.random() < chance
    agent = model.arm_b if arm_b else model.arm_a
    return Outcomes(
        vital_status=vital_status(died=died, survival_days=days, cause=disease if died else None),
        measurements=_labs(person, age, rng, reference_date=reference_date),
        medical_actions=[
            medical_action(
                term(agent.id, agent.label),
                target=disease,
                response=term(*(FAVOURABLE if favourable else UNFAVOURABLE)),
            )
        ],
    )


def _labs(person: Person, age: float, rng: random.Random, *, reference_date: date) -> list[Json]:
    out: list[Json] = []
    gauss, draw = rng.gauss, rng.random
    for lab in LABS:
        if draw() < MISSING_SHARE:
            continue
        mean, sd = _lab_mean_sd(lab.loinc, age=age, male=person.male)
        own = 0.8 * gauss(0.0, 1.0)  # the person's own level, shared by their repeated measurements
        times = [person.last_encounter]
        if draw() < REPEAT_SHARE and (earlier := rng.randint(180, 720)) < person.age_days:
            times.insert(0, iso_age(person.born, reference_date - timedelta(days=earlier)))
        for when in times:
            z = own + 0.6 * gauss(0.0, 1.0)  # total sd 1, within-person correlation 0.64
            # Creatinine is right-skewed: log-normal around its mean; the others normal.
            value = mean * math.exp(sd * z) if lab.log_normal else mean + sd * z
            out.append(lab_measurement(lab, value=max(lab.floor, round(value, lab.decimals)), age=when))
    return out


def _lab_mean_sd(loinc: str, *, age: float, male: bool) -> tuple[float, float]:
    """Plausible population mean and sd of a lab at an age and sex (shapes, not clinical norms)."""
    adult = age >= 18
    if loinc == "LOINC:2089-1":  # LDL cholesterol, mg/dL
        return (95.0 + 0.8 * (min(age, 65.0) - 18.0) + 8.0 * male, 30.0) if adult else (90.0, 22.0)
    if loinc == "LOINC:4548-4":  # HbA1c, %
        return 5.2 + 0.008 * age, 0.45
    if loinc == "LOINC:2160-0":  # creatinine, mg/dL; sd on the log scale
        return (0.95 if male else 0.75) if adult else 0.25 + 0.035 * age, 0.18
    # haemoglobin, g/dL
    if age < 1:
        return 11.5, 1.1
    if age < 12:
        return 12.3, 1.0
    return (15.0 if male else 13.5), 1.1
