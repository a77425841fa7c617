"""What "same people, same answer" costs one count: a release recalled by cohort against the plain
release of the same count cached per question, on the node's SQLite ledger, in the same run.

    .venv/bin/python -m bench.release_recall [--history 1000] [--people 20000] [--repeat 200]

The ledger first remembers ``--history`` released cohorts of one researcher on one dataset (random
subsets of a ``--people`` population, the demo node's size), then times, for one count each:
  (a) baseline: a repeated question without a cohort (the question-keyed noise cache);
  (b) a cohort fewer than k people from a remembered one (recalled: no draw, no charge);
  (c) a cohort far from every remembered one (a fresh draw, charged and remembered);
with cohort sizes spread as in a drill-down (typical) and all within k of each other (worst case:
every remembered cohort is unpacked and compared). p50 / p95 in ms and the ratio to (a).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from bench._common import percentiles, timed
from pmbridge.privacy import DisclosureControl, DisclosureSettings, SqliteLedger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    for layout in ("spread", "clustered"):
        with tempfile.TemporaryDirectory() as folder:
            measure(Path(folder), layout, history=args.history, people=args.people, repeat=args.repeat)


def measure(folder: Path, layout: str, *, history: int, people: int, repeat: int) -> None:
    rng = random.Random(7)
    population = list(range(people))
    control = DisclosureControl(
        settings=DisclosureSettings(yearly_epsilon_budget=1e9, differencing_history=history),
        ledger=SqliteLedger(folder / "privacy.sqlite"),
    )
    remembered = []
    for i in range(history):
        size = rng.randint(50, people // 2) if layout == "spread" else people // 4 + i % 4
        cohort = frozenset(rng.sample(population, size))
        control.release_count(
            size, researcher="r", dataset="ds", query=f"h{i}", cross_border=False, cohort=cohort
        )
        remembered.append(cohort)

    def plain() -> None:
        control.release_count(10_000, researcher="r", dataset="ds", query="plain", cross_border=False)

    near = frozenset(sorted(remembered[len(remembered) // 2])[2:])

    def recall() -> None:
        control.release_count(
            len(near), researcher="r", dataset="ds", query="near", cross_border=False, cohort=near
        )

    fresh_sizes = iter(range(repeat))

    def fresh() -> None:
        n = next(fresh_sizes)
        cohort = frozenset(range(people + 1000 * n, people + 1000 * n + 30))
        control.release_count(
            30, researcher="r", dataset="ds", query=f"f{n}", cross_border=False, cohort=cohort
        )

    plain()
    base = timed(plain, repeat=repeat)
    recalled = timed(recall, repeat=repeat)
    drawn = timed(fresh, repeat=repeat)
    control.ledger.close()
    b50, b95 = percentiles(base)
    print(f"history of {history} cohorts of up to {people:,} people, sizes {layout}:")
    print(f"  (a) per-question cache  p50 {b50 * 1e3:7.2f} ms  p95 {b95 * 1e3:7.2f} ms")
    for label, samples in (("(b) recalled by cohort", recalled), ("(c) fresh, remembered", drawn)):
        p50, p95 = percentiles(samples)
        print(f"  {label}  p50 {p50 * 1e3:7.2f} ms  p95 {p95 * 1e3:7.2f} ms  ×{p50 / b50:.0f} of (a)")


if __name__ == "__main__":
    main()
