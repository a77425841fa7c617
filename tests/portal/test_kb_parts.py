"""The knowledge pages' pure parts: the search's query string and facet links, links grouped by
relation, the radial layout of a neighbourhood, and per-session form tokens."""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.knowledge import KnowledgeBase, ensure_seeded, entity_view, neighbourhood
from pmbridge.portal import Lang
from pmbridge.portal._forms import FormTokens
from pmbridge.portal._kb_entity import relation_groups
from pmbridge.portal._kb_graph import DOT_RADIUS, MAX_OUTER, radial_graph
from pmbridge.portal._kb_search import FACET_VALUES_SHOWN, KbQuery, facets, read_kb_query


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    base = KnowledgeBase(Path(tmp_path_factory.mktemp("kb")) / "knowledge.sqlite")
    ensure_seeded(base)
    return base


words = st.text(alphabet=st.sampled_from("ab 数据&=?#"), max_size=12)
values = st.lists(st.sampled_from(["Policy", "CN", "a&b", "数据", "x y"]), max_size=3)


@given(text=words, types=values, tags=values)
def test_a_search_url_reads_back_as_the_same_search(text: str, types: list[str], tags: list[str]) -> None:
    query = read_kb_query([("q", text), *(("type", t) for t in types), *(("tag", t) for t in tags)])
    assert read_kb_query(parse_qsl(urlsplit(query.url()).query)) == query


def test_a_facet_value_link_adds_it_or_takes_it_out() -> None:
    query = KbQuery("data", (("type", ("Policy",)),))
    counted = {
        "type": [{"value": "Policy", "count": 3}, {"value": "Standard", "count": 2}],
        "tag": [{"value": f"t{i}", "count": 1} for i in range(FACET_VALUES_SHOWN + 5)],
    }
    found = {f.name: f for f in facets(query, counted)}
    policy, standard = found["type"].values
    assert policy.chosen and policy.url == "/knowledge?q=data"
    assert not standard.chosen and standard.url == "/knowledge?q=data&type=Policy&type=Standard"
    assert len(found["tag"].values) == FACET_VALUES_SHOWN and found["tag"].more == 5
    assert "domain" not in found  # no counts, no facet


def test_links_are_grouped_by_relation_and_a_symmetric_one_is_listed_once(kb: KnowledgeBase) -> None:
    groups = relation_groups(entity_view(kb, "policy:gdpr"), Lang.ZH)
    keys = [(g.incoming, g.relation) for g in groups]
    assert keys == sorted(keys, key=lambda k: k[0])  # outgoing first
    related = [g for g in groups if g.relation == "relatedTo"]
    assert len(related) == 1 and not related[0].incoming
    ids = [e.id for e in related[0].entries]
    assert len(ids) == len(set(ids)) and "policy:pipl" in ids  # linked both ways, listed once
    assert related[0].label == "相关" and related[0].other_label == "related to"


@pytest.mark.parametrize(
    ("root", "depth"), [("policy:pipl", 1), ("policy:pipl", 2), ("domain:big-data-ict", 2)]
)
def test_the_radial_layout_is_fixed_round_and_inside_the_picture(
    kb: KnowledgeBase, root: str, depth: int
) -> None:
    doc = neighbourhood(kb, root, depth=depth)
    graph = radial_graph(doc, Lang.EN)
    assert graph == radial_graph(doc, Lang.EN)  # the same neighbourhood, the same picture
    centre = graph.size / 2
    assert (graph.root.x, graph.root.y) == (centre, centre)
    assert {n.id for n in graph.listed} == {n["id"] for n in doc["nodes"]} - {root}
    for distance in (1, 2):
        ring = [d for d in graph.dots if d.entry.distance == distance]
        radii = {round(math.dist((d.x, d.y), (centre, centre))) for d in ring}
        assert len(radii) <= 1 and all(d.r == DOT_RADIUS[distance] for d in ring)
        left = [d for d in ring if d.x < centre - 1]
        assert all(d.anchor == "end" for d in left) and all(
            d.anchor == "start" for d in ring if d not in left
        )
    assert all(0 <= d.x <= graph.size and 0 <= d.y <= graph.size for d in graph.dots)
    outer = [d for d in graph.dots if d.entry.distance == 2]
    assert len(outer) == min(MAX_OUTER, sum(n["distance"] == 2 for n in doc["nodes"]))
    assert graph.not_drawn == sum(n["distance"] == 2 for n in doc["nodes"]) - len(outer)
    assert all(n.via for n in graph.listed if n.distance == 2)


def test_entries_two_links_away_follow_the_entry_they_are_reached_through(kb: KnowledgeBase) -> None:
    graph = radial_graph(neighbourhood(kb, "policy:pipl", depth=2), Lang.ZH)
    inner = [n.id for n in graph.listed if n.distance == 1]
    vias = [inner.index(n.via) for n in graph.listed if n.distance == 2]
    assert vias == sorted(vias)
    assert graph.root.label.startswith("《中华人民共和国")


def test_a_form_token_belongs_to_one_session_and_one_hub_run() -> None:
    tokens = FormTokens()
    token = tokens.token("session-a")
    assert tokens.check("session-a", token)
    assert not tokens.check("session-b", token)
    assert not tokens.check("session-a", "")
    assert not FormTokens().check("session-a", token)  # a restarted hub: a new key
