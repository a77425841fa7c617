"""Beacon filter ``similarity`` on HPO terms: how the filter reads it, not what it means.

What ``high``, ``medium`` and ``low`` mean is semantic similarity, defined in
:mod:`pmbridge.similarity` (``similar_anchors``: shared information content relative to the
term's own); the node passes that function in, so this package stays free of the ontology.
"""

from __future__ import annotations

from collections.abc import Callable

SimilarAnchors = Callable[[str, str], tuple[str, ...]]
"""``(term, level) -> anchors``: the terms whose descendants count as similar to ``term`` at ``level``."""
