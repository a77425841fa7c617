"""Beacon variant queries on known positions: 0-based Beacon coordinates against 1-based VCF in the store.

The store holds FBN1 G>A at VCF chr15:48,600,217 (Beacon start 48600216), C>T at chr15:48,700,000
and the deletion AT>A at VCF chr2:166,000,000, whose deleted T is 0-based 166000000.
"""

from __future__ import annotations

import httpx
import pytest

from tests.beacon_schemas import ERROR, RESULTSETS, errors
from tests.node.records_node import DEL_POS, FAR_POS, SNV_ID, SNV_POS

pytestmark = pytest.mark.anyio

SNV_START = SNV_POS - 1  # Beacon's 0-based start of the VCF position
FAR_ID = "GRCh38:chr15:48700000:C:T"
DEL_ID = "GRCh38:chr2:166000000:AT:A"


async def variants(
    client: httpx.AsyncClient, params: dict[str, object], *, path: str = "/api/g_variants"
) -> list[str]:
    """Variant ids (or individual ids) in ds-rec matching ``params``, asked by POST."""
    body = {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {
            "requestedGranularity": "record",
            "requestParameters": {**params, "datasets": ["ds-rec"]},
            "includeResultsetResponses": "ALL",
        },
    }
    reply = await client.post(path, json=body)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert errors(doc, RESULTSETS) == []
    (result_set,) = doc["response"]["resultSets"]
    return [r.get("variantInternalId", r.get("id")) for r in result_set["results"]]


async def test_a_sequence_query_counts_from_zero(records_client: httpx.AsyncClient) -> None:
    base = {"referenceName": "15", "assemblyId": "GRCh38", "referenceBases": "G", "alternateBases": "A"}
    assert await variants(records_client, {**base, "start": [SNV_START]}) == [SNV_ID]
    assert (
        await variants(records_client, {**base, "start": [SNV_POS]}) == []
    )  # the VCF position is one too far
    assert await variants(records_client, {**base, "start": [SNV_START], "alternateBases": "T"}) == []
    assert await variants(records_client, {**base, "start": [SNV_START], "alternateBases": "N"}) == [SNV_ID]


@pytest.mark.parametrize("name", ["15", "chr15", "CHR15", "NC_000015.10", "refseq:NC_000015.10"])
@pytest.mark.parametrize("assembly", ["GRCh38", "hg38", "GRCh38.p14", None])
async def test_chromosome_and_assembly_spellings_are_one(
    records_client: httpx.AsyncClient, name: str, assembly: str | None
) -> None:
    params: dict[str, object] = {"referenceName": name, "start": [SNV_START], "alternateBases": "A"}
    if assembly:
        params["assemblyId"] = assembly
    assert await variants(records_client, params) == [SNV_ID]


async def test_another_assembly_finds_nothing(records_client: httpx.AsyncClient) -> None:
    params = {"referenceName": "15", "assemblyId": "hg19", "start": [SNV_START], "alternateBases": "A"}
    assert await variants(records_client, params) == []


async def test_a_range_is_half_open_and_zero_based(records_client: httpx.AsyncClient) -> None:
    def span(start: int, end: int) -> dict[str, object]:
        return {"referenceName": "chr15", "assemblyId": "GRCh38", "start": [start], "end": [end]}

    assert await variants(records_client, span(SNV_START, SNV_START + 1)) == [SNV_ID]
    assert await variants(records_client, span(SNV_START + 1, FAR_POS)) == [FAR_ID]  # end is exclusive …
    assert await variants(records_client, span(SNV_START + 1, FAR_POS - 1)) == []  # … of 0-based FAR_POS - 1
    assert await variants(records_client, span(SNV_START - 1_000_000, FAR_POS)) == [SNV_ID, FAR_ID]
    assert await variants(records_client, span(SNV_START - 1_000, SNV_START)) == []


async def test_a_range_finds_a_deletion_by_any_base_it_covers(records_client: httpx.AsyncClient) -> None:
    def span(start: int, end: int) -> dict[str, object]:
        return {"referenceName": "2", "start": [start], "end": [end]}

    assert await variants(records_client, span(DEL_POS, DEL_POS + 1)) == [DEL_ID]  # the deleted T
    assert await variants(records_client, span(DEL_POS + 1, DEL_POS + 10)) == []
    assert await variants(records_client, {**span(DEL_POS - 10, DEL_POS + 10), "variantType": "DEL"}) == [
        DEL_ID
    ]
    assert await variants(records_client, {**span(DEL_POS - 10, DEL_POS + 10), "variantType": "SNP"}) == []
    assert await variants(records_client, {**span(DEL_POS - 10, DEL_POS + 10), "variantType": "DUP"}) == []


async def test_a_bracket_query_bounds_start_and_end(records_client: httpx.AsyncClient) -> None:
    exact = {"referenceName": "15", "start": [SNV_START, SNV_START + 1], "end": [SNV_POS, SNV_POS + 1]}
    assert await variants(records_client, exact) == [SNV_ID]
    wide = {"referenceName": "15", "start": [SNV_START, FAR_POS], "end": [SNV_POS, FAR_POS + 1]}
    assert await variants(records_client, wide) == [SNV_ID, FAR_ID]
    assert await variants(records_client, {**exact, "start": [SNV_POS, SNV_POS + 1]}) == []
    deletion = {"referenceName": "2", "start": [DEL_POS - 1, DEL_POS], "end": [DEL_POS + 1, DEL_POS + 2]}
    assert await variants(records_client, deletion) == [DEL_ID]  # 0-based start 165999999, end 166000001


async def test_gene_hgvs_and_amino_acid_queries(records_client: httpx.AsyncClient) -> None:
    assert await variants(records_client, {"geneId": "FBN1"}) == [SNV_ID, FAR_ID]
    assert await variants(records_client, {"genomicAlleleShortForm": "NM_000138.5:c.1585C>T"}) == [SNV_ID]
    assert await variants(records_client, {"aminoacidChange": "R529*"}) == [SNV_ID]
    assert await variants(records_client, {"aminoacidChange": "Arg529Ter"}) == [SNV_ID]
    assert await variants(records_client, {"aminoacidChange": "R529Q"}) == []
    assert await variants(records_client, {"geneId": "FBN1", "variantMinLength": 2}) == []


async def test_variant_parameters_pick_individuals_and_biosamples_too(
    records_client: httpx.AsyncClient,
) -> None:
    carriers = {"referenceName": "15", "start": [SNV_START], "alternateBases": "A"}
    assert await variants(records_client, carriers, path="/api/individuals") == ["r1", "r2"]
    assert await variants(records_client, carriers, path="/api/biosamples") == ["bs1", "bs2", "bs3"]
    assert await variants(records_client, {"geneId": "SCN1A"}, path="/api/individuals") == ["r2"]


async def test_get_takes_the_spec_parameter_names(records_client: httpx.AsyncClient) -> None:
    params = {
        "referenceName": "chr15",
        "assemblyId": "hg38",
        "start": str(SNV_START),
        "end": str(FAR_POS),
        "datasets": "ds-rec",
        "requestedGranularity": "record",
    }
    doc = (await records_client.get("/api/g_variants", params=params)).json()
    assert [r["variantInternalId"] for r in doc["response"]["resultSets"][0]["results"]] == [SNV_ID, FAR_ID]
    summary = doc["meta"]["receivedRequestSummary"]["requestParameters"]
    assert summary["g_variant"]["start"] == [SNV_START]
    bracket = [("referenceName", "15"), ("start", str(SNV_START)), ("start", str(SNV_START + 1))]
    bracket += [("end", str(SNV_POS)), ("end", str(SNV_POS + 1)), ("datasets", "ds-rec")]
    repeated = (await records_client.get("/api/g_variants", params=bracket)).json()
    assert repeated["responseSummary"] == {"exists": True, "numTotalResults": 1}
    by_gene = (
        await records_client.get("/api/g_variants", params={"geneid": "FBN1", "datasets": "ds-rec"})
    ).json()
    assert by_gene["responseSummary"]["numTotalResults"] == 2


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start": [5], "alternateBases": "A"}, "start was given without referenceName"),
        ({"referenceName": "15", "end": [9]}, "end was given without start"),
        ({"referenceName": "15"}, "referenceName was given without start"),
        ({"referenceName": "15", "start": [5]}, "needs alternateBases"),
        ({"referenceName": "15", "start": [5], "end": [9, 10]}, "both have one value"),
        ({"referenceName": "15", "start": [5, 6]}, "bracket query needs end"),
        ({"referenceName": "15", "start": [9], "end": [9]}, "end (9) must be greater than start (9)"),
        ({"referenceName": "15", "start": [6, 5], "end": [9, 10]}, "bracket bounds must be increasing"),
        ({"referenceName": "15", "start": [-1], "end": [9]}, "start must be an integer from 0"),
        ({"referenceName": "15", "start": [1, 2, 3], "end": [4]}, "one or two positions"),
        ({"referenceName": "15", "start": [5], "alternateBases": "XYZ"}, "not a sequence of bases"),
        ({"referenceName": "15", "start": ["five"], "end": [9]}, "start must be an integer"),
        ({"geneId": 7}, "geneId must be a non-empty string"),
        ({"aminoacidChange": "not a change"}, "not an amino-acid change"),
        ({"variantMinLength": 5, "variantMaxLength": 2}, "variantMinLength is greater"),
        (
            {"referenceName": "NC_000015.10", "assemblyId": "GRCh37", "start": [5], "alternateBases": "A"},
            "is a GRCh38 sequence",
        ),
    ],
)
async def test_invalid_variant_requests_are_a_400_naming_the_parameter(
    records_client: httpx.AsyncClient, params: dict[str, object], fragment: str
) -> None:
    body = {"meta": {"apiVersion": "v2.0.1"}, "query": {"requestParameters": params}}
    reply = await records_client.post("/api/g_variants", json=body)
    assert reply.status_code == 400
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert fragment in doc["error"]["errorMessage"]


async def test_a_variant_id_and_variant_parameters_do_not_mix(records_client: httpx.AsyncClient) -> None:
    body = {"query": {"requestParameters": {"geneId": "FBN1"}}}
    reply = await records_client.post(f"/api/g_variants/{SNV_ID}/individuals", json=body)
    assert reply.status_code == 400
    assert "cannot be combined with a variant id" in reply.json()["error"]["errorMessage"]


async def test_an_unknown_request_parameter_is_reported(records_client: httpx.AsyncClient) -> None:
    body = {"query": {"requestParameters": {"geneId": "FBN1", "colour": {"id": "blue"}}}}
    doc = (await records_client.post("/api/g_variants", json=body)).json()
    assert doc["info"]["ignoredParameters"] == ["requestParameters.colour"]
    got = (await records_client.get("/api/individuals", params={"shoeSize": "42"})).json()
    assert got["info"]["ignoredParameters"] == ["shoeSize"]
