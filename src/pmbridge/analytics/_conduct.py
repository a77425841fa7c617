"""The hub's side of an analysis as a pure conversation: which step to ask next, and the result.

:func:`conduct` is a generator: it yields the :class:`Step` to send to every node taking part,
receives their parts, and returns the :class:`AnalysisResult`. The hub drives it over signed HTTP;
tests drive it in-process against :func:`node_part` on split data, which is how "equal to the pooled
analysis" is proven without a network.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pmbridge.analytics._cox import (
    CoxContribution,
    CoxDerivatives,
    combine_cox,
    combine_strata,
    cox_derivatives,
)
from pmbridge.analytics._cox_fit import CoxFitter
from pmbridge.analytics._crosstab import CrosstabContribution, combine_crosstab
from pmbridge.analytics._glm import GlmFitter, combine_glm
from pmbridge.analytics._grid import candidate_edges, common_edges
from pmbridge.analytics._km import KaplanMeierTable, combine_km, kaplan_meier, logrank
from pmbridge.analytics._node_step import CoxPart, GlmPart, ProposedEdges
from pmbridge.analytics._protocol import Step, StepKind, part_from_wire
from pmbridge.analytics._results import (
    AnalysisResult,
    cox_result,
    crosstab_result,
    glm_result_wire,
    km_result,
    summary_result,
)
from pmbridge.analytics._spec import (
    AnalysisSpec,
    CoxSpec,
    CrosstabSpec,
    GlmSpec,
    KaplanMeierSpec,
    SummarySpec,
)
from pmbridge.analytics._summary import SummaryContribution, combine_summary
from pmbridge.errors import DisclosureRefused, QueryError, UpstreamError

Part = TypeVar("Part")
Conversation = Generator[Step, Sequence["NodePart"], AnalysisResult]


@dataclass(frozen=True, slots=True)
class NodePart:
    """What one node sent for a step: its id and its part, as JSON (read here, never trusted)."""

    node: str
    part: object


def conduct(spec: AnalysisSpec, *, min_nodes: int) -> Conversation:
    """The conversation for ``spec``; every step needs parts from at least ``min_nodes`` nodes."""
    if isinstance(spec, SummarySpec):
        return _summary(spec, min_nodes)
    if isinstance(spec, CrosstabSpec):
        return _crosstab(spec, min_nodes)
    if isinstance(spec, GlmSpec):
        return _glm(spec, min_nodes)
    if isinstance(spec, KaplanMeierSpec):
        return _km(spec, min_nodes)
    return _cox(spec, min_nodes)


def read_parts(cls: type[Part], parts: Sequence[NodePart], *, min_nodes: int) -> list[Part]:
    """Every node's part as ``cls``; an unusable part is the node's error, too few parts a refusal."""
    if len(parts) < min_nodes:
        raise DisclosureRefused(
            "min_nodes",
            f"{len(parts)} node(s) contributed; a network result needs at least {min_nodes}",
            hint="widen the cohort so that more nodes can contribute",
        )
    out = []
    for part in parts:
        try:
            out.append(part_from_wire(cls, part.part))
        except (ValueError, TypeError) as exc:
            raise UpstreamError(
                f"node {part.node} sent an unusable analysis part: {exc}",
                hint="the node may run another PM Bridge version; ask its operator",
            ) from None
    return out


def _summary(spec: SummarySpec, min_nodes: int) -> Conversation:
    edges = None
    if spec.edges is not None:
        proposals = read_parts(ProposedEdges, (yield Step(StepKind.EDGES)), min_nodes=min_nodes)
        edges = common_edges([p.edges for p in proposals])
    parts = read_parts(SummaryContribution, (yield Step(StepKind.EVALUATE, edges=edges)), min_nodes=min_nodes)
    combined = combine_summary(parts, edges=edges, quantiles=spec.quantiles)
    return summary_result(spec, combined, edges=edges, nodes=len(parts))


def _crosstab(spec: CrosstabSpec, min_nodes: int) -> Conversation:
    parts = read_parts(CrosstabContribution, (yield Step(StepKind.EVALUATE)), min_nodes=min_nodes)
    return crosstab_result(spec, combine_crosstab(parts), nodes=len(parts))


def _columns(parts: Sequence[GlmPart] | Sequence[CoxPart]) -> tuple[str, ...]:
    columns = {part.columns for part in parts}
    if len(columns) != 1:
        raise UpstreamError(
            "the nodes built different design columns for the same formula",
            hint="the nodes may run different PM Bridge versions; ask their operators",
        )
    return columns.pop()


def _glm(spec: GlmSpec, min_nodes: int) -> Conversation:
    parts = read_parts(GlmPart, (yield Step(StepKind.EVALUATE)), min_nodes=min_nodes)
    columns = _columns(parts)
    fitter = GlmFitter(len(columns), family=spec.family, max_iterations=spec.max_iterations)
    while True:
        total = combine_glm([p.contribution for p in parts])
        step = fitter.update(total)
        if step.status == "converged":
            return glm_result_wire(spec, fitter.result(total, columns), nodes=len(parts))
        if step.status == "failed":
            raise QueryError(f"the model could not be fitted: {step.reason}", hint=_SIMPLER)
        sent = Step(StepKind.EVALUATE, beta=tuple(float(b) for b in step.beta))
        parts = read_parts(GlmPart, (yield sent), min_nodes=min_nodes)
        if _columns(parts) != columns:
            raise UpstreamError(
                "a node changed its design columns during the fit", hint="run the analysis again"
            )


_SIMPLER = "simplify the model (fewer covariates, no rare levels) or widen the cohort"


def _grid(
    spec: KaplanMeierSpec | CoxSpec, min_nodes: int
) -> Generator[Step, Sequence[NodePart], tuple[float, ...]]:
    """Two rounds: each node's own merged grid; then the hub's candidate (the coarsest proposal),
    which each node merges only where it must; the common grid is the edges every reply kept."""
    proposals = read_parts(ProposedEdges, (yield Step(StepKind.EDGES)), min_nodes=min_nodes)
    candidate = candidate_edges([p.edges for p in proposals])
    replies = read_parts(ProposedEdges, (yield Step(StepKind.EDGES, edges=candidate)), min_nodes=min_nodes)
    return common_edges([p.edges for p in replies])


def _km(spec: KaplanMeierSpec, min_nodes: int) -> Conversation:
    edges = yield from _grid(spec, min_nodes)
    tables = read_parts(KaplanMeierTable, (yield Step(StepKind.EVALUATE, edges=edges)), min_nodes=min_nodes)
    table = combine_km(tables)
    curves = kaplan_meier(table)
    test = logrank(table) if table.grouped else None
    return km_result(spec, table, curves, test, nodes=len(tables))


def _cox(spec: CoxSpec, min_nodes: int) -> Conversation:
    edges = None if spec.strata == "node" else (yield from _grid(spec, min_nodes))
    parts = read_parts(CoxPart, (yield Step(StepKind.EVALUATE, edges=edges)), min_nodes=min_nodes)
    columns = _columns(parts)
    fitter = CoxFitter(len(columns), max_iterations=spec.max_iterations)
    while True:
        derivatives = _derivatives(spec, parts)
        step = fitter.update(derivatives.loglik, derivatives.score, derivatives.information)
        if step.done:
            if not fitter.converged:
                raise QueryError(
                    f"the Cox model did not converge in {fitter.iterations} iterations", hint=_SIMPLER
                )
            fit = fitter.result(n=derivatives.n, events=derivatives.events)
            return cox_result(spec, fit, columns, edges=edges, nodes=len(parts))
        parts = read_parts(
            CoxPart, (yield Step(StepKind.EVALUATE, beta=step.beta, edges=edges)), min_nodes=min_nodes
        )
        if _columns(parts) != columns:
            raise UpstreamError(
                "a node changed its design columns during the fit", hint="run the analysis again"
            )


def _derivatives(spec: CoxSpec, parts: Sequence[CoxPart]) -> CoxDerivatives:
    if spec.strata == "node":
        strata = [p.stratum for p in parts]
        if any(s is None for s in strata):
            raise UpstreamError("a node sent no stratum for a stratified fit", hint="run the analysis again")
        return combine_strata([s for s in strata if s is not None])
    binned: list[CoxContribution] = [p.binned for p in parts if p.binned is not None]
    if len(binned) != len(parts):
        raise UpstreamError("a node sent no binned sums for the fit", hint="run the analysis again")
    return cox_derivatives(combine_cox(binned), ties=spec.ties)
