"""Patient matching at a node: who gets pseudonymous matches and who gets band counts, what a reply
may contain (never a record field, coarse scores), match ids (stable per researcher and node,
unlinkable across researchers and nodes), and the steward's contact inbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pmbridge.cli._app import app as cli
from pmbridge.model import AccessLevel, Individual, PatientRecord, PhenotypicFeature, Sex
from pmbridge.node import NodeContext, create_node_app, inbox_path, list_contacts
from pmbridge.node._pseudonyms import MatchIds, load_match_ids
from pmbridge.node._routes_match import answer_match
from pmbridge.policy import DEMO_ISSUER, Caller, Researcher
from pmbridge.similarity import parse_phenotype_request
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import match_node
from tests.node.match_node import GRANTS, MARFAN, NEURO, SEIZURE, TALL
from tests.release import bearer, passport
from tests.trust import as_hub

pytestmark = pytest.mark.anyio

MARFAN_QUERY = {"phenotypes": list(MARFAN), "gene": "FBN1", "limit": 5}
RECORD_WORDS = ("p-marfan", "p-0", "p-1", "p-2", "FEMALE", "MALE", "age", "sex", "HP:")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("match-node")
    return root, match_node.build(root, Hpo.load(locate_data_dir()))


@pytest.fixture(scope="module")
def context(built: tuple[Path, dict[str, object]]) -> Iterator[NodeContext]:
    ctx = match_node.open_match_node(*built)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def roomy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeContext]:
    """A node like ``context`` with a budget that outlasts the many distinct questions of a property
    test (each band count it noises costs ε; the default yearly budget is 50 per dataset)."""
    root = tmp_path_factory.mktemp("match-node-roomy")
    config = match_node.build(root, Hpo.load(locate_data_dir()), node_id="eu-match-roomy")
    ctx = match_node.open_match_node(root, {**config, "privacy": {"yearly_epsilon_budget": 100_000.0}})
    yield ctx
    ctx.close()
    ctx.release.close()


@pytest.fixture
async def client(context: NodeContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_node_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=as_hub("eu-match")) as c:
        yield c


def at_home(user: str = "alice") -> dict[str, str]:
    """A researcher in Italy (the node's jurisdiction) with controlled access to ``ds-a``."""
    return bearer(passport(user, country="IT", grants=GRANTS))


def seen_by(user: str) -> Researcher:
    """The researcher of an :func:`at_home` passport, as far as match ids are concerned."""
    return Researcher(user, issuer=DEMO_ISSUER)


async def test_a_researcher_at_home_gets_pseudonymous_matches_best_first(
    client: httpx.AsyncClient, context: NodeContext
) -> None:
    reply = await client.post("/api/match", json=MARFAN_QUERY, headers=at_home())
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    ids = load_match_ids(context.config.store.parent)
    best = ids.for_researcher(seen_by("alice"), "ds-a", "p-marfan")
    assert doc["matches"][0] == {"matchId": best, "dataset": "ds-a", "score": 1.5}
    assert all(set(m) == {"matchId", "dataset", "score"} for m in doc["matches"])
    assert {m["dataset"] for m in doc["matches"]} == {"ds-a"}  # ds-b grants yes/no only
    assert [a["dataset"] for a in doc["aggregates"]] == ["ds-b"]
    assert all("count" not in band for band in doc["aggregates"][0]["bands"])
    modes = {d["dataset"]: d["mode"] for d in doc["release"]["datasets"]}
    assert modes == {"ds-a": "patients", "ds-b": "aggregate"}
    assert doc["release"]["crossBorder"] is False


async def test_a_registered_researcher_without_a_grant_gets_band_counts_not_patients(
    client: httpx.AsyncClient,
) -> None:
    """ds-a grants counts, not records, to registered access: per-patient matches (ids and scores
    per patient, which repeated one-term queries turn into each patient's profile) would leak
    record-level data to a researcher allowed only counts."""
    registered = bearer(passport("carol", country="IT"))
    doc = (await client.post("/api/match", json=MARFAN_QUERY, headers=registered)).json()
    assert doc["matches"] == []
    modes = {d["dataset"]: (d["mode"], d["reason"]) for d in doc["release"]["datasets"]}
    assert modes["ds-a"][0] == "aggregate" and "record-level access" in modes["ds-a"][1]
    assert {a["dataset"] for a in doc["aggregates"]} == {"ds-a", "ds-b"}
    for band in next(a for a in doc["aggregates"] if a["dataset"] == "ds-a")["bands"]:
        value = band["count"]["value"]
        assert value is None or value == 0 or value >= 5


async def test_each_researcher_gets_their_own_ids_and_can_contact_only_through_them(
    client: httpx.AsyncClient,
) -> None:
    query = {"phenotypes": [SEIZURE, "HP:0001263"], "limit": 30}
    alice = (await client.post("/api/match", json=query, headers=at_home("alice"))).json()["matches"]
    again = (await client.post("/api/match", json=MARFAN_QUERY, headers=at_home("alice"))).json()["matches"]
    bob = (await client.post("/api/match", json=query, headers=at_home("bob"))).json()["matches"]
    assert len(alice) > 5 and [m["score"] for m in alice] == [m["score"] for m in bob]
    assert not {m["matchId"] for m in alice} & {m["matchId"] for m in bob}  # nothing to pool on
    assert {m["matchId"] for m in again} & {m["matchId"] for m in alice}  # stable for one researcher
    contact = {
        "node": "eu-match",
        "dataset": "ds-a",
        "matchId": alice[0]["matchId"],
        "researcher": {"name": "Bob", "email": "bob@uni.example"},
        "message": "hello",
    }
    assert (await client.post("/api/match/contact", json=contact, headers=at_home("bob"))).status_code == 404
    anonymous = await client.post("/api/match/contact", json=contact)
    assert anonymous.status_code == 401 and "missing" in anonymous.json()["error"]["errorMessage"]
    mine = await client.post("/api/match/contact", json=contact, headers=at_home("alice"))
    assert mine.status_code == 200, mine.text


@pytest.mark.parametrize("headers", [{}, "CN", None], ids=["anonymous", "abroad", "unknown-country"])
async def test_anyone_else_gets_band_counts_that_pass_the_cross_border_minimum(
    client: httpx.AsyncClient, headers: object
) -> None:
    sent = headers if isinstance(headers, dict) else bearer(passport("bo", country=headers, grants=GRANTS))  # type: ignore[arg-type]
    doc = (await client.post("/api/match", json=MARFAN_QUERY, headers=sent)).json()
    assert doc["matches"] == []
    assert doc["release"]["crossBorder"] is True and doc["release"]["minCount"] == 11
    bands = {a["dataset"]: {b["band"]: b for b in a["bands"]} for a in doc["aggregates"]}
    strong = bands["ds-a"]["strong"]  # p-marfan alone: one patient, held back
    assert strong["exists"] is None and strong["count"]["value"] is None
    for band in bands["ds-a"].values():
        value = band["count"]["value"]
        assert value is None or value == 0 or value >= 11


async def test_a_forbidden_purpose_is_refused(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/api/match", json=MARFAN_QUERY, headers={**at_home(), "PMBridge-Purpose": "law_enforcement"}
    )
    assert reply.status_code == 403 and "X5" in reply.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phenotypes": []}, "phenotypes"),
        ({"phenotypes": ["HP:0001166"], "limit": 0}, "limit"),
        ({"phenotypes": ["HP:0001166"], "gene": "not a gene!"}, "gene"),
        ({"phenotypes": ["HP:0001166"], "sex": "FEMALE"}, "sex"),
        ({"phenotypes": ["HP:9999999"]}, "HP:9999999"),
    ],
)
async def test_a_malformed_request_says_which_field(
    client: httpx.AsyncClient, body: object, field: str
) -> None:
    reply = await client.post("/api/match", json=body)
    assert reply.status_code == 400 and field in reply.json()["error"]["errorMessage"]


terms = st.lists(st.sampled_from([*MARFAN, *NEURO, "HP:0000118"]), min_size=1, max_size=6, unique=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    observed=terms,
    excluded=st.lists(st.sampled_from([*MARFAN, *NEURO]), max_size=2, unique=True),
    gene=st.sampled_from([None, "FBN1", "SCN1A"]),
    limit=st.integers(1, 30),
    country=st.sampled_from([None, "IT", "DE", "CN", "US"]),
    registered=st.booleans(),
    granted=st.booleans(),
)
def test_no_reply_ever_carries_a_record_field(
    roomy: NodeContext,
    observed: list[str],
    excluded: list[str],
    gene: str | None,
    limit: int,
    country: str | None,
    registered: bool,
    granted: bool,
) -> None:
    body = parse_phenotype_request(
        {"phenotypes": observed, "excluded": excluded, "gene": gene, "limit": limit}
    )
    controlled = frozenset(GRANTS if granted else ())
    researcher = (
        Researcher(
            "r1", level=AccessLevel.REGISTERED, issuer="broker", country=country, controlled=controlled
        )
        if registered
        else Researcher.anonymous()
    )
    doc = answer_match(roomy, body, caller=Caller(researcher))
    assert set(doc) == {"meta", "query", "matches", "aggregates", "release"}
    assert doc["query"] == {
        "phenotypes": observed,
        "excluded": excluded,
        "gene": gene,
    }  # the researcher's own
    released = json.dumps({k: v for k, v in doc.items() if k != "query"})
    assert not any(word in released for word in RECORD_WORDS)
    if doc["matches"]:  # per patient only with record access at home
        assert registered and granted and country in ("IT", "DE")
    for match in doc["matches"]:  # type: ignore[attr-defined]
        assert set(match) == {"matchId", "dataset", "score"} and match["matchId"].startswith("m-")
        assert match["score"] == round(match["score"], 2)  # coarse: ranks, but is no exact profile
    assert len(doc["matches"]) <= limit  # type: ignore[arg-type]
    k = doc["release"]["minCount"]  # type: ignore[index]
    for aggregate in doc["aggregates"]:  # type: ignore[attr-defined]
        for band in aggregate["bands"]:  # no band count between 1 and k-1 ever leaves
            value = band["count"]["value"] if "count" in band else None
            assert value is None or value == 0 or value >= k
            assert "count" not in band or band["count"]["how"] in {"noised", "exact", "suppressed"}


def test_match_ids_are_stable_per_node_and_unlinkable_across_nodes(tmp_path: Path) -> None:
    body = parse_phenotype_request({"phenotypes": [SEIZURE, "HP:0001263"], "limit": 30})
    caller = Caller(
        Researcher(
            "r1", level=AccessLevel.REGISTERED, issuer="broker", country="IT", controlled=frozenset(GRANTS)
        )
    )
    hpo = Hpo.load(locate_data_dir())

    def matches(root: Path, config: dict[str, object]) -> list[dict[str, object]]:
        node = match_node.open_match_node(root, config)  # a fresh start of the node's process state
        try:
            found = answer_match(node, body, caller=caller)["matches"]
        finally:
            node.close()
        assert isinstance(found, list)
        return found

    first = match_node.build(tmp_path / "a", hpo, node_id="eu-a")
    twin = match_node.build(tmp_path / "b", hpo, node_id="eu-b")  # the same patients, another node
    at_a, at_b = matches(tmp_path / "a", first), matches(tmp_path / "b", twin)
    assert len(at_a) > 5 and [m["score"] for m in at_a] == [m["score"] for m in at_b]
    assert not {m["matchId"] for m in at_a} & {m["matchId"] for m in at_b}
    assert matches(tmp_path / "a", first) == at_a  # restarted: the same ids


def test_the_index_is_rebuilt_when_the_store_changes(tmp_path: Path) -> None:
    body = parse_phenotype_request({"phenotypes": list(MARFAN)})
    caller = Caller(Researcher("r1", level=AccessLevel.REGISTERED, issuer="broker", country="IT"))
    config = match_node.build(tmp_path, Hpo.load(locate_data_dir()), node_id="eu-grow")

    def patients() -> object:
        node = match_node.open_match_node(tmp_path, config)
        try:
            return answer_match(node, body, caller=caller)["meta"]["patients"]  # type: ignore[index]
        finally:
            node.close()

    assert patients() == 25
    newcomer = PatientRecord(
        Individual("p-new", Sex.MALE), "ds-a", phenotypic_features=(PhenotypicFeature(TALL),)
    )
    with NodeStore.open(tmp_path / "store.duckdb") as store, store.transaction():
        store.write_records([newcomer])
    assert patients() == 26


async def test_a_contact_request_lands_in_the_stewards_inbox_with_the_patient(
    client: httpx.AsyncClient, context: NodeContext, built: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    match = (await client.post("/api/match", json=MARFAN_QUERY, headers=at_home())).json()["matches"][0]
    body = {
        "node": "eu-match",
        "dataset": match["dataset"],
        "matchId": match["matchId"],
        "researcher": {"name": "Alice Rossi", "email": "alice@uni.example", "organisation": "Uni"},
        "message": "We see the same phenotype with an FBN1 variant; may we talk?",
    }
    reply = await client.post("/api/match/contact", json=body, headers=at_home())
    assert reply.status_code == 200, reply.text
    request_id = reply.json()["requestId"]
    assert set(reply.json()) == {"requestId", "node", "status"}
    inbox = {e.request_id: e for e in list_contacts(inbox_path(context.config.store))}
    assert inbox[request_id].individual_id == "p-marfan"
    assert inbox[request_id].passport_subject == "alice"
    root, config = built
    (root / "node.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    shown = CliRunner().invoke(cli, ["node", "contacts", "--config", str(root / "node.toml"), "--json"])
    assert shown.exit_code == 0, shown.output
    assert request_id in shown.output and "p-marfan" in shown.output


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"matchId": "m-" + "0" * 32}, 404),
        ({"dataset": "ds-b"}, 404),
        ({"dataset": "ds-zzz"}, 404),
        ({"node": "cn-other"}, 400),
        ({"researcher": {"name": "A", "email": "not-an-email"}}, 400),
        ({"message": ""}, 400),
    ],
)
async def test_a_contact_request_that_names_no_match_here_is_refused(
    client: httpx.AsyncClient, change: dict[str, object], status: int
) -> None:
    match = (await client.post("/api/match", json=MARFAN_QUERY, headers=at_home())).json()["matches"][0]
    body = {
        "node": "eu-match",
        "dataset": "ds-a",
        "matchId": match["matchId"],
        "researcher": {"name": "Alice", "email": "alice@uni.example"},
        "message": "hello",
        **change,
    }
    reply = await client.post("/api/match/contact", json=body, headers=at_home())
    assert reply.status_code == status, reply.text


names = st.text(min_size=1, max_size=12)


@given(
    first=st.tuples(names, names),
    second=st.tuples(names, names),
    patients=st.lists(
        st.tuples(st.sampled_from(["ds-a", "ds-b"]), names), min_size=1, max_size=8, unique=True
    ),
)
def test_two_researchers_never_share_a_match_id_and_each_resolves_only_their_own(
    first: tuple[str, str], second: tuple[str, str], patients: list[tuple[str, str]]
) -> None:
    """Match ids are per researcher (issuer and subject): two researchers cannot pool answers on one
    patient, and an id resolves only for the researcher it was given to."""
    ids = MatchIds(b"s" * 32)
    alice, bob = (Researcher(subject, issuer=issuer) for issuer, subject in (first, second))
    for dataset, individual in patients:
        mine = ids.for_researcher(alice, dataset, individual)
        assert MatchIds.looks_valid(mine) and mine == ids.for_researcher(alice, dataset, individual)
        assert ids.resolve(mine, alice, patients) == (dataset, individual)
        if first != second:
            assert mine != ids.for_researcher(bob, dataset, individual)
            assert ids.resolve(mine, bob, patients) is None
