"""Disease ranking at the hub: ``POST /api/rank`` ranks every annotated OMIM disease for a patient.

Reference data only (the HPO release in ``hub.data_dir``), no node is asked: a patient's
phenotypes are the researcher's own input. The ranker loads once per process, on first use.
The caller is checked and the answer audited as any hub answer (nothing about a patient leaves).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import hub_of
from pmbridge.similarity import (
    PHENOTYPE_REQUEST_SCHEMA,
    Evidence,
    PhenotypeQuery,
    PhenotypeRequest,
    RankedDisease,
    load_disease_ranker,
    parse_phenotype_request,
    resolve_terms,
)
from pmbridge.vocab import Hpo, locate_data_dir

router = APIRouter()


@router.post(
    "/api/rank",
    openapi_extra=json_request_body(PHENOTYPE_REQUEST_SCHEMA, required=True),
    responses=error_responses(401, 403),
)
async def rank(request: Request) -> dict[str, object]:
    """Diseases best explaining the phenotypes (and gene), best first, with English and Chinese names."""
    body = parse_phenotype_request(await json_body(request))
    config, who = hub_of(request).config, hub_caller(request)
    answer = await run_in_threadpool(answer_rank, body, data_dir=config.data_dir)
    if who.audit is not None:
        ranked = answer["diseases"]
        who.audit.record_release(
            rule="reference-data",
            granularity="none",
            released={
                "kind": "rank",
                "diseases": len(ranked) if isinstance(ranked, list) else 0,
                "hpoRelease": str(answer["hpoRelease"]),
            },
        )
    return answer


def answer_rank(body: PhenotypeRequest, *, data_dir: Path | None) -> dict[str, object]:
    """The ranking of ``body`` with the HPO release of ``data_dir`` (the documented lookup when None)."""
    located = locate_data_dir(data_dir)
    hpo = Hpo.load(located)
    query = PhenotypeQuery(
        observed=resolve_terms(body.phenotypes, hpo=hpo),
        excluded=resolve_terms(body.excluded, hpo=hpo),
        genes=() if body.gene is None else (body.gene,),
    )
    ranker = load_disease_ranker(located)
    ranked = ranker.rank(query, top=body.limit)
    return {
        "hpoRelease": ranker.release,
        "method": "likelihood",
        "diseaseCount": len(ranker),
        "query": {
            "phenotypes": [_term(hpo, t) for t in query.observed],
            "excluded": [_term(hpo, t) for t in query.excluded],
            "gene": body.gene,
        },
        "diseases": [_disease(hpo, d) for d in ranked],
        "notes": [
            "rank counts ties pessimistically; score is the log likelihood ratio (docs/similarity.md)",
            "evidence: each query term's log10 likelihood-ratio contribution to the disease "
            "(positive for it, negative against it), largest first",
            "the reference data has no Chinese disease names: labels.zh repeats the English name "
            "(zhFallback true)",
        ],
    }


def _term(hpo: Hpo, term_id: str) -> dict[str, object]:
    term = hpo.term(term_id)
    zh, fallback = hpo.labels_zh.label(term_id, term.name)
    return {"id": term_id, "labels": {"en": term.name, "zh": zh}, "zhFallback": fallback}


def _disease(hpo: Hpo, disease: RankedDisease) -> dict[str, object]:
    return {
        "rank": disease.rank,
        "id": disease.id,
        "labels": {"en": disease.name, "zh": disease.name},
        "zhFallback": True,
        "score": round(disease.score, 4),
        "genes": list(disease.genes),
        "evidence": evidence_json(hpo, disease.evidence),
    }


def evidence_json(hpo: Hpo, evidence: Iterable[Evidence]) -> list[dict[str, object]]:
    """Each contribution with its term's English and Chinese labels (a gene is its own symbol)."""
    shown: list[dict[str, object]] = []
    for item in evidence:
        if item.kind == "gene":
            labelled: dict[str, object] = {"labels": {"en": item.term, "zh": item.term}, "zhFallback": False}
        else:
            labelled = _term(hpo, item.term)
            del labelled["id"]
        shown.append({**item.to_dict(), **labelled})
    return shown
