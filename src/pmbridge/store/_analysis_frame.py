"""The analysis frame: one row per matching individual, one numeric column per analysis variable,
compiled to one parameterised DuckDB statement (codes are parameters, never SQL text).

Each source's value is the one :data:`pmbridge.model.MEANINGS` promises; the column names come
back as ``v0``, ``v1``… and are renamed in Arrow, so a variable's name never reaches SQL either.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from pmbridge.errors import QueryError
from pmbridge.model import CODED, Source, Variable
from pmbridge.store._compile import CompiledQuery
from pmbridge.store._entries import individuals_where
from pmbridge.store._query import EntryQuery

# 1.0 when the person is in the subquery's rows, else 0.0 (people are never NULL in `ind`).
_MEMBER = "CAST(c.ind IN ({rows}) AS DOUBLE)"
_MEMBER_ROWS = {
    Source.PHENOTYPE: "SELECT a.ind FROM phenotype_ancestors a WHERE a.ancestor = ?",
    Source.GENE: "SELECT v.ind FROM variants v WHERE v.gene = ?",
    Source.DISEASE: "SELECT d.ind FROM diseases d WHERE d.term = ? AND NOT d.excluded",
    Source.TREATMENT: "SELECT m.ind FROM medical_actions m WHERE m.agent = ?",
}
# Per-person values joined on `ind`: the latest numeric value of an assay (ties: the largest value;
# an unknown time counts as earliest), and the response to an agent (favourable if any was).
# The latest is the value of the largest (time, value) pair, not first(… ORDER BY …), whose order
# Spark drops; the unknown time is -Infinity in the pair, as NULLs order differently in structs.
_JOINED_ROWS = {
    Source.MEASUREMENT: "SELECT m.ind, max({'days': coalesce(m.observed_days, '-Infinity'::DOUBLE), "
    "'value': m.value}).value AS value FROM measurements m WHERE m.assay = ? AND m.value IS NOT NULL "
    "GROUP BY m.ind",
    Source.RESPONSE: "SELECT m.ind, max(CAST(m.favourable AS DOUBLE)) AS value FROM medical_actions m "
    "WHERE m.agent = ? GROUP BY m.ind",
}
_OWN = {
    Source.AGE: "CAST(c.age_years AS DOUBLE)",
    Source.MALE: "CASE c.sex WHEN 'MALE' THEN 1.0 WHEN 'FEMALE' THEN 0.0 END",
    Source.TIME: "CAST(s.survival_days AS DOUBLE)",
    Source.EVENT: "CASE s.status WHEN 'DECEASED' THEN 1.0 WHEN 'ALIVE' THEN 0.0 END",
}


def analysis_frame_sql(query: EntryQuery, variables: Sequence[Variable]) -> CompiledQuery:
    """``ind``, ``dataset_id`` and one column ``v<k>`` per variable for the individuals of ``query``.

    >>> q = analysis_frame_sql(EntryQuery("individuals", dataset_ids=("ds1",)),
    ...     [Variable("male", Source.MALE), Variable("tat", Source.GENE, "TAT")])
    >>> q.params
    ('ds1', 'TAT')
    """
    check_variables(query, variables)
    where, params = individuals_where(query)
    columns: list[str] = []
    joins: list[str] = []
    join_params: list[object] = []
    for k, variable in enumerate(variables):
        source = variable.source
        if source in _OWN:
            columns.append(f"{_OWN[source]} AS v{k}")
        elif source in _MEMBER_ROWS:
            columns.append(f"{_MEMBER.format(rows=_MEMBER_ROWS[source])} AS v{k}")
            params.append(variable.code)
        else:
            columns.append(f"CAST(j{k}.value AS DOUBLE) AS v{k}")
            joins.append(f"LEFT JOIN ({_JOINED_ROWS[source]}) j{k} ON j{k}.ind = c.ind")
            join_params.append(variable.code)
    if any(v.source in (Source.TIME, Source.EVENT) for v in variables):
        # One vital status per record; any() keeps one row per person even if a writer gave more.
        joins.insert(
            0,
            "LEFT JOIN (SELECT ind, any_value(status) AS status, any_value(survival_days) AS "
            "survival_days FROM vital_status GROUP BY ind) s ON s.ind = c.ind",
        )
    selected = ", ".join(["c.ind", "c.dataset_id", *columns])
    sql = (
        "WITH c AS (SELECT i.ind, i.dataset_id, i.sex, i.age_years FROM individuals i "
        f"WHERE {where}) SELECT {selected} FROM c {' '.join(joins)} ORDER BY c.ind"
    )
    # Marks appear in the text as: the cohort's WHERE, then the select list, then the joins.
    return CompiledQuery(sql, tuple(params + join_params))


def check_variables(query: EntryQuery, variables: Sequence[Variable]) -> None:
    """Refuse what has no frame: another entry type, a coded source without a code, a name twice."""
    if query.entry != "individuals":
        raise QueryError(
            f"an analysis frame is built from individuals, not {query.entry}",
            hint="ask with an individuals query (its filters choose the people)",
        )
    seen: set[str] = set()
    for variable in variables:
        if variable.source in CODED and not variable.code:
            raise QueryError(
                f"variable {variable.name!r} ({variable.source.value}) has no code",
                hint="give the term, gene symbol, assay or agent the variable is about",
            )
        if variable.name in seen:
            raise QueryError(
                f"variable name {variable.name!r} is used twice",
                hint="give each variable its own name",
            )
        seen.add(variable.name)


def frame_schema(variables: Sequence[Variable]) -> pa.Schema:
    """The frame's Arrow schema: ``ind`` int64, ``dataset_id`` string, one float64 per variable."""
    return pa.schema(
        [("ind", pa.int64()), ("dataset_id", pa.string()), *((v.name, pa.float64()) for v in variables)]
    )
