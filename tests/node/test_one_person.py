"""Questions about one person: below record access, no sequence of by-id questions tells apart two
stores that differ only in one person's attributes (sex, age, phenotypes, carrier status), at any
granularity, with any filters, for anonymous and registered callers, at home and abroad."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.model import PatientRecord, PhenotypicFeature, Sex
from pmbridge.node import create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import release_node
from tests.release import bearer, passport
from tests.trust import as_hub, trusted

TARGET = 5  # rel-eu-5: female? no: SEXES[5 % 4] = male, age 6.5, arachnodactyly, no rare variant


def changed(records: list[PatientRecord]) -> list[PatientRecord]:
    """The same people, but the target differs in every attribute a filter can read."""
    person = records[TARGET]
    other = dataclasses.replace(
        person,
        individual=dataclasses.replace(person.individual, sex=Sex.FEMALE, age_years=61.5),
        phenotypic_features=(PhenotypicFeature(release_node.SEIZURE),),
        variants=(release_node.RARE, release_node.COMMON),
    )
    return [*records[:TARGET], other, *records[TARGET + 1 :]]


class Node:
    """A node app in process, asked one request at a time from synchronous (hypothesis) tests."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def post(self, path: str, *, json: object, headers: dict[str, str]) -> httpx.Response:
        async def one() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://node", auth=as_hub("eu-rel")
            ) as c:
                return await c.post(path, json=json, headers=headers)

        return asyncio.run(one())


def build(root: Path, *, world: str, hpo: Hpo) -> Node:
    full = trusted(release_node.EU, root)
    parsed = parse_node_config(full, base=root, where="test")
    records = release_node.people(parsed.datasets[0].id)
    with NodeStore.open(parsed.store) as store, store.transaction():
        store.put_datasets(list(parsed.datasets))
        store.sync_closure(hpo.closure(), release=hpo.release)
        store.write_records(changed(records) if world == "changed" else records)
    context = open_node(parse_node_config(full, base=root, where="test"))
    return Node(create_node_app(context))


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Node, Node]:
    hpo = Hpo.load(locate_data_dir())
    return (
        build(tmp_path_factory.mktemp("one-a"), world="as is", hpo=hpo),
        build(tmp_path_factory.mktemp("one-b"), world="changed", hpo=hpo),
    )


FILTERS = [
    {"id": "sex", "operator": "=", "value": "FEMALE"},
    {"id": "sex", "operator": "=", "value": "MALE"},
    {"id": "age", "operator": ">", "value": "60"},
    {"id": "age", "operator": "<", "value": "10"},
    {"id": release_node.SEIZURE},
    {"id": release_node.ARACHNODACTYLY},
    {"id": "gene:FBN1"},
]
PATHS = ["/api/individuals/{id}", "/api/individuals/{id}/g_variants", "/api/individuals/{id}/biosamples"]
CALLERS = {
    "anonymous": {},
    "registered at home": bearer(passport("one-1", country="IT")),
    "registered abroad": bearer(passport("one-2", country="CN")),
}
question = st.tuples(
    st.sampled_from(PATHS),
    st.sampled_from([f"rel-eu-{TARGET}", f"rel-eu-{TARGET + 4}", "rel-eu-999"]),
    st.lists(st.sampled_from(FILTERS), max_size=3, unique_by=str),
    st.sampled_from(["boolean", "count", "record"]),
    st.sampled_from(sorted(CALLERS)),
    st.booleans(),
)


def ask(client: Node, q: tuple[str, str, list[dict[str, str]], str, str, bool]) -> tuple[int, object]:
    path, entry, filters, granularity, caller, variant = q
    query: dict[str, object] = {"filters": filters, "requestedGranularity": granularity}
    if variant:
        query["requestParameters"] = {"referenceName": "15", "start": [48600216], "alternateBases": "A"}
    reply = client.post(
        path.format(id=entry),
        json={"meta": {"apiVersion": "v2.0.1"}, "query": query},
        headers=CALLERS[caller],
    )
    return reply.status_code, reply.json()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(questions=st.lists(question, min_size=1, max_size=6))
def test_no_sequence_of_questions_about_one_person_tells_the_worlds_apart(
    worlds: tuple[Node, Node],
    questions: list[tuple[str, str, list[dict[str, str]], str, str, bool]],
) -> None:
    a, b = worlds
    for q in questions:
        assert ask(a, q) == ask(b, q), q


def test_filters_beside_an_id_are_reported_as_not_applied(worlds: tuple[Node, Node]) -> None:
    status, doc = ask(
        worlds[0], (PATHS[0], f"rel-eu-{TARGET}", [FILTERS[0]], "count", "registered at home", False)
    )
    assert status == 200
    info = doc["info"]  # type: ignore[index]
    assert info["filtersNotApplied"] == ["sex"] and any("not applied" in w for w in info["warnings"])
    (result,) = doc["response"]["resultSets"]  # type: ignore[index]
    assert result["exists"] is True and result["info"]["count"]["display"] == "<5"


def test_an_unknown_id_is_an_honest_zero(worlds: tuple[Node, Node]) -> None:
    status, doc = ask(worlds[0], (PATHS[0], "rel-eu-999", [], "count", "registered at home", False))
    assert status == 200 and doc["responseSummary"]["exists"] is False  # type: ignore[index]
    assert doc["response"]["resultSets"] == []  # type: ignore[index]


def test_record_access_still_answers_filters_about_one_person(worlds: tuple[Node, Node]) -> None:
    controlled = bearer(passport("one-3", country="IT", grants=("rel-eu",)))
    body = {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {"filters": [FILTERS[1]], "requestedGranularity": "record"},
    }
    here = [c.post(f"/api/individuals/rel-eu-{TARGET}", json=body, headers=controlled).json() for c in worlds]
    found = [d["responseSummary"]["exists"] for d in here]
    assert found == [True, False]  # male as is, female in the changed world: records are for those allowed
