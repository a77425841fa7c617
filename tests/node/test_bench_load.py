"""The load benchmark's pure parts, and that its raw-DuckDB baseline runs the statement the node runs."""

from __future__ import annotations

import math
from pathlib import Path

import orjson
from bench.load import Question, distinct_questions, node_sql, ratio, summarise

from pmbridge.beacon import entry_type, parse_body
from pmbridge.model import Dataset
from pmbridge.node import plan_query
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node.conftest import ARACHNODACTYLY, SEIZURE


def test_distinct_questions_are_each_asked_once_in_a_seeded_order() -> None:
    terms = [f"HP:{i:07d}" for i in range(50)]
    questions = distinct_questions(terms)
    assert len(questions) == len(set(questions)) == 100
    assert questions == distinct_questions(terms)
    assert questions != distinct_questions(terms, seed=1)
    assert {q.term for q in questions[:20]} != set(terms[:10])  # a slice mixes the list


def test_a_summary_counts_only_answered_requests() -> None:
    load = summarise([0.2, 0.1, 0.3], clients=3, wall=1.5, shed=2)
    assert (load.answered, load.shed, load.p50, load.per_second) == (3, 2, 0.2, 2.0)
    nothing = summarise([], clients=1, wall=1.0, shed=4)
    assert nothing.answered == 0 and math.isnan(nothing.p50) and nothing.per_second == 0
    assert ratio(1, 4) == 0.25 and ratio(1, 0) == 0


def test_the_raw_baseline_runs_what_the_node_counts(node_dir: Path) -> None:
    hpo = Hpo.load(locate_data_dir())
    questions = [Question(SEIZURE, "MALE"), Question(ARACHNODACTYLY, "FEMALE")]
    individuals = entry_type("individuals")
    with NodeStore.open(node_dir / "store.duckdb", read_only=True) as store:
        for question, compiled in zip(
            questions, node_sql(questions, hpo=hpo, dataset="ds-open"), strict=True
        ):
            plan = plan_query(
                parse_body(orjson.loads(question.body())),
                owner=individuals,
                target=individuals,
                entry_id=None,
                datasets=[Dataset("ds-open", "Open")],
                hpo=hpo,
            )
            assert plan.query is not None
            node = store.counted(plan.query, members=True)
            with store.connection.cursor() as cursor:
                rows = cursor.execute(compiled.sql, list(compiled.params)).fetchall()
            assert {ds: n for ds, n, _ in rows} == dict(node.counts)
            assert node.counts["ds-open"] > 0
