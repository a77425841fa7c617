"""An independent recount of a Delphi study in plain SQL (DuckDB): per item, round and group, the shares
that rate 7–9 and 1–3, and the COMET decision. It imports nothing of pmbridge.consensus on purpose.

COMET, as written here and nowhere else in this file: an item is ``in`` when, in every stakeholder
group that rated it, at least 70 % of those who gave a 1–9 score rated 7–9 and fewer than 15 % rated
1–3; ``out`` is the mirror (≥ 70 % 1–3 and < 15 % 7–9); otherwise ``no_consensus``. "Unable to
score" counts as a response but sits in no denominator; a group with no 1–9 score cannot agree, and
neither can a group with fewer than the study's k respondents (their figures are withheld, so the
status must not tell them either).
Shares are compared in whole numbers (100·count ≥ 70·scorers), so no rounding can move a boundary.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import duckdb

STUDY_K: Final = 5
"""The smallest group the rule decides on (the scripted study's k)."""
RATING_COLUMNS: Final = ("panellist", "grp", "item", "round", "score")

_SCORE_COUNTS: Final = "".join(f", count(*) FILTER (WHERE score = '{s}') AS s{s}" for s in range(1, 10))
_TALLIES: Final = f"""
    SELECT round, item, grp,
           count(*) AS respondents,
           count(*) FILTER (WHERE score = 'unable') AS unable,
           count(*) FILTER (WHERE score <> 'unable') AS scorers,
           count(*) FILTER (WHERE score IN ('7', '8', '9')) AS high,
           count(*) FILTER (WHERE score IN ('4', '5', '6')) AS mid,
           count(*) FILTER (WHERE score IN ('1', '2', '3')) AS low
           {_SCORE_COUNTS}
    FROM ratings
    GROUP BY round, item, grp
"""

_STATUSES: Final = f"""
    WITH tallies AS ({_TALLIES}),
    decided AS (
        SELECT round, item, grp,
               respondents >= {STUDY_K} AND scorers > 0
                   AND 100 * high >= 70 * scorers AND 100 * low < 15 * scorers AS agrees_in,
               respondents >= {STUDY_K} AND scorers > 0
                   AND 100 * low >= 70 * scorers AND 100 * high < 15 * scorers AS agrees_out
        FROM tallies
    )
    SELECT round, item,
           CASE WHEN bool_and(agrees_in) THEN 'in'
                WHEN bool_and(agrees_out) THEN 'out'
                ELSE 'no_consensus' END AS status
    FROM decided
    GROUP BY round, item
    ORDER BY round, item
"""


def _check_score(score: str) -> str:
    text = score.strip().lower()
    if text == "unable" or text in {str(s) for s in range(1, 10)}:
        return text
    raise ValueError(f"score {score!r} is neither 1–9 nor 'unable'")


def connect(rows: Iterable[tuple[str, str, str, int, str]]) -> duckdb.DuckDBPyConnection:
    """An in-memory database with one table, ``ratings(panellist, grp, item, round, score)``; the
    score is text, ``"1"``–``"9"`` or ``"unable"``."""
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE ratings (panellist VARCHAR NOT NULL, grp VARCHAR NOT NULL, item VARCHAR NOT NULL,"
        " round INTEGER NOT NULL, score VARCHAR NOT NULL, UNIQUE (panellist, item, round))"
    )
    checked = [(p, g, i, int(r), _check_score(s)) for p, g, i, r, s in rows]
    if checked:
        con.executemany("INSERT INTO ratings VALUES (?, ?, ?, ?, ?)", checked)
    return con


def read_csv(path: Path, columns: Mapping[str, str]) -> duckdb.DuckDBPyConnection:
    """The ratings of an exported CSV; ``columns`` maps each of RATING_COLUMNS to the CSV's header.

    Rows without a score (a blank cell: asked, not answered) are left out, as they are no response.
    """
    missing = [name for name in RATING_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"no CSV column named for {missing}")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [
            tuple(row[columns[name]] for name in RATING_COLUMNS)
            for row in reader
            if (row.get(columns["score"]) or "").strip()
        ]
    return connect((p, g, i, int(r), s) for p, g, i, r, s in rows)


def group_tallies(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str, str], dict[str, object]]:
    """(round, item, group) → respondents, unable, scorers, high, mid, low and ``counts`` (9 ints)."""
    found: dict[tuple[int, str, str], dict[str, object]] = {}
    cursor = con.execute(_TALLIES + " ORDER BY round, item, grp")
    names = [column[0] for column in cursor.description]
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        counts = [int(record.pop(f"s{s}")) for s in range(1, 10)]
        key = (int(record.pop("round")), str(record.pop("item")), str(record.pop("grp")))
        found[key] = {name: int(value) for name, value in record.items()} | {"counts": counts}
    return found


def item_statuses(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, str]]:
    """round → item → ``in`` | ``out`` | ``no_consensus`` under COMET."""
    found: dict[int, dict[str, str]] = {}
    for round_, item, status in con.execute(_STATUSES).fetchall():
        found.setdefault(int(round_), {})[str(item)] = str(status)
    return found


def final_statuses(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int]]:
    """item → (its status in the last round it was rated, that round)."""
    query = f"""
        WITH statuses AS ({_STATUSES})
        SELECT item, arg_max(status, round), max(round) FROM statuses GROUP BY item ORDER BY item
    """
    return {str(item): (str(status), int(round_)) for item, status, round_ in con.execute(query).fetchall()}


def respondents(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """round → how many panellists rated at least one item."""
    query = "SELECT round, count(DISTINCT panellist) FROM ratings GROUP BY round ORDER BY round"
    return {int(round_): int(count) for round_, count in con.execute(query).fetchall()}
