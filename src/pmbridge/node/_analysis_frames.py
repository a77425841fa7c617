"""The rows a node analyses, read once per analysis and kept a few minutes, and the steps it has given.

A model's fit asks the node for its score and information a few times in a row; reading the
cohort's rows from the store each time would cost most of the fit. Each researcher's recent
analyses keep their columns here (a small LRU, bounded in entries and age), and each analysis
counts the evaluations it was given, so a hub cannot ask for more than a fit needs.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.errors import DisclosureRefused
from pmbridge.privacy import Cohort

Columns = Mapping[str, npt.NDArray[np.float64]]

FRAME_SECONDS = 300.0
"""How long an analysis keeps its rows: a fit over signed HTTP takes seconds, not minutes."""
STEP_WINDOW_SECONDS = 3600.0
"""The window over which a researcher's evaluations of one analysis are counted."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One analysis's rows at this node: each variable's column (NaN where missing), the people of
    the Beacon cohort behind them, and the datasets they come from."""

    columns: Columns
    inds: npt.NDArray[np.int64]
    datasets: tuple[str, ...]
    people: frozenset[str]

    @property
    def cohort(self) -> Cohort:
        """The store ids of everyone in the Beacon cohort, complete cases or not."""
        return frozenset(int(i) for i in self.inds)


class AnalysisFrames:
    """Frames per (researcher, analysis) for ``FRAME_SECONDS``, and evaluation counts per hour.

    >>> frames = AnalysisFrames(entries=2)
    >>> frame = Frame({}, np.zeros(0, dtype=np.int64), (), frozenset())
    >>> frames.frame(("r", "a"), lambda: frame) is frame
    True
    >>> frames.count_step(("r", "a"), limit=2); frames.count_step(("r", "a"), limit=2)
    >>> frames.count_step(("r", "a"), limit=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.DisclosureRefused: refused by the analysis_steps rule: ...
    """

    def __init__(self, *, entries: int = 16, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries = entries
        self._clock = clock
        self._lock = threading.Lock()
        self._frames: OrderedDict[tuple[str, str], tuple[float, Frame]] = OrderedDict()
        self._steps: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._edges: OrderedDict[tuple[str, str, str], frozenset[float]] = OrderedDict()

    def frame(self, key: tuple[str, str], build: Callable[[], Frame]) -> Frame:
        """The frame kept under ``key``, or ``build()``'s (built outside the lock, then kept)."""
        now = self._clock()
        with self._lock:
            kept = self._frames.get(key)
            if kept is not None and now - kept[0] < FRAME_SECONDS:
                self._frames.move_to_end(key)
                return kept[1]
        built = build()
        with self._lock:
            self._frames[key] = (now, built)
            self._frames.move_to_end(key)
            while len(self._frames) > self._entries:
                self._frames.popitem(last=False)
        return built

    def count_step(self, key: tuple[str, str], *, limit: int) -> None:
        """Count one evaluation of ``key``; refuse past ``limit`` within the last hour."""
        now = self._clock()
        with self._lock:
            recent = [t for t in self._steps.get(key, []) if now - t < STEP_WINDOW_SECONDS]
            if len(recent) >= limit:
                raise DisclosureRefused(
                    "analysis_steps",
                    f"this analysis has been evaluated {limit} times in the last hour, the most a fit needs",
                    hint="start a new analysis later, or ask a different question",
                )
            recent.append(now)
            self._steps[key] = recent
            self._steps.move_to_end(key)
            while len(self._steps) > 64 * self._entries:
                self._steps.popitem(last=False)

    def released_edges(self, key: tuple[str, str, str]) -> tuple[float, ...]:
        """The bin edges already released under ``key`` (researcher, cohort, values), sorted."""
        with self._lock:
            return tuple(sorted(self._edges.get(key, frozenset())))

    def remember_edges(self, key: tuple[str, str, str], edges: tuple[float, ...]) -> None:
        """Add ``edges`` to those released under ``key`` (the most recent 1,024 keys are kept)."""
        with self._lock:
            self._edges[key] = self._edges.get(key, frozenset()) | frozenset(edges)
            self._edges.move_to_end(key)
            while len(self._edges) > 1024:
                self._edges.popitem(last=False)
