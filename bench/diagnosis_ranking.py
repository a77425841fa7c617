"""Diagnosis ranking on phenopacket-store's development split: our model against two baselines.

    .venv/bin/python bench/diagnosis_ranking.py [--every 1] [--data-dir ../shared/data]

For each case of ``phenopackets-dev/evaluable_cases.tsv`` whose diagnosis is an OMIM disease
annotated in the loaded HPO release, every annotated OMIM disease is ranked (ties counted
pessimistically) by, in the same run:
  - hypergeometric: hpo3's disease enrichment, observed terms only (the issue's baseline);
  - resnik-bma: Resnik similarity, symmetric best-match average, observed terms only;
  - ours (observed): PM Bridge's likelihood model given the observed terms only;
  - ours: observed and excluded terms (the method);
  - ours + gene: also the patient's gene(s).
The baselines see each disease's terms as hpo3 builds them from the same phenotype.hpoa (every
row but NOT ones, all aspects). Prints top-1 / top-3 / top-10 / MRR overall and on the not-cited
slice, the ratio of ours to the hypergeometric baseline, the cases skipped because their diagnosis
is not annotated in this release, and the median time to rank all diseases for one case.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmbridge.ingest import parse_phenopacket, to_patient_record
from pmbridge.similarity import (
    DiseaseRanker,
    PhenotypeQuery,
    RankingMethod,
    graph_from_hpo,
    pessimistic_rank,
    query_from_record,
)
from pmbridge.vocab import DataDir, Hpo, load_disease_annotations, locate_data_dir

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    diagnosis: str
    cited: bool
    query: PhenotypeQuery


def hpo3_term_sets(hpoa: Path) -> dict[str, set[str]]:
    """Disease -> terms as hpo3 reads phenotype.hpoa: every row of every aspect except NOT rows."""
    found: dict[str, set[str]] = {}
    with hpoa.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(("#", "database_id\t")):
                continue
            row = line.rstrip("\n").split("\t")
            if row[2] != "NOT":
                found.setdefault(row[0], set()).add(row[3])
    return found


def read_cases(dev: Path) -> list[tuple[str, str, bool, Path]]:
    with (dev / "evaluable_cases.tsv").open(encoding="utf-8") as handle:
        return [
            (
                r["case_id"],
                r["diagnosis"],
                r["cited_in_hpo_annotations"] == "1",
                dev / r["cohort"] / f"{r['case_id']}.json",
            )
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def load_case(case_id: str, diagnosis: str, cited: bool, path: Path, hpo: Hpo) -> Case:
    doc, problems = parse_phenopacket(path.read_bytes())
    if doc is None or problems:
        raise SystemExit(f"{path}: not a valid phenopacket: {problems[:3]}")
    record = to_patient_record(doc, dataset_id="phenopackets-dev")
    return Case(case_id, diagnosis, cited, query_from_record(record, hpo=hpo))


def summary(ranks: list[int]) -> tuple[float, float, float, float]:
    n = len(ranks)
    return (
        100 * sum(r <= 1 for r in ranks) / n,
        100 * sum(r <= 3 for r in ranks) / n,
        100 * sum(r <= 10 for r in ranks) / n,
        sum(1 / r for r in ranks) / n,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="reference data (default: lookup order)")
    parser.add_argument("--every", type=int, default=1, help="use every k-th case (quick runs)")
    args = parser.parse_args()
    located = locate_data_dir(args.data_dir)
    data_dir = DataDir(located.path, located.source)
    started = time.perf_counter()
    hpo = Hpo.load(data_dir)
    annotations = load_disease_annotations(data_dir)
    hpoa = data_dir.file("hpo/phenotype.hpoa")
    assert hpoa is not None
    ranker = DiseaseRanker(
        annotations,
        graph=graph_from_hpo(hpo),
        release=hpo.release,
        baseline_terms={k: v for k, v in hpo3_term_sets(hpoa).items() if k.startswith("OMIM:")},
    )
    ranker.information_content()  # build the baselines' index now, not inside the first timing
    print(
        f"HPO {hpo.release} ({hpo.source}): {len(ranker):,} OMIM diseases; "
        f"model built in {time.perf_counter() - started:.1f} s"
    )

    dev = located.path / "phenopackets-dev"
    listed = read_cases(dev)[:: args.every]
    position = {disease: i for i, disease in enumerate(ranker.ids)}
    cases, skipped, no_terms = [], [], []
    for case_id, diagnosis, cited, path in listed:
        if diagnosis not in position:
            skipped.append((case_id, diagnosis))
            continue
        case = load_case(case_id, diagnosis, cited, path, hpo)
        (cases if case.query.observed else no_terms).append(case)

    methods: dict[str, Callable[[PhenotypeQuery], list[float]]] = {
        "hypergeometric": lambda q: ranker.scores(q, method=RankingMethod.HYPERGEOMETRIC),
        "resnik-bma": lambda q: ranker.scores(q, method=RankingMethod.RESNIK_BMA),
        "ours (observed)": lambda q: ranker.likelihood.scores(q.observed),
        "ours": lambda q: ranker.likelihood.scores(q.observed, excluded=q.excluded),
        "ours + gene": ranker.scores,
    }
    ranks: dict[str, list[int]] = {name: [] for name in methods}
    times: dict[str, list[float]] = {name: [] for name in methods}
    for case in cases:
        for name, score in methods.items():
            begun = time.perf_counter()
            scores = score(case.query)
            times[name].append(time.perf_counter() - begun)
            ranks[name].append(pessimistic_rank(scores, position[case.diagnosis]))

    not_cited = [i for i, case in enumerate(cases) if not case.cited]
    print(
        f"\nphenopacket-store development split, HPO {hpo.release}: {len(listed):,} evaluable cases listed, "
        f"{len(cases):,} ranked ({len(not_cited):,} not cited in the annotations)"
    )
    print(
        f"skipped: {len(skipped)} whose diagnosis is not annotated in HPO {hpo.release}"
        f" ({len({d for _, d in skipped})} diseases), {len(no_terms)} with no observed term of this release"
    )
    columns = ("top-1", "top-3", "top-10", "MRR")
    header = f"{'method':18s} {'slice':10s} " + " ".join(f"{c:>6s}" for c in columns) + "   median ms  p95 ms"
    print("\n" + header + "\n" + "-" * len(header))
    baseline = {}
    for name in methods:
        for label, subset in (("all", range(len(cases))), ("not cited", not_cited)):
            figures = summary([ranks[name][i] for i in subset])
            if name == "hypergeometric":
                baseline[label] = figures
            timing = sorted(times[name])
            p95 = timing[min(len(timing) - 1, round(0.95 * (len(timing) - 1)))]
            print(
                f"{name:18s} {label:10s} "
                + " ".join(f"{v:6.1f}" for v in figures[:3])
                + f" {figures[3]:6.3f}"
                + (f"   {1000 * statistics.median(timing):8.1f} {1000 * p95:7.1f}" if label == "all" else "")
            )
    print("\nours / hypergeometric (top-1, top-10, MRR):")
    for label, subset in (("all", range(len(cases))), ("not cited", not_cited)):
        ours = summary([ranks["ours"][i] for i in subset])
        base = baseline[label]
        print(f"  {label:10s} {ours[0] / base[0]:.2f}x  {ours[2] / base[2]:.2f}x  {ours[3] / base[3]:.2f}x")


if __name__ == "__main__":
    main()
