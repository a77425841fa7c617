"""The hub's own disclosure pass over the score-band counts of the nodes' match answers.

The same pass as for aggregates (hub/_disclosure.py): each dataset's bands are one breakdown
without a total; a band the node suppressed stays suppressed, a noised one keeps the node's noise
but must reach the hub's minimum count, an exact or rounded one goes through the hub's own
threshold and noise (charged to the researcher's budget at the hub for ``node/dataset``). Bands
of yes/no datasets carry no number, so they leave as the node judged them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pmbridge.hub._disclosure import HubCount, hub_breakdown
from pmbridge.privacy import DisclosureControl


def hub_match_aggregates(
    aggregates: Sequence[Mapping[str, object]],
    *,
    control: DisclosureControl,
    researcher: str,
    question: Callable[[str, str], Mapping[str, object]],
    cross_border: Callable[[str], bool],
) -> tuple[dict[str, object], ...]:
    """Every node's aggregate (``{"node", "dataset", "bands"}``) after the hub's pass; each counted
    band keeps the node's own account as ``provenance``.

    ``question(node, dataset)`` names the match for the hub's noise cache; ``cross_border(node)``
    says whether the researcher is outside that node's jurisdiction.
    """
    out: list[dict[str, object]] = []
    for aggregate in aggregates:
        node, dataset = str(aggregate.get("node")), str(aggregate.get("dataset"))
        raw = aggregate.get("bands")
        bands = [b for b in raw if isinstance(b, Mapping)] if isinstance(raw, list) else []
        counted = {str(b.get("band")): b["count"] for b in bands if "count" in b}
        released: dict[str, HubCount] = {}
        if counted:
            released, _ = hub_breakdown(
                counted,
                None,
                control=control,
                researcher=researcher,
                dataset=f"{node}/{dataset}",
                question=question(node, dataset),
                cross_border=cross_border(node),
            )
        out.append({"node": node, "dataset": dataset, "bands": [_band(b, released) for b in bands]})
    return tuple(out)


def _band(band: Mapping[str, object], released: Mapping[str, HubCount]) -> dict[str, object]:
    """One band as the hub shows it: built from known fields only, so nothing else slips through."""
    shown: dict[str, object] = {"band": band.get("band"), "minScore": band.get("minScore")}
    hub = released.get(str(band.get("band"))) if "count" in band else None
    if hub is None:  # a yes/no band: whether it holds at least k patients, as the node judged
        exists = band.get("exists")
        return {**shown, "exists": exists if isinstance(exists, bool) else None}
    value = hub.released.value
    return {**shown, "exists": None if value is None else value > 0, **hub.info()}
