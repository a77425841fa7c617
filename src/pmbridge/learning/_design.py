"""A node's design matrix for a training: its own people's features scaled to [0, 1] by the request's
declared ranges, the label, and which people are held out for validation.

Pure: it takes the columns ``NodeStore.analysis_frame`` returns and never releases anything; what
leaves the node is decided by the model updates' and metrics' own privacy and disclosure control.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pmbridge.learning._spec import TrainingSpec

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Design:
    """Rows of a training at one node.

    One row per person, except survival: one row per person and interval at risk (a discrete-time
    hazard), with ``person`` telling whose row it is, so that privacy bounds each *person's*
    contribution rather than each row's.
    """

    x: FloatArray
    """(rows, features) in [0, 1]; survival adds one indicator per interval after the first."""
    y: FloatArray | None
    """binary/survival: 0/1; multiclass: the class index; clustering: None."""
    person: IntArray
    """(rows,) the row's person, 0 … people-1."""
    validation: BoolArray
    """(rows,) True for the held-out people's rows (the same people in every round)."""
    names: tuple[str, ...]
    people: int
    inds: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(people,) each person's store id, in person order (the differencing guard compares them)."""

    def part(self, validation: bool) -> Design:
        """The training or the validation rows (people renumbered from 0)."""
        keep = self.validation == validation
        person = self.person[keep]
        kept, renumbered = np.unique(person, return_inverse=True)
        return Design(
            x=self.x[keep],
            y=None if self.y is None else self.y[keep],
            person=renumbered.astype(np.int64),
            validation=np.full(int(keep.sum()), validation),
            names=self.names,
            people=len(kept),
            inds=self.inds[kept] if len(self.inds) else self.inds,
        )


def stack(designs: Sequence[Design]) -> Design:
    """One design of several (a node's datasets): rows one after another, people numbered on."""
    if not designs:
        raise ValueError("stack needs at least one design")
    offsets = np.cumsum([0] + [d.people for d in designs[:-1]])
    ys = [d.y for d in designs]
    return Design(
        x=np.vstack([d.x for d in designs]),
        y=None if any(y is None for y in ys) else np.concatenate([y for y in ys if y is not None]),
        person=np.concatenate([d.person + offset for d, offset in zip(designs, offsets, strict=True)]),
        validation=np.concatenate([d.validation for d in designs]),
        names=designs[0].names,
        people=sum(d.people for d in designs),
        inds=np.concatenate([d.inds for d in designs]),
    )


def design_matrix(spec: TrainingSpec, columns: Mapping[str, FloatArray], inds: IntArray) -> Design:
    """The design of ``spec`` from one node's ``columns`` (variable name → values, NaN = missing) and
    its people's store ids ``inds`` (which seed the validation split, so a person stays on one side).

    People missing any value the training uses are left out (complete cases); multiclass people with
    no class or several are left out too.

    >>> from pmbridge.learning._spec import parse_training
    >>> spec = parse_training({"task": "binary", "features": ["age"], "label": "male"})
    >>> d = design_matrix(spec, {"age": np.array([50.0, np.nan, 150.0]), "male": np.array([1.0, 0.0, 0.0])},
    ...                   np.array([1, 2, 3]))
    >>> d.x.ravel().tolist(), d.y.tolist(), d.people
    ([0.5, 1.0], [1.0, 0.0], 2)
    """
    used = [v.name for v in spec.variables]
    complete = np.ones(len(inds), dtype=np.bool_)
    for name in used:
        complete &= ~np.isnan(np.asarray(columns[name], dtype=np.float64))
    y: FloatArray | None = None
    if spec.task == "multiclass":
        onehot = np.column_stack([np.asarray(columns[v.name], dtype=np.float64) for v in spec.labels])
        complete &= np.nansum(onehot, axis=1) == 1
        y = np.argmax(np.nan_to_num(onehot), axis=1).astype(np.float64)[complete]
    elif spec.task == "binary":
        y = np.asarray(columns[spec.labels[0].name], dtype=np.float64)[complete]
    x = np.column_stack(
        [
            _scaled(np.asarray(columns[f.name], dtype=np.float64)[complete], f.low, f.high)
            for f in spec.features
        ]
    )
    held_out = _held_out(inds[complete], spec.seed, spec.validation_share)
    people = int(complete.sum())
    person = np.arange(people, dtype=np.int64)
    names = tuple(f.name for f in spec.features)
    if spec.task == "survival":
        time = np.asarray(columns["time"], dtype=np.float64)[complete]
        event = np.asarray(columns["event"], dtype=np.float64)[complete]
        x, y, person, names = _person_periods(x, time, event, spec.intervals, names)
        held_out = held_out[person]
    used_inds = np.asarray(inds, dtype=np.int64)[complete]
    return Design(x=x, y=y, person=person, validation=held_out, names=names, people=people, inds=used_inds)


def _scaled(values: FloatArray, low: float, high: float) -> FloatArray:
    scaled: FloatArray = np.clip((values - low) / (high - low), 0.0, 1.0)
    return scaled


def _held_out(inds: IntArray, seed: int, share: float) -> BoolArray:
    """Each person's side of the validation split, from a hash of (seed, ind): stable across rounds
    and runs of the same seed, and independent of the order rows come in."""
    if share == 0 or not len(inds):
        return np.zeros(len(inds), dtype=np.bool_)
    draws = np.array(
        [
            int.from_bytes(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest())
            for i in inds.tolist()
        ],
        dtype=np.float64,
    )
    held: BoolArray = draws / 2.0**64 < share
    return held


def _person_periods(
    x: FloatArray, time: FloatArray, event: FloatArray, ends: tuple[float, ...], names: tuple[str, ...]
) -> tuple[FloatArray, FloatArray, IntArray, tuple[str, ...]]:
    """Person-period rows: a person is at risk in interval j when their time exceeds its start; the
    row's label is 1 when their event falls in it. Intervals after the first get an indicator."""
    starts = np.concatenate([[0.0], np.asarray(ends[:-1], dtype=np.float64)])
    stops = np.asarray(ends, dtype=np.float64)
    at_risk = time[:, None] > starts[None, :]  # (people, intervals)
    person, interval = np.nonzero(at_risk)
    label = ((event[person] == 1) & (time[person] <= stops[interval])).astype(np.float64)
    indicators = (interval[:, None] == np.arange(1, len(ends))[None, :]).astype(np.float64)
    rows = np.hstack([x[person], indicators])
    interval_names = tuple(f"interval_{int(s)}_{int(e)}d" for s, e in zip(starts[1:], stops[1:], strict=True))
    return rows, label, person.astype(np.int64), names + interval_names
