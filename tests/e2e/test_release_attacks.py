"""Attacks on the release path, end to end: the demo network as real processes (three nodes and the
hub, signatures and passports on), plus two more processes over eu-rome's data: one with a tiny
budget (``eu-rome-tiny``, eu-rome's own store and ledgers) and one releasing exact counts
(``eu-rome-exact``, noise off, over a copy of the store with ledgers of its own).

Researchers the demo does not list get passports from the hub's own broker key (read from its state
folder, as an attacker who registered would hold a genuine passport). Every request loop is a fixed
number of requests, each with a time limit.

Complementary suppression that an algorithm-aware reader cannot undo is a property of the breakdown
planner, proven without processes in tests/privacy/test_breakdown.py
(``test_an_algorithm_aware_reader_cannot_pin_the_small_cells``,
``test_no_suppressed_cell_can_be_recovered_by_subtraction``); it is not repeated here.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
import tomli_w
from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.demo import (
    DEMO_NODES,
    HUB_KEY_NAME,
    DemoPaths,
    Supervisor,
    build_demo,
)
from pmbridge.hub import load_broker_key
from pmbridge.policy import generate_issuer_key
from pmbridge.signing import SignedRequests, load_signing_key
from tests.e2e.network import start_side_by_side
from tests.release import bearer, passport

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 200
TINY = "eu-rome-tiny"
EXACT = "eu-rome-exact"
TIMEOUT = 60.0
"""Each request's time limit."""
PARALLEL = 4
"""Requests in flight at once in the longer loops (two cores: more only queue)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoPaths, dict[str, str]]]:
    paths = DemoPaths(tmp_path_factory.mktemp("attacks"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    extra = {
        # no "same people, same answer" on the tiny node: every new question costs, so only the
        # budget decides what is refused
        TINY: node_variant(paths, TINY, {"yearly_epsilon_budget": 3.0, "differencing_guard": False}),
        EXACT: node_variant(paths, EXACT, {"noise": False}, own_store=True),
    }
    with Supervisor(paths.root / "run") as supervisor:
        yield paths, start_side_by_side(supervisor, paths, extra=extra)


def node_variant(
    paths: DemoPaths, name: str, privacy: Mapping[str, object], *, own_store: bool = False
) -> Path:
    """eu-rome's config with another ``[privacy]`` table and its own audit log; over eu-rome's store
    and ledgers (which sit beside the store), or over a copy of the store with ledgers of its own."""
    rome = paths.node_config(next(n for n in DEMO_NODES if n.id == "eu-rome"))
    doc = tomllib.loads(rome.read_text())
    folder = paths.root / name
    folder.mkdir()
    node = doc["node"]
    store = rome.parent / node["store"]
    if own_store:
        store = Path(shutil.copy(store, folder / "store.duckdb"))
    node["store"] = str(store)
    node["private_key"] = str((rome.parent / node["private_key"]).resolve())
    node["audit_log"] = "audit.jsonl"
    doc["privacy"] = dict(privacy)
    for issuer in doc["passports"]["issuers"]:
        issuer["public_key"] = str((rome.parent / issuer["public_key"]).resolve())
    for dataset in doc["datasets"]:
        if "miabis" in dataset:  # the biobank's metadata file, named relative to eu-rome's config
            dataset["miabis"] = str((rome.parent / dataset["miabis"]).resolve())
    path = folder / "node.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def broker(paths: DemoPaths) -> ec.EllipticCurvePrivateKey:
    return load_broker_key(paths.root / "hub-state")


def as_hub(paths: DemoPaths, node: str) -> httpx.Auth:
    """Sign as the hub does, to ask a node directly (it answers nothing else under /api)."""
    return SignedRequests(load_signing_key(paths.private_key(HUB_KEY_NAME)), audience=node)


def ask(
    url: str,
    *filters: Mapping[str, object],
    token: str | None = None,
    auth: httpx.Auth | None = None,
    granularity: str = "count",
    datasets: tuple[str, ...] = (),
) -> httpx.Response:
    query: dict[str, object] = {"filters": list(filters), "requestedGranularity": granularity}
    if datasets:
        query["requestParameters"] = {"datasets": {"datasetIds": list(datasets)}}
    headers = bearer(token) if token else {}
    return httpx.post(
        f"{url}/api/individuals", json={"query": query}, headers=headers, auth=auth, timeout=TIMEOUT
    )


def node_line(doc: Mapping[str, object], node: str) -> dict[str, object]:
    return {n["node"]: n for n in doc["info"]["nodes"]}[node]  # type: ignore[index]


def counts(doc: Mapping[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    """Each result set's released count by (node, dataset); a node's own reply names no node."""
    sets = doc["response"]["resultSets"]  # type: ignore[index]
    return {(s["info"].get("node", ""), s["id"]): s["info"]["count"] for s in sets}


def oldest_age(paths: DemoPaths) -> float:
    """The age of eu-rome's oldest person, who must be the only one that old."""
    store = paths.root / "eu-rome" / "store.duckdb"
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            "SELECT age_years, count(*) FROM individuals WHERE age_years IS NOT NULL "
            "GROUP BY age_years ORDER BY age_years DESC LIMIT 1"
        ).fetchall()
    age, how_many = rows[0]
    assert how_many == 1, "the synthetic cohort's oldest age is shared; pick another target"
    return float(age)


def without(keys: str | tuple[str, ...], doc: object) -> object:
    """``doc`` without ``keys`` wherever they occur."""
    dropped = (keys,) if isinstance(keys, str) else keys
    if isinstance(doc, Mapping):
        return {k: without(dropped, v) for k, v in doc.items() if k not in dropped}
    if isinstance(doc, list | tuple):
        return [without(dropped, v) for v in doc]
    return doc


def without_timings(doc: object) -> object:
    """A reply without the hub's timings, which differ between two identical answers."""
    return without(("elapsed_ms", "elapsedMs"), doc)


EVERYONE = {"id": "age", "operator": ">", "value": "-1"}


def test_a_differencing_attack_on_noised_counts_learns_nothing(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    """A, then A minus the oldest person; or A, then the very same people asked otherwise. Under
    "same people, same answer" the second answer is the first one again in both worlds (it used to
    be the same refusal in both: the guard refused cohorts closer than k, which also refused the
    same people asked twice, so a drill-down met needless refusals). Whichever world the attacker is
    in, they see the first number a second time, word for word, and no more ε is spent."""
    paths, urls = demo
    minus_one = {"id": "age", "operator": "<", "value": str(oldest_age(paths))}
    same = {"id": "age", "operator": "<", "value": "1000"}
    seconds = []
    for attacker, second in (("attacker-1", minus_one), ("attacker-2", same)):
        token = passport(attacker, country="IT", key=broker(paths))
        first = ask(urls["hub"], EVERYONE, token=token, datasets=("rome-rd",))
        assert first.status_code == 200, first.text
        (given,) = counts(first.json()).values()
        assert given["how"] == "noised"
        reply = ask(urls["hub"], second, token=token, datasets=("rome-rd",))
        assert reply.status_code == 200, reply.text
        assert node_line(reply.json(), "eu-rome")["status"] == "ok"
        (again,) = counts(reply.json()).values()
        # the first answer again, from the same release (``origin`` names the release, per researcher)
        assert (again["value"], again["display"], again["origin"]) == (
            given["value"],
            given["display"],
            given["origin"],
        )
        seconds.append({k: v for k, v in again.items() if k not in ("value", "display", "origin")})
        budget = httpx.get(f"{urls['hub']}/api/budget", headers=bearer(token), timeout=TIMEOUT).json()
        spent = {line["dataset"]: line["spent"] for n in budget["nodes"] for line in n["datasets"]}
        assert spent["rome-rd"] == 1.0
    # the account of the repeated number says the same in both worlds: nothing tells them apart
    assert seconds[0] == seconds[1]


def test_a_vs_a_minus_one_on_exact_counts_repeats_the_first_answer(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    """With noise off (eu-rome-exact) a count leaves exact, so A minus one person would give that
    person away by subtraction. The second answer repeats the first in both worlds, marked "~" as
    given again: A - 1 and A reworded read the same, value, how and words."""
    paths, urls = demo
    auth = as_hub(paths, "eu-rome")  # eu-rome-exact is eu-rome, asked at another address
    minus_one = {"id": "age", "operator": "<", "value": str(oldest_age(paths))}
    same = {"id": "age", "operator": "<", "value": "1000"}
    worlds = []
    for attacker, second in (("exact-1", minus_one), ("exact-2", same)):
        token = passport(attacker, country="IT", key=broker(paths))
        first = ask(urls[EXACT], EVERYONE, token=token, auth=auth)
        assert first.status_code == 200, first.text
        (given,) = counts(first.json()).values()
        assert (given["how"], given["value"], given["display"]) == ("exact", SIZE, str(SIZE))
        reply = ask(urls[EXACT], second, token=token, auth=auth)
        assert reply.status_code == 200, reply.text
        (again,) = counts(reply.json()).values()
        assert (again["value"], again["display"], again["origin"]) == (SIZE, f"~{SIZE}", given["origin"])
        assert (
            ask(urls[EXACT], EVERYONE, token=token, auth=auth).json()["response"] == first.json()["response"]
        )
        worlds.append(without("origin", (reply.json()["response"], reply.json()["responseSummary"])))
    assert worlds[0] == worlds[1]  # ``origin`` is per researcher: two attackers' ids differ anyway
    # the public tier: one shared account, the same rule (rounded to 10, so "A" reads 200 as well)
    first = counts(ask(urls[EXACT], EVERYONE, auth=auth).json())
    second = counts(ask(urls[EXACT], minus_one, auth=auth).json())
    assert [c["value"] for c in second.values()] == [c["value"] for c in first.values()] == [SIZE]


NERVOUS = {"id": "HP:0000707"}  # abnormality of the nervous system, with descendants
SAME_PEOPLE: list[tuple[str, list[dict[str, str]]]] = [
    ("POST", [NERVOUS]),
    ("GET", [NERVOUS]),
    (
        "POST",
        [
            NERVOUS,
            {"id": "age", "operator": ">=", "value": "0"},
            {"id": "age", "operator": "<=", "value": "150"},
        ],
    ),
    ("POST", [{"id": "HP:0000118"}, NERVOUS]),  # phenotypic abnormality holds the nervous system
    ("GET", [NERVOUS, {"id": "HP:0000118"}]),
]
"""One question worded five ways over the same people (everyone in the demo has a recorded age)."""


def count_through(client: httpx.Client, method: str, filters: list[dict[str, str]]) -> httpx.Response:
    if method == "GET":
        return client.get("/api/individuals", params={"filters": ",".join(f["id"] for f in filters)})
    return client.post(
        "/api/individuals", json={"query": {"filters": filters, "requestedGranularity": "count"}}
    )


def test_averaging_gains_nothing(demo: tuple[DemoPaths, dict[str, str]]) -> None:
    """The same question 50 times, worded five ways over the same people: one value per dataset,
    one ε spent on each; the public tier likewise gives one value (a multiple of 10)."""
    paths, urls = demo
    token = passport("averager", country="IT", key=broker(paths))
    seen: dict[str, set[str]] = {"registered": set(), "anonymous": set()}
    with (
        httpx.Client(base_url=urls["hub"], headers=bearer(token), timeout=TIMEOUT) as registered,
        httpx.Client(base_url=urls["hub"], timeout=TIMEOUT) as anonymous,
    ):
        for turn in range(50):
            method, filters = SAME_PEOPLE[turn % len(SAME_PEOPLE)]
            for who, client in (("registered", registered), ("anonymous", anonymous)):
                if who == "anonymous" and turn >= 10:
                    continue
                reply = count_through(client, method, filters)
                assert reply.status_code == 200, reply.text
                found = {
                    k: (c["value"], c["display"], c["how"], c.get("origin"))
                    for k, c in counts(reply.json()).items()
                }
                assert len(found) == 3
                seen[who].add(json.dumps(sorted(found.items())))
        budget = registered.get("/api/budget").json()
    assert len(seen["registered"]) == 1 and len(seen["anonymous"]) == 1, seen
    spent = {(n["node"], line["dataset"]): line["spent"] for n in budget["nodes"] for line in n["datasets"]}
    assert spent == {
        ("eu-rome", "rome-rd"): 1.0,
        ("eu-berlin", "berlin-gm"): 1.0,
        ("cn-shanghai", "shanghai-rd"): 1.0,
    }
    public = json.loads(seen["anonymous"].pop())
    assert all(value % 10 == 0 and how == "noised" for _, (value, _, how, _) in public)


def test_an_exhausted_budget_is_refused_while_the_public_tier_keeps_answering(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    """A registered researcher with ε 3 a year asks four new questions: the fourth is refused,
    naming the budget rule (and the price of a chart says so before it is asked); anonymous callers
    on the same node, who spend no budget, keep getting answers, old questions and new."""
    paths, urls = demo
    token = passport("spender", country="IT", key=broker(paths))
    auth = as_hub(paths, "eu-rome")  # eu-rome-tiny is eu-rome, asked at another address
    questions = [{"id": "sex", "operator": "=", "value": s} for s in ("FEMALE", "MALE")]
    questions += [
        {"id": "age", "operator": "<", "value": "40"},
        {"id": "age", "operator": ">=", "value": "40"},
    ]
    replies = [ask(urls[TINY], q, token=token, auth=auth) for q in questions]
    assert [r.status_code for r in replies] == [200, 200, 200, 403]
    assert replies[3].json()["error"]["errorMessage"].startswith("refused by the budget rule")
    assert ask(urls[TINY], questions[0], token=token, auth=auth).status_code == 200  # cached: free
    budget = httpx.get(f"{urls[TINY]}/api/budget", headers=bearer(token), auth=auth, timeout=TIMEOUT).json()
    assert budget["datasets"] == [{"dataset": "rome-rd", "budget": 3.0, "spent": 3.0, "remaining": 0.0}]
    # the explorer is told before it asks: the price names the rule
    body = {"query": {"filters": [questions[3]]}, "breakdowns": ["sex"]}
    price = httpx.post(
        f"{urls[TINY]}/api/aggregates/cost", json=body, headers=bearer(token), auth=auth, timeout=TIMEOUT
    ).json()
    (line,) = price["datasets"]
    assert line["refusal"]["rule"] == "budget" and line["remaining"] == 0.0
    # anonymous callers have no budget to exhaust: every question, old or new, is answered
    more = [{"id": "age", "operator": "<", "value": str(age)} for age in (10, 20, 30, 50)]
    for question in [*questions, *more]:
        reply = ask(urls[TINY], question, auth=auth)
        assert reply.status_code == 200, reply.text
        (count,) = counts(reply.json()).values()
        assert count["rule"] is None and count["value"] is not None and count["value"] % 10 == 0
    public = httpx.get(f"{urls[TINY]}/api/budget", auth=auth, timeout=TIMEOUT).json()
    assert public["tier"] == "public"
    assert public["datasets"] == [{"dataset": "rome-rd", "budget": None, "spent": 0.0, "remaining": None}]


def test_sybil_anonymous_callers_all_get_the_one_public_answer(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    """Twelve anonymous clients, each its own connection, User-Agent and forwarded address: one
    answer for all, at the hub and at a node, so that more identities average nothing away."""
    paths, urls = demo
    questions = [[NERVOUS], [{"id": "HP:0001250"}], [{"id": "sex", "operator": "=", "value": "FEMALE"}]]
    answers: dict[tuple[str, int], set[str]] = {}
    for sybil in range(12):
        headers = {"User-Agent": f"sybil/{sybil}", "X-Forwarded-For": f"203.0.113.{sybil + 1}"}
        places = [
            ("hub", urls["hub"], None),
            ("cn-shanghai", urls["cn-shanghai"], as_hub(paths, "cn-shanghai")),
        ]
        for where, url, auth in places:
            with httpx.Client(base_url=url, headers=headers, auth=auth, timeout=TIMEOUT) as client:
                for index, filters in enumerate(questions if where == "hub" else questions[:1]):
                    reply = count_through(client, "POST", filters)
                    assert reply.status_code == 200, reply.text
                    doc = reply.json()
                    answers.setdefault((where, index), set()).add(
                        json.dumps(without_timings({"r": doc["response"], "s": doc["responseSummary"]}))
                    )
    assert all(len(found) == 1 for found in answers.values()), {k: len(v) for k, v in answers.items()}
    for found in answers.values():
        doc = json.loads(next(iter(found)))
        assert all(s["info"]["count"]["value"] % 10 == 0 for s in doc["r"]["resultSets"])


def test_one_anonymous_client_hammering_the_hub_cannot_fail_anothers_question(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    """200 distinct questions from one anonymous client, four at a time; then another anonymous
    client's new question is answered in full (every node, a number for every dataset)."""
    _, urls = demo
    ages = [f"{0.45 * step:.2f}" for step in range(1, 201)]
    with httpx.Client(base_url=urls["hub"], headers={"User-Agent": "hammer"}, timeout=TIMEOUT) as hammer:

        def one(age: str) -> int:
            filters = [{"id": "age", "operator": "<", "value": age}]
            return count_through(hammer, "POST", filters).status_code

        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(one, ages))
    assert statuses == [200] * len(ages)
    with httpx.Client(
        base_url=urls["hub"], headers={"User-Agent": "bystander"}, timeout=TIMEOUT
    ) as bystander:
        reply = count_through(
            bystander, "POST", [{"id": "HP:0001263"}, {"id": "sex", "operator": "=", "value": "MALE"}]
        )
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert doc["info"]["missingNodes"] == []
    found = counts(doc)
    assert len(found) == 3 and all(c["rule"] is None and c["value"] is not None for c in found.values()), (
        found
    )


# The by-id read-out: an attacker walks sequential ids with one attribute filter beside each, hoping
# that the answer for a person who has the attribute differs from one who has not.


@dataclass(frozen=True)
class Probe:
    """One attribute filter (or variant) beside an id, and which of the ids asked about have it."""

    name: str
    filters: tuple[Mapping[str, str], ...]
    variant: Mapping[str, object] | None
    holders: frozenset[str]


def sequential_people(paths: DemoPaths, node: str, n: int) -> list[str]:
    ids = [f"{node}-{i:07d}" for i in range(n)]
    with duckdb.connect(str(paths.root / node / "store.duckdb"), read_only=True) as con:
        held = {row[0] for row in con.execute("SELECT id FROM individuals").fetchall()}
    assert set(ids) <= held, "the demo's ids are no longer NODE-0000000, NODE-0000001, …"
    return ids


def probes(paths: DemoPaths, node: str, people: Sequence[str]) -> list[Probe]:
    """Sex, age, a phenotype, a gene and a variant, each held by some of ``people`` and not by others
    (read from the store, as the truth the answers must not follow)."""
    marks = ", ".join("?" for _ in people)
    asked = list(people)
    found: list[Probe] = []
    with duckdb.connect(str(paths.root / node / "store.duckdb"), read_only=True) as con:

        def ids(sql: str, *params: object) -> frozenset[str]:
            rows = con.execute(f"SELECT DISTINCT i.id FROM {sql} AND i.id IN ({marks})", [*params, *asked])
            return frozenset(row[0] for row in rows.fetchall())

        found.append(
            Probe(
                "sex",
                ({"id": "sex", "operator": "=", "value": "FEMALE"},),
                None,
                ids("individuals i WHERE i.sex = ?", "FEMALE"),
            )
        )
        found.append(
            Probe(
                "age",
                ({"id": "age", "operator": ">", "value": "20"},),
                None,
                ids("individuals i WHERE i.age_years > ?", 20),
            )
        )
        terms = con.execute(
            "SELECT c.ancestor, count(DISTINCT i.id) n FROM individuals i JOIN phenotypes p USING (ind) "
            f"JOIN hpo_closure c ON c.term = p.term WHERE NOT p.excluded AND i.id IN ({marks}) "
            "AND c.ancestor <> 'HP:0000118' GROUP BY 1 HAVING n = 2 ORDER BY 1 LIMIT 1",
            asked,
        ).fetchall()
        term = terms[0][0]
        found.append(
            Probe(
                "phenotype",
                ({"id": term},),
                None,
                ids(
                    "individuals i JOIN phenotypes p USING (ind) JOIN hpo_closure c ON c.term = p.term "
                    "WHERE NOT p.excluded AND c.ancestor = ?",
                    term,
                ),
            )
        )
        chromosome, position, reference, alternate, gene = con.execute(
            "SELECT v.chromosome, v.position, v.reference, v.alternate, v.gene FROM variants v "
            "JOIN individuals i USING (ind) WHERE i.id = ? AND v.position IS NOT NULL AND v.gene IS NOT NULL "
            "ORDER BY v.position LIMIT 1",
            [people[0]],
        ).fetchone()
        found.append(
            Probe(
                "gene",
                ({"id": "geneId", "operator": "=", "value": gene},),
                None,
                ids("individuals i JOIN variants v USING (ind) WHERE v.gene = ?", gene),
            )
        )
        variant = {
            "assemblyId": "GRCh38",
            "referenceName": str(chromosome).removeprefix("chr"),
            "start": [int(position) - 1],
            "referenceBases": reference,
            "alternateBases": alternate,
        }
        found.append(
            Probe(
                "variant",
                (),
                variant,
                ids(
                    "individuals i JOIN variants v USING (ind) WHERE v.chromosome = ? AND v.position = ? "
                    "AND v.reference = ? AND v.alternate = ?",
                    chromosome,
                    position,
                    reference,
                    alternate,
                ),
            )
        )
    for probe in found:  # otherwise identical answers would prove nothing
        assert probe.holders and probe.holders < set(people), (node, probe)
    return found


def read_out(client: httpx.Client, path: str, probe: Probe, granularity: str, entry: str) -> tuple[int, str]:
    """One by-id question, its reply as text with the id asked about (in the request anyway) and
    the hub's timings taken out."""
    query: dict[str, object] = {"filters": list(probe.filters), "requestedGranularity": granularity}
    if probe.variant is not None:
        query["requestParameters"] = dict(probe.variant)
    reply = client.post(path.format(id=entry), json={"meta": {"apiVersion": "v2.0.1"}, "query": query})
    assert reply.status_code < 500, reply.text
    text = json.dumps(without_timings(reply.json()), sort_keys=True)
    return reply.status_code, text.replace(entry, "{id}")


READ_OUT_PATHS = (
    "/api/individuals/{id}",
    "/api/individuals/{id}/g_variants",
    "/api/individuals/{id}/biosamples",
)


def test_reading_people_out_by_id_recovers_nothing(demo: tuple[DemoPaths, dict[str, str]]) -> None:
    """Sequential ids × one attribute filter (or variant) × boolean and count granularity, as an
    anonymous, a registered EU and a registered CN caller, at the EU and CN nodes directly and
    through the hub: for each question, every id gets the same answer (the entry is held, its count
    below the minimum, the filter reported as not applied), whether the person has the attribute or
    not."""
    paths, urls = demo
    key = broker(paths)
    callers = {
        "anonymous": {},
        "registered EU": bearer(passport("reader-eu", country="IT", key=key)),
        "registered CN": bearer(passport("reader-cn", country="CN", key=key)),
    }
    jobs: list[
        tuple[str, str, str, str, Probe, str, str]
    ] = []  # where, caller, path, granularity, probe, node, id
    probe_filters: dict[tuple[str, str], str] = {}
    for node in ("eu-rome", "cn-shanghai"):
        people = sequential_people(paths, node, 6)
        for probe in probes(paths, node, people):
            probe_filters[(node, probe.name)] = probe.filters[0]["id"] if probe.filters else ""
            for granularity in ("boolean", "count"):
                for caller in callers:
                    for entry in people:
                        jobs.append((node, caller, READ_OUT_PATHS[0], granularity, probe, node, entry))
                        if (
                            granularity == "count" and caller != "anonymous"
                        ):  # the lookups, at one granularity
                            jobs += [
                                (node, caller, path, granularity, probe, node, entry)
                                for path in READ_OUT_PATHS[1:]
                            ]
        # through the hub: four ids of each node, each question from one caller in turn
        for turn, (probe, granularity) in enumerate(
            (p, g) for p in probes(paths, node, people[:4]) for g in ("boolean", "count")
        ):
            caller = list(callers)[turn % len(callers)]
            jobs += [("hub", caller, READ_OUT_PATHS[0], granularity, probe, node, e) for e in people[:4]]
    clients = {
        (where, caller): httpx.Client(
            base_url=urls[where],
            headers=headers,
            auth=as_hub(paths, where) if where != "hub" else None,
            timeout=TIMEOUT,
        )
        for where in ("hub", "eu-rome", "cn-shanghai")
        for caller, headers in callers.items()
    }

    def one(job: tuple[str, str, str, str, Probe, str, str]) -> tuple[int, str]:
        where, caller, path, granularity, probe, _, entry = job
        return read_out(clients[(where, caller)], path, probe, granularity, entry)

    try:
        with ThreadPoolExecutor(PARALLEL) as pool:
            replies = list(pool.map(one, jobs))
    finally:
        for client in clients.values():
            client.close()
    answers: dict[tuple[str, str, str, str, str, str], set[tuple[int, str]]] = {}
    for (where, caller, path, granularity, probe, node, _), reply in zip(jobs, replies, strict=True):
        answers.setdefault((where, caller, path, granularity, probe.name, node), set()).add(reply)
    differing = {group: len(found) for group, found in answers.items() if len(found) > 1}
    assert not differing, differing
    for (where, caller, path, granularity, probe, node), found in answers.items():
        ((status, text),) = found
        assert status == 200, (where, caller, path, granularity, probe, text)
        doc = json.loads(text)
        assert doc["responseSummary"]["exists"] is True, (where, caller, path, granularity, probe, node)
        # the caller is told the filter was not applied: at the node by name, at the hub per node
        assert any("not applied" in w for w in doc["info"]["warnings"]), (where, probe)
        if where != "hub":
            dropped = ["variant parameters"] if probe == "variant" else [probe_filters[(node, probe)]]
            assert doc["info"]["filtersNotApplied"] == dropped, (where, probe, doc["info"])
        if granularity == "count":
            held = [s for s in doc["response"]["resultSets"] if s["exists"]]
            assert len(held) == 1 and held[0]["info"]["count"]["value"] is None, (where, caller, path, probe)
            k = 5 if (caller == "registered EU") == (node == "eu-rome") and caller != "anonymous" else 11
            shown = held[0]["info"]["count"]["display"]
            assert shown == ("withheld" if path != READ_OUT_PATHS[0] else f"<{k}"), (
                where,
                caller,
                path,
                shown,
            )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda key: passport("forger", country="IT", key=generate_issuer_key()), "bad_signature"),
        (lambda key: passport("late", country="IT", key=key, age=timedelta(hours=2)), "expired"),
        (
            lambda key: passport("elsewhere", country="IT", key=key, audience="another-network"),
            "wrong_audience",
        ),
    ],
)
def test_forged_expired_and_wrong_audience_passports_are_refused_by_hub_and_nodes(
    demo: tuple[DemoPaths, dict[str, str]], make: object, reason: str
) -> None:
    paths, urls = demo
    token = make(broker(paths))  # type: ignore[operator]
    at_hub = ask(urls["hub"], token=token)
    at_node = ask(urls["cn-shanghai"], token=token, auth=as_hub(paths, "cn-shanghai"))
    for reply in (at_hub, at_node):
        assert reply.status_code == 401
        assert f"passport rejected ({reason})" in reply.json()["error"]["errorMessage"]


def test_an_eu_researchers_record_query_to_the_cn_node_is_refused_under_x1(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    paths, urls = demo
    token = passport("visitor", country="DE", grants=("shanghai-rd",), key=broker(paths))
    direct = ask(urls["cn-shanghai"], token=token, auth=as_hub(paths, "cn-shanghai"), granularity="record")
    assert direct.status_code == 403
    message = direct.json()["error"]["errorMessage"]
    assert message.startswith("refused by rule X1:") and "PIPL Art 38" in message
    network = ask(urls["hub"], token=token, granularity="record").json()
    assert "cn-shanghai" in network["info"]["missingNodes"]
    assert str(node_line(network, "cn-shanghai")["detail"]).startswith("refused by rule X1:")


def test_genetic_aggregates_stay_in_china_and_charts_come_through_the_hub(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    _, urls = demo
    signed_in = httpx.post(
        f"{urls['hub']}/api/auth/token", json={"user": "eu-researcher"}, timeout=TIMEOUT
    ).json()
    token = signed_in["passport"]
    gene = ask(urls["hub"], {"id": "geneId", "operator": "=", "value": "FBN1"}, token=token).json()
    assert str(node_line(gene, "cn-shanghai")["detail"]).startswith("refused by rule X4:")
    body = {
        "query": {"filters": [{"id": "HP:0000118"}]},
        "breakdowns": ["sex", "ageBand", "phenotypeCategory"],
    }
    charts = httpx.post(
        f"{urls['hub']}/api/aggregates", json=body, headers=bearer(token), timeout=TIMEOUT
    ).json()
    assert charts["missingNodes"] == []
    assert {(d["node"], d["dataset"]) for d in charts["datasets"]} == {
        ("eu-rome", "rome-rd"),
        ("eu-berlin", "berlin-gm"),
        ("cn-shanghai", "shanghai-rd"),
    }
    for entry in charts["datasets"]:
        assert entry["total"]["how"] == "noised"
        assert set(entry["breakdowns"]) == {"sex", "ageBand", "phenotypeCategory"}
