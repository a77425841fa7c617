"""The panellist's page as data: each item of the open round with its texts, links, the answer to
pre-select and, from round 2, the previous round's released blocks and comments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.portal._delphi_charts import DistributionChart, block_groups, distribution_chart
from pmbridge.portal._delphi_form import score_of
from pmbridge.portal._delphi_view import Bilingual, bilingual, entry_name, pick
from pmbridge.portal._i18n import Lang


@dataclass(frozen=True, slots=True)
class Previous:
    """The previous round of one item: released blocks, the panellist's own score, comments."""

    round: int
    charts: tuple[DistributionChart, ...]
    own: int | str | None
    comments: tuple[Bilingual, ...]


@dataclass(frozen=True, slots=True)
class PanelItem:
    """One item as the form shows it; ``selected`` is the score to pre-select ("" for none) and
    ``carried`` says it comes from the previous round, not from an answer of this one."""

    id: str
    text: Bilingual
    links: tuple[tuple[str, str], ...]
    selected: str
    carried: bool
    comment: str
    previous: Previous | None


@dataclass(frozen=True, slots=True)
class PanelPage:
    title: str
    statement: str
    group: str
    round: Mapping[str, object] | None
    items: tuple[PanelItem, ...]
    proposals_open: bool
    submitted: bool

    @property
    def machine_marks(self) -> bool:
        """Whether any text on the page is an unreviewed machine translation (the legend shows)."""
        texts = [item.text for item in self.items]
        texts += [c for item in self.items if item.previous for c in item.previous.comments]
        return any(t.main.machine or (t.other is not None and t.other.machine) for t in texts)


def panel_page(
    view: Mapping[str, object], page: Lang, *, posted: Mapping[str, object] | None = None
) -> PanelPage:
    """The page of a PanelView; ``posted`` (a refused form) replaces the answers the hub holds, so
    nothing the panellist wrote is lost."""
    study = _mapping(view.get("study"))
    panellist = _mapping(view.get("panellist"))
    found = view.get("round")
    group = str(panellist.get("group") or "")
    names = {
        str(g.get("id")): pick(g.get("name"), page) or str(g.get("id"))
        for g in _list(study.get("groups"))
        if isinstance(g, Mapping)
    }
    if group:
        names[group] = pick(panellist.get("group_name"), page) or names.get(group, group)
    items = tuple(
        _item(item, page, posted, group=group, names=names)
        for item in _list(view.get("items"))
        if isinstance(item, Mapping)
    )
    return PanelPage(
        title=pick(study.get("title"), page),
        statement=pick(study.get("statement"), page),
        group=pick(panellist.get("group_name") or panellist.get("group") or "", page),
        round=found if isinstance(found, Mapping) else None,
        items=items,
        proposals_open=view.get("proposals_open") is True,
        submitted=view.get("submitted") is True,
    )


def _item(
    item: Mapping[str, object],
    page: Lang,
    posted: Mapping[str, object] | None,
    *,
    group: str,
    names: Mapping[str, str],
) -> PanelItem:
    ident = str(item.get("id") or "")
    answer = _mapping(item.get("answer"))
    previous = _previous(ident, _mapping(item.get("previous")), page, group=group, names=names)
    score: object = answer.get("score") if answer else None
    carried = False
    if score is None and previous is not None and previous.own is not None:
        score, carried = previous.own, True  # pre-selected as Welphi does: change it or keep it
    comment = str(_mapping(answer.get("comment")).get("text") or "")
    if posted is not None:
        score, carried = score_of(posted.get(f"score-{ident}")), False
        comment = str(posted.get(f"comment-{ident}") or "")
    return PanelItem(
        id=ident,
        text=bilingual(item.get("texts"), page),
        links=tuple(entry_name(link, page) for link in _list(item.get("links"))),
        selected="" if score is None else str(score),
        carried=carried,
        comment=comment,
        previous=previous,
    )


def _previous(
    ident: str, previous: Mapping[str, object], page: Lang, *, group: str, names: Mapping[str, str]
) -> Previous | None:
    if not previous:
        return None
    own = previous.get("own_score")
    own_score = own if isinstance(own, int | str) and not isinstance(own, bool) else None
    blocks = [block for block in _list(previous.get("blocks")) if isinstance(block, Mapping)]
    mine = _own_block(blocks, group)
    charts = tuple(
        distribution_chart(f"{ident}-{index}", block, own=own_score if index == mine else None, names=names)
        for index, block in enumerate(blocks)
    )
    comments = tuple(
        bilingual(c.get("texts"), page, original=str(c.get("original_language") or ""))
        for c in _list(previous.get("comments"))
        if isinstance(c, Mapping)
    )
    number = previous.get("round")
    return Previous(number if isinstance(number, int) else 0, charts, own_score, comments)


def _own_block(blocks: list[Mapping[str, object]], group: str) -> int | None:
    """The block the panellist's own answer is counted in: the one naming their group, else the
    "other groups" pool their small group joined (only there is their score highlighted).

    >>> _own_block([{"label": "eu"}, {"label": "other groups"}], "cn")
    1
    >>> _own_block([{"label": "eu"}, {"label": "cn and other groups"}], "cn")
    1
    """
    found = [block_groups(block) for block in blocks]
    named = next((i for i, (groups, _) in enumerate(found) if group in groups), None)
    if named is not None:
        return named
    return next((i for i, (groups, pooled) in enumerate(found) if pooled and not groups), None)


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
