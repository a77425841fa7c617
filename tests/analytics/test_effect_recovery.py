"""The generator's true effects are recovered: over seeded replicates of a small three-node cohort (real
generator, real conversion and store), the federated Cox and logistic fits' 95 % intervals cover the
log hazard ratios and log odds ratios of :data:`pmbridge.synth.OUTCOME_MODEL` about 95 % of the time.

Each replicate generates three cohorts (one per region), writes them to a store per node and reads
the analysis frame; the fits are the in-process conversation of ``test_conduct.run`` (every part
through its JSON form), with the node default k = 5.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from pmbridge.analytics import AnalysisResult, parse_analysis
from pmbridge.ingest import to_patient_record
from pmbridge.model import Dataset, Source, Variable, built_in
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.synth import OUTCOME_MODEL, CohortSpec, generate_cohort
from pmbridge.vocab import DiseaseAnnotation, load_disease_annotations, locate_data_dir
from tests.analytics.test_conduct import run

pytestmark = pytest.mark.slow

REPLICATES = 20
NODE_SIZE = 800
"""Large enough that every node has at least k carriers of the rare gene (about 1.5-4 %)."""
REGIONS = ("eu-south", "eu-north", "cn")
ARM_A, ARM_B = OUTCOME_MODEL.arm_a.id, OUTCOME_MODEL.arm_b.id
COVARIATES = ("male", "age", "g", "arm_b")
TRUE_LOG_HR = {
    "male": OUTCOME_MODEL.hr_male,
    "age": OUTCOME_MODEL.hr_age,
    "g": OUTCOME_MODEL.hr_gene,
    "arm_b": OUTCOME_MODEL.hr_arm_b,
}
TRUE_LOG_OR = {
    "Intercept": OUTCOME_MODEL.response_intercept,
    "male": OUTCOME_MODEL.response_male,
    "age": OUTCOME_MODEL.response_age,
    "g": OUTCOME_MODEL.response_gene,
    "arm_b": OUTCOME_MODEL.response_arm_b,
}
FRAME_VARIABLES = (
    built_in("male"),
    built_in("age"),
    built_in("time"),
    built_in("event"),
    Variable("g", Source.GENE, OUTCOME_MODEL.gene),
    Variable("arm_b", Source.TREATMENT, ARM_B),
    Variable("response_a", Source.RESPONSE, ARM_A),
    Variable("response_b", Source.RESPONSE, ARM_B),
)
VARIABLES = {"g": {"gene": OUTCOME_MODEL.gene}, "arm_b": {"treatment": ARM_B}}
COX = {"analysis": "cox", "formula": "~ male + age + g + arm_b", "variables": VARIABLES}
# The response to whichever arm's agent a person got: the store gives one response column per agent,
# so the test joins the two (the node would need a declared variable per agent).
LOGISTIC = {
    "analysis": "glm",
    "formula": "responded ~ male + age + g + arm_b",
    "family": "binomial",
    "variables": VARIABLES | {"responded": {"response": ARM_B}},
}

Columns = dict[str, np.ndarray]
_ANNOTATIONS: list[Mapping[str, DiseaseAnnotation]] = []


def node_columns(seed: int, region: str, annotations: Mapping[str, DiseaseAnnotation]) -> Columns:
    """One node's analysis columns: a generated cohort, converted and stored, read back as a frame."""
    spec = CohortSpec(f"recovery-{region}", region, NODE_SIZE, seed)
    docs = generate_cohort(spec, annotations=annotations, hpo_release="recovery")
    records = [to_patient_record(doc, dataset_id="recovery") for doc in docs]
    with tempfile.TemporaryDirectory() as tmp, NodeStore.open(Path(tmp) / "store.duckdb") as store:
        store.put_datasets([Dataset("recovery", "Recovery")])
        with store.transaction():
            store.write_records(records)
        table = store.analysis_frame(EntryQuery("individuals", limit=0), FRAME_VARIABLES)
    columns = {
        v.name: table.column(v.name).to_numpy(zero_copy_only=False).astype("float64") for v in FRAME_VARIABLES
    }
    columns["responded"] = np.where(columns["arm_b"] == 1.0, columns["response_b"], columns["response_a"])
    return columns


def replicate(seed: int) -> list[Columns]:
    """Replicate ``seed``'s three nodes (run in a worker process that has loaded the annotations)."""
    return [node_columns(1000 * seed + i, region, _ANNOTATIONS[0]) for i, region in enumerate(REGIONS)]


def _load_annotations() -> None:
    _ANNOTATIONS.append(load_disease_annotations(locate_data_dir()))


def covered(result: AnalysisResult, truth: Mapping[str, float]) -> dict[str, bool]:
    rows = {r["term"]: r for r in result.body["coefficients"]}
    assert set(rows) == set(truth), rows
    return {term: rows[term]["ci_low"] <= value <= rows[term]["ci_high"] for term, value in truth.items()}


@pytest.fixture(scope="module")
def replicates() -> list[list[Columns]]:
    # Spawned, not forked: a forked child of a process running DuckDB's threads may inherit a held lock.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn, initializer=_load_annotations) as pool:
        return list(pool.map(replicate, range(1, REPLICATES + 1)))


def coverage(fits: list[dict[str, bool]]) -> dict[str, float]:
    return {term: float(np.mean([f[term] for f in fits])) for term in fits[0]}


@pytest.mark.parametrize(
    "how",
    [pytest.param({}, id="seven-day-bins"), pytest.param({"strata": "node"}, id="stratified-by-node")],
)
def test_the_cox_intervals_cover_the_true_log_hazard_ratios(
    replicates: list[list[Columns]], how: dict[str, str]
) -> None:
    spec = parse_analysis(COX | how)
    fits = [covered(run(spec, nodes), TRUE_LOG_HR) for nodes in replicates]
    observed = coverage(fits)
    print(f"Cox {how or 'binned'} coverage over {len(fits)} replicates: {observed}")
    assert all(share >= 0.9 for share in observed.values()), observed


def test_the_logistic_intervals_cover_the_true_log_odds_ratios(replicates: list[list[Columns]]) -> None:
    spec = parse_analysis(LOGISTIC)
    fits = [covered(run(spec, nodes), TRUE_LOG_OR) for nodes in replicates]
    observed = coverage(fits)
    print(f"logistic coverage over {len(fits)} replicates: {observed}")
    assert all(share >= 0.9 for share in observed.values()), observed
