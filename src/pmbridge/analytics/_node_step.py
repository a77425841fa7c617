"""A node's part of one step of an analysis: the vetted computation on its own columns, checks first.

Every part is an aggregate a node may release under its own limits; a check that fails raises
``DisclosureRefused`` and nothing is computed for release. Rows missing a value the analysis needs
are left out here (complete cases); which people those are is the caller's to guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._checks import DisclosureLimits, check_crosstab, check_glm, check_rows, check_summary
from pmbridge.analytics._cox import (
    CoxContribution,
    CoxDerivatives,
    cox_contribution,
    cox_stratum_contribution,
)
from pmbridge.analytics._crosstab import CrosstabContribution, crosstab_contribution
from pmbridge.analytics._formula import Design, build_design, parse_formula
from pmbridge.analytics._glm import GlmContribution, glm_contribution
from pmbridge.analytics._grid import bin_index, merged_edges
from pmbridge.analytics._km import KaplanMeierTable, km_table
from pmbridge.analytics._node_survival import Released, check_grid, propose
from pmbridge.analytics._parameter_checks import check_cox_parameters, check_glm_parameters
from pmbridge.analytics._protocol import Step, StepKind
from pmbridge.analytics._released_grids import fitting_edges
from pmbridge.analytics._spec import (
    AnalysisSpec,
    CoxSpec,
    CrosstabSpec,
    GlmSpec,
    KaplanMeierSpec,
    SummarySpec,
)
from pmbridge.analytics._summary import SummaryContribution, summary_contribution
from pmbridge.errors import QueryError

FloatArray = npt.NDArray[np.float64]
Columns = Mapping[str, FloatArray]


@dataclass(frozen=True, slots=True)
class ProposedEdges:
    """The bins a node can release for a binned output: each holds 0 or at least k values."""

    edges: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class GlmPart:
    """A node's GLM part at the hub's β, with the design's column names."""

    columns: tuple[str, ...]
    contribution: GlmContribution


@dataclass(frozen=True, slots=True)
class CoxPart:
    """A node's Cox part: per-bin sums on the common grid, or its own stratum's derivatives."""

    columns: tuple[str, ...]
    binned: CoxContribution | None = None
    stratum: CoxDerivatives | None = None


NOTHING_RELEASED = Released()

NodeOutput = ProposedEdges | GlmPart | CoxPart | KaplanMeierTable | SummaryContribution | CrosstabContribution
"""Every kind of part a node releases."""


def complete_cases(spec: AnalysisSpec, columns: Columns) -> npt.NDArray[np.bool_]:
    """The rows holding a value for every variable the analysis uses.

    >>> from pmbridge.analytics._spec import parse_analysis
    >>> spec = parse_analysis({"analysis": "summary", "variable": "age"})
    >>> complete_cases(spec, {"age": np.array([1.0, np.nan])}).tolist()
    [True, False]
    """
    lengths = {len(columns[v.name]) for v in spec.variables}
    if len(lengths) > 1:
        raise QueryError(
            "the analysis's columns differ in length", hint="read every variable for the same people"
        )
    kept = np.ones(lengths.pop() if lengths else 0, dtype=np.bool_)
    for variable in spec.variables:
        kept &= np.isfinite(columns[variable.name])
    return kept


def node_part(
    spec: AnalysisSpec,
    step: Step,
    columns: Columns,
    *,
    min_count: int,
    max_parameter_ratio: float,
    released: Released = NOTHING_RELEASED,
) -> NodeOutput:
    """This node's part of ``step`` of ``spec`` over ``columns`` (one array per variable, NaN =
    missing). ``released`` holds the bin edges this researcher already received for the same people:
    a new grid must keep every cell of the union releasable too (no differencing of bins).
    """
    limits = DisclosureLimits(min_count=min_count, max_parameter_ratio=max_parameter_ratio)
    kept = complete_cases(spec, columns)
    data = {v.name: columns[v.name][kept] for v in spec.variables}
    check_rows(int(kept.sum()), limits=limits)
    if isinstance(spec, SummarySpec):
        return _summary(spec, step, data[spec.variable], limits, released.values)
    if isinstance(spec, CrosstabSpec):
        table = crosstab_contribution(data[spec.rows], data[spec.columns])
        check_crosstab(table, limits=limits)
        return table
    if isinstance(spec, GlmSpec):
        design = _design(spec.formula, data, response=True, offset=spec.offset, weights=spec.weights)
        check_glm(design, limits=limits, missing=0)
        beta = _beta(step, len(design.columns))
        check_glm_parameters(design, beta, family=spec.family, min_count=min_count)
        return GlmPart(design.columns, glm_contribution(design, family=spec.family, beta=beta))
    time, event = data["time"], data["event"]
    if isinstance(spec, KaplanMeierSpec):
        group = None if spec.group is None else data[spec.group]
        if step.kind is StepKind.EDGES:
            edges = propose(
                step, time, event, bin_days=spec.bin_days, min_count=min_count, released=released, group=group
            )
            return ProposedEdges(edges)
        edges = _edges_of(step)
        check_grid(
            edges, time, event, bin_days=spec.bin_days, min_count=min_count, released=released, group=group
        )
        return km_table(time, event, edges=edges, min_count=min_count, group=group)
    return _cox(spec, step, data, limits, released)


def _summary(
    spec: SummarySpec, step: Step, values: FloatArray, limits: DisclosureLimits, released: tuple[float, ...]
) -> NodeOutput:
    if step.kind is StepKind.EDGES:
        if spec.edges is None:
            raise QueryError("this summary has no histogram edges", hint="give 'edges' to estimate quantiles")
        inside = np.clip(values, spec.edges[0], spec.edges[-1])
        proposal = merged_edges(inside, base_edges=spec.edges, min_count=limits.min_count)
        return ProposedEdges(fitting_edges(inside, proposal, released, min_count=limits.min_count))
    edges = step.edges
    if edges is not None:
        if spec.edges is None or not set(edges) <= set(spec.edges):
            raise QueryError(
                "the histogram edges must be a subset of the analysis's own edges",
                hint="use the common grid of the nodes' proposed edges",
            )
        inside = np.clip(values, edges[0], edges[-1])
        fitting_edges(inside, edges, released, min_count=limits.min_count, strict=True)
    part = summary_contribution(values, edges=edges)
    check_summary(part, limits=limits)
    return part


def _cox(
    spec: CoxSpec,
    step: Step,
    data: Mapping[str, FloatArray],
    limits: DisclosureLimits,
    released: Released,
) -> NodeOutput:
    time, event = data["time"], data["event"]
    design = _design(spec.formula, data, response=False, also_required=("time", "event"))
    keep = [i for i, name in enumerate(design.columns) if name != "Intercept"]
    columns = tuple(design.columns[i] for i in keep)
    x = design.X[:, keep]
    if not columns:
        raise QueryError("a Cox model needs at least one covariate", hint='e.g. "formula": "~ male + age"')
    covariates = Design(x, columns, None, design.offset, design.weights, design.kept, 0, design.data)
    check_glm(covariates, limits=limits, missing=0)
    if spec.strata == "node":
        beta = _beta(step, len(columns))
        check_cox_parameters(x, beta, None, 0, min_count=limits.min_count)
        derivatives = cox_stratum_contribution(
            x, time, event, beta=beta, ties=spec.ties, min_count=limits.min_count
        )
        return CoxPart(columns, stratum=derivatives)
    k = limits.min_count
    if step.kind is StepKind.EDGES:
        grid = propose(step, time, event, bin_days=spec.bin_days, min_count=k, released=released, exits=True)
        return ProposedEdges(grid)
    edges = _edges_of(step)
    check_grid(edges, time, event, bin_days=spec.bin_days, min_count=k, released=released, exits=True)
    beta = _beta(step, len(columns))
    check_cox_parameters(x, beta, bin_index(time, edges), len(edges) - 1, min_count=k)
    binned = cox_contribution(
        x,
        time,
        event,
        edges=edges,
        beta=beta,
        ties=spec.ties,
        min_count=limits.min_count,
    )
    return CoxPart(columns, binned=binned)


def _design(
    formula: str,
    data: Mapping[str, FloatArray],
    *,
    response: bool,
    offset: str | None = None,
    weights: str | None = None,
    also_required: tuple[str, ...] = (),
) -> Design:
    parsed = parse_formula(formula, allowed=set(data), response=response)
    return build_design(parsed, data, offset=offset, weights=weights, also_required=also_required)


def _edges_of(step: Step) -> tuple[float, ...]:
    if step.kind is not StepKind.EVALUATE or step.edges is None:
        raise QueryError("this step needs the common edges", hint='send {"kind": "evaluate", "edges": [...]}')
    return step.edges


def _beta(step: Step, p: int) -> tuple[float, ...]:
    if step.kind is not StepKind.EVALUATE:
        raise QueryError("a model is evaluated, not binned", hint='send {"kind": "evaluate", "beta": [...]}')
    if step.beta is None:
        return (0.0,) * p
    if len(step.beta) != p:
        raise QueryError(
            f"beta has {len(step.beta)} values for {p} parameters", hint="send one per design column"
        )
    return step.beta
