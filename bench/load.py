"""Counts under load: raw DuckDB, one node, and a hub over three nodes, at 1, 10 and 50 clients.

    .venv/bin/python -m bench.load [--size 20000] [--clients 1,10,50] [--requests 100] [--nodes 3]

Real processes on 127.0.0.1 (ephemeral ports, signatures on): ``--nodes`` node processes, each over
its own copy of one synthetic store (so each keeps its own privacy ledger, as real nodes do), and a
hub that knows them. Each question is an HPO term (descendants included) and a sex. For every
number of concurrent clients it measures p50 / p95 latency and answered requests per second of

(a) raw DuckDB running the SQL the node runs for the question (count and cohort in one statement),
    a thread per client, each with its own read-only cursor;
(b) one node's ``POST /api/individuals`` at count granularity, signed as the hub signs (the node
    checks the signature and signs its reply; the bench does not check the reply's signature);
(c) the hub's ``POST /api/individuals``, which fans the question out to every node, anonymously
    (the public tier: the route needs no token).

Two workloads, reported apart: DISTINCT questions, each asked once in the whole run (nothing can be
served from a cache: the honest headline), and one REPEATED question, which the node's answer cache
(store version + question) serves without DuckDB; disclosure control and the privacy ledger still
run on every request. Prints node / raw DuckDB (target at least 50 %) and the hub's counts/s against
the 15-20 counts/s of the issue-13 probe. Requests a server sheds (503, back-pressure) are counted,
not retried. The clients run in this process and share the machine with the servers.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import orjson

from bench._common import percentiles, synthetic_store
from bench.count_query import node_process
from bench.fanout import hub_process
from pmbridge.beacon import entry_type, parse_body
from pmbridge.model import Dataset
from pmbridge.node import plan_query
from pmbridge.signing import SignedRequests, SigningKey, generate_key_pair
from pmbridge.store import CompiledQuery, counted_members_sql
from pmbridge.vocab import Hpo, locate_data_dir

HEADERS = {"content-type": "application/json"}
PROBE_COUNTS_PER_S = (15.0, 20.0)
"""The hub's counts/s at 10 to 100 clients in the issue-13 probe, before this work."""
SEXES = ("FEMALE", "MALE")


@dataclass(frozen=True, slots=True)
class Question:
    """One count: people with ``term`` (or a descendant) and of ``sex``."""

    term: str
    sex: str

    def body(self) -> bytes:
        """The Beacon request body.

        >>> orjson.loads(Question("HP:0000707", "MALE").body())["query"]["filters"][1]["value"]
        'MALE'
        """
        filters = [{"id": self.term}, {"id": "sex", "operator": "=", "value": self.sex}]
        return orjson.dumps({"query": {"filters": filters, "requestedGranularity": "count"}})


def distinct_questions(terms: Sequence[str], *, seed: int = 13) -> list[Question]:
    """Every (term, sex) pair once, in a seeded shuffle so that any slice mixes rare and common terms.

    >>> qs = distinct_questions(["HP:1", "HP:2"])
    >>> len(qs), len(set(qs)), sorted(qs) == sorted(Question(t, s) for t in ["HP:1", "HP:2"] for s in SEXES)
    (4, 4, True)
    """
    questions = [Question(term, sex) for term in terms for sex in SEXES]
    random.Random(seed).shuffle(questions)
    return questions


@dataclass(frozen=True, slots=True)
class Load:
    """What one target did at one number of concurrent clients."""

    clients: int
    answered: int
    shed: int
    p50: float
    p95: float
    per_second: float


def summarise(latencies: Sequence[float], *, clients: int, wall: float, shed: int = 0) -> Load:
    """p50 / p95 of the answered requests and answered requests per second of wall time.

    >>> load = summarise([0.01] * 9 + [0.1], clients=2, wall=0.5, shed=1)
    >>> load.answered, load.shed, load.p50, load.p95, load.per_second
    (10, 1, 0.01, 0.1, 20.0)
    """
    p50, p95 = percentiles(list(latencies)) if latencies else (float("nan"), float("nan"))
    return Load(clients, len(latencies), shed, p50, p95, len(latencies) / wall if wall > 0 else 0.0)


def ratio(part: float, whole: float) -> float:
    """``part / whole``, 0 when there is no whole.

    >>> ratio(30, 60), ratio(1, 0)
    (0.5, 0.0)
    """
    return part / whole if whole > 0 else 0.0


# -- drivers -------------------------------------------------------------------------------


def drive_raw(store: Path, sql: Sequence[CompiledQuery], *, clients: int) -> Load:
    """Run every statement once on ``clients`` threads, each with its own read-only cursor."""
    con = duckdb.connect(str(store), read_only=True)
    local = threading.local()

    def run(compiled: CompiledQuery) -> float:
        cursor = getattr(local, "cursor", None)
        if cursor is None:
            cursor = local.cursor = con.cursor()
        started = time.perf_counter()
        cursor.execute(compiled.sql, list(compiled.params)).fetchall()
        return time.perf_counter() - started

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, sql[: clients * 2]))  # warm-up: a cursor per thread
        started = time.perf_counter()
        latencies = list(pool.map(run, sql))
        wall = time.perf_counter() - started
    con.close()
    return summarise(latencies, clients=clients, wall=wall)


Send = Callable[[httpx.Client, bytes], bool]


def drive_http(send: Send, bodies: Sequence[bytes], *, clients: int) -> Load:
    """Send every body once from ``clients`` threads, each a client with its own connection;
    ``send`` says whether the request was answered (False: shed).

    Threads with blocking clients rather than asyncio: httpcore's async pool, without ``sniffio``
    installed, retries a failing import on every request, and the bench would measure that.
    """
    local = threading.local()
    clients_made: list[httpx.Client] = []

    def run(body: bytes) -> float | None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=120)
            clients_made.append(client)
        started = time.perf_counter()
        answered = send(client, body)
        return time.perf_counter() - started if answered else None

    with ThreadPoolExecutor(clients) as pool:
        started = time.perf_counter()
        timings = list(pool.map(run, bodies))
        wall = time.perf_counter() - started
    for client in clients_made:
        client.close()
    latencies = [t for t in timings if t is not None]
    return summarise(latencies, clients=clients, wall=wall, shed=len(timings) - len(latencies))


def node_sender(url: str, *, hub_key: SigningKey, node_id: str) -> Send:
    auth = SignedRequests(hub_key, audience=node_id)

    def send(client: httpx.Client, body: bytes) -> bool:
        reply = client.post(url + "/api/individuals", content=body, headers=HEADERS, auth=auth)
        return _answered(reply, url)

    return send


def hub_sender(url: str) -> Send:
    def send(client: httpx.Client, body: bytes) -> bool:
        reply = client.post(url + "/api/individuals", content=body, headers=HEADERS)
        if not _answered(reply, url):
            return False
        nodes = reply.json()["info"]["nodes"]
        statuses = {n["node"]: f"{n['status']} {n['detail']}".strip() for n in nodes}
        if {n["status"] for n in nodes} != {"ok"}:
            raise SystemExit(f"hub: not every node answered: {statuses}")
        return True

    return send


def _answered(reply: httpx.Response, url: str) -> bool:
    if reply.status_code == 503:
        return False
    if reply.status_code != 200:
        raise SystemExit(f"{url} answered {reply.status_code}: {reply.text[:300]}")
    return True


# -- the run -------------------------------------------------------------------------------


def frequent_terms(store: Path, *, at_least: int = 20) -> list[str]:
    """HPO terms (with descendants) that at least ``at_least`` people have: counts worth asking."""
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            "SELECT c.ancestor FROM phenotypes p JOIN hpo_closure c ON c.term = p.term "
            "WHERE NOT p.excluded GROUP BY c.ancestor HAVING count(DISTINCT p.ind) >= ? ORDER BY 1",
            [at_least],
        ).fetchall()
    return [str(r[0]) for r in rows]


def node_sql(questions: Sequence[Question], *, hpo: Hpo, dataset: str = "bench") -> list[CompiledQuery]:
    """The statement a node holding ``dataset`` runs for each question, planned by its own planner."""
    individuals = entry_type("individuals")
    datasets = [Dataset(dataset, dataset)]
    out = []
    for q in questions:
        plan = plan_query(
            parse_body(orjson.loads(q.body())),
            owner=individuals,
            target=individuals,
            entry_id=None,
            datasets=datasets,
            hpo=hpo,
        )
        if plan.query is None:
            raise SystemExit(f"the node's planner made no query of {q}")
        out.append(counted_members_sql(plan.query))
    return out


def table(title: str, rows: Sequence[tuple[str, Load]]) -> None:
    print(f"\n{title}")
    head = ("target", "clients", "answered", "shed", "p50 ms", "p95 ms", "req/s")
    print("  {:<24} {:>7} {:>8} {:>5} {:>8} {:>8} {:>8}".format(*head))
    for name, load in rows:
        print(
            f"  {name:<24} {load.clients:>7} {load.answered:>8} {load.shed:>5} "
            f"{load.p50 * 1000:>8.1f} {load.p95 * 1000:>8.1f} {load.per_second:>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000, help="individuals per node store")
    parser.add_argument("--clients", default="1,10,50", help="concurrent clients, comma-separated")
    parser.add_argument(
        "--requests", type=int, default=100, help="requests per measurement (at least 5 per client)"
    )
    parser.add_argument("--nodes", type=int, default=3, help="nodes behind the hub")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    store = synthetic_store(args.size)
    hpo = Hpo.load(locate_data_dir())
    pool: Iterator[Question] = iter(distinct_questions(frequent_terms(store)))
    hub_key = generate_key_pair()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        nodes: dict[str, tuple[str, SigningKey]] = {}
        processes = []
        for i in range(args.nodes):
            home = folder / f"node-{i}"
            home.mkdir()
            shutil.copyfile(store, home / "store.duckdb")  # its own ledgers beside its own store
            processes.append(
                node_process(home / "store.duckdb", home, node_id=f"node-{i}", hub_key=hub_key.verifying_key)
            )
        for process in processes:
            nodes[process.node_id] = (stack.enter_context(process), process.key)
        hub_url = stack.enter_context(hub_process(folder, hub_key, nodes))
        first, (node_url, _) = next(iter(nodes.items()))
        to_node = node_sender(node_url, hub_key=hub_key, node_id=first)
        to_hub = hub_sender(hub_url)

        def take(n: int) -> list[Question]:
            taken = [q for _, q in zip(range(n), pool, strict=False)]
            if len(taken) < n:
                raise SystemExit("not enough distinct questions in this store: lower --requests")
            return taken

        drive_http(to_node, [q.body() for q in take(5)], clients=1)  # warm-up: connections, HPO caches
        drive_http(to_hub, [q.body() for q in take(5)], clients=1)
        distinct: list[tuple[str, Load]] = []
        repeated: list[tuple[str, Load]] = []
        for clients in levels:
            n = max(args.requests, 5 * clients)
            asked = take(n)
            distinct.append(("(a) raw DuckDB", drive_raw(store, node_sql(asked, hpo=hpo), clients=clients)))
            distinct.append(("(b) one node", drive_http(to_node, [q.body() for q in asked], clients=clients)))
            distinct.append(
                ("(c) hub over nodes", drive_http(to_hub, [q.body() for q in take(n)], clients=clients))
            )
        again = take(1)
        for clients in levels:
            n = max(args.requests, 5 * clients)
            repeated.append(
                ("(a) raw DuckDB", drive_raw(store, node_sql(again * n, hpo=hpo), clients=clients))
            )
            repeated.append(("(b) one node", drive_http(to_node, [again[0].body()] * n, clients=clients)))
            repeated.append(
                ("(c) hub over nodes", drive_http(to_hub, [again[0].body()] * n, clients=clients))
            )
    print(
        f"counts (HPO term with descendants + sex) over {args.size:,} individuals per node, "
        f"{args.nodes} nodes, {time.perf_counter() - started:.0f} s"
    )
    for title, rows in (
        ("DISTINCT questions (headline)", distinct),
        ("REPEATED question (answer cache)", repeated),
    ):
        table(title, rows)
        print("  ratios:")
        for raw, node, hub in zip(rows[0::3], rows[1::3], rows[2::3], strict=True):
            low, high = (ratio(hub[1].per_second, b) for b in reversed(PROBE_COUNTS_PER_S))
            print(
                f"    {raw[1].clients:>3} clients: node / raw DuckDB "
                f"{ratio(node[1].per_second, raw[1].per_second):6.0%}"
                f"   hub {hub[1].per_second:6.1f} counts/s = {low:4.1f}-{high:4.1f}x the probe's 15-20/s"
            )


if __name__ == "__main__":
    main()
