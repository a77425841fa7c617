"""The anonymised ratings of a study as CSV (code, round, group, item, score), for reanalysis.

Codes come from what each panellist answered, never from who they are, and groups below k people
are pooled as the feedback pools them, so the file tells no one who said what.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.consensus._feedback import pooled_labels
from pmbridge.consensus._model import UNABLE, Rating, Score, Unable, check_score, invalid

COLUMNS: Final = ("code", "round", "group", "item", "score")


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One rating as exported: a panellist's code (``P001``), never their id or name."""

    code: str
    round: int
    group: str
    item: str
    score: Score

    @property
    def score_text(self) -> str:
        return "unable" if isinstance(self.score, Unable) else str(self.score)


def export_rows(ratings: Iterable[Rating], *, k: int, stable_codes: bool = False) -> list[ExportRow]:
    """The anonymised rows, sorted by round, code and item.

    Codes are assigned per round in the order of each panellist's answers in that round (so two
    panellists swapping their answers changes nothing, and a code in round 2 cannot be matched to
    one in round 1 through who took part); with ``stable_codes`` (a protocol that lets the organiser
    see ratings) a code follows one panellist through every round. A group with fewer than ``k``
    respondents in a round is written as "other groups"; a round with fewer than ``k`` respondents
    is left out, as its feedback is.

    >>> r = [Rating(f"p{i}", "EU", "x", 1, 9 - i) for i in range(5)]
    >>> [(row.code, row.group, row.score) for row in export_rows(r, k=5)][:2]
    [('P001', 'EU', 5), ('P002', 'EU', 6)]
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise invalid(f"k {k!r} is not a whole number of at least 1", hint="pass the study's k (usually 5)")
    by_round: dict[int, dict[str, list[Rating]]] = {}
    for rating in ratings:
        by_round.setdefault(rating.round, {}).setdefault(rating.panellist, []).append(rating)
    labels = {round_: _group_labels(people, k=k) for round_, people in by_round.items()}
    codes = _stable_codes(by_round, labels) if stable_codes else _round_codes(by_round, labels)
    rows = [
        ExportRow(codes[round_, person], round_, labels[round_][rating.group], rating.item, rating.score)
        for round_, people in by_round.items()
        if labels[round_]
        for person, given in people.items()
        for rating in given
    ]
    return sorted(rows, key=lambda row: (row.round, row.code, row.item))


def export_csv(ratings: Iterable[Rating], *, k: int, stable_codes: bool = False) -> str:
    """:func:`export_rows` as CSV text with a header line (UTF-8 safe, ``\\r\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in export_rows(ratings, k=k, stable_codes=stable_codes):
        writer.writerow((row.code, row.round, row.group, row.item, row.score_text))
    return out.getvalue()


def read_export(text: str) -> list[Rating]:
    """The rows of an exported CSV as ratings (the code as panellist, the label as group), so the
    statuses can be recomputed from the file alone."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise invalid(
            f"not a consensus export: header {header!r}",
            hint=f"the first line must be {','.join(COLUMNS)}",
        )
    ratings = []
    for number, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS) or not row[1].isdigit():
            raise invalid(f"line {number} of the export is not a rating: {row!r}", hint="re-export the study")
        score: object = UNABLE if row[4] == "unable" else int(row[4]) if row[4].isdigit() else row[4]
        ratings.append(Rating(row[0], row[2], row[3], int(row[1]), check_score(score)))
    return ratings


def _group_labels(people: Mapping[str, Sequence[Rating]], *, k: int) -> dict[str, str]:
    """Each group's label in one round, pooled as round_feedback pools; empty below k respondents."""
    sizes: dict[str, int] = {}
    for given in people.values():
        for group in {rating.group for rating in given}:
            sizes[group] = sizes.get(group, 0) + 1
    return pooled_labels(sizes, k=k)


def _content(given: Sequence[Rating], labels: Mapping[str, str]) -> tuple[tuple[str, ...], ...]:
    """What a panellist answered in one round, as exported: the order codes are given in."""
    return tuple(sorted((str(r.round), labels[r.group], r.item, _score_key(r.score)) for r in given))


def _score_key(score: Score) -> str:
    return "unable" if isinstance(score, Unable) else f"{score}"


def _round_codes(
    by_round: Mapping[int, Mapping[str, Sequence[Rating]]], labels: Mapping[int, Mapping[str, str]]
) -> dict[tuple[int, str], str]:
    codes: dict[tuple[int, str], str] = {}
    for round_, people in by_round.items():
        if not labels[round_]:
            continue
        ordered = sorted(people, key=lambda person: _content(people[person], labels[round_]))
        width = max(3, len(str(len(ordered))))
        codes.update({(round_, person): f"P{n:0{width}d}" for n, person in enumerate(ordered, start=1)})
    return codes


def _stable_codes(
    by_round: Mapping[int, Mapping[str, Sequence[Rating]]], labels: Mapping[int, Mapping[str, str]]
) -> dict[tuple[int, str], str]:
    history: dict[str, list[tuple[str, ...]]] = {}
    for round_ in sorted(by_round):
        if not labels[round_]:
            continue
        for person, given in by_round[round_].items():
            history.setdefault(person, []).extend(_content(given, labels[round_]))
    ordered = sorted(history, key=lambda person: sorted(history[person]))
    width = max(3, len(str(len(ordered))))
    code = {person: f"P{n:0{width}d}" for n, person in enumerate(ordered, start=1)}
    return {
        (round_, person): code[person]
        for round_, people in by_round.items()
        if labels[round_]
        for person in people
    }
