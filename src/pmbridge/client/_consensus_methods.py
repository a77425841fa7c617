"""The consensus-study methods of :class:`HubClient` and :class:`AsyncHubClient`, kept apart so each
client stays one screenful per concern; both build their calls in :mod:`pmbridge.client._consensus`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from pmbridge.client import _consensus as calls
from pmbridge.client._consensus import (
    ConsensusResults,
    LockReceipt,
    PanelView,
    Participation,
    RoadmapUpdate,
    RoadmapUpdates,
    Study,
    StudyList,
    StudyVerification,
)

if TYPE_CHECKING:
    from pmbridge.client._core import Call

T = TypeVar("T")
Texts = Mapping[str, Mapping[str, str]]
"""An item's texts: ``{"en": {"text": …, "provenance": "author"}, "zh": {…}}``."""


class ConsensusMethods:
    """Delphi studies (``/api/consensus``) on the blocking client; see docs/client.md."""

    if TYPE_CHECKING:

        def send(self, call: Call[T]) -> T: ...

    def create_study(self, body: Mapping[str, object]) -> Study:
        """A new draft study; ``body`` as ``POST /api/consensus/studies`` takes it."""
        return self.send(calls.create_study(body))

    def studies(self) -> StudyList:
        return self.send(calls.studies())

    def study(self, sid: str) -> Study:
        return self.send(calls.study(sid))

    def set_study_rule(self, sid: str, rule: str | Mapping[str, object]) -> Study:
        """A preset's name (``"comet"``, ``"panel_70"``, ``"grade_bands"``) or a rule object (draft only)."""
        return self.send(calls.set_rule(sid, rule))

    def add_study_group(self, sid: str, group_id: str, name: Mapping[str, str]) -> Study:
        return self.send(calls.add_group(sid, group_id, name))

    def add_study_item(
        self, sid: str, texts: Texts, *, links: Sequence[str] = (), item_id: str | None = None
    ) -> Study:
        return self.send(calls.add_item(sid, texts, links=links, item_id=item_id))

    def set_item_text(self, sid: str, item_id: str, lang: str, *, text: str, provenance: str) -> Study:
        return self.send(calls.set_item_text(sid, item_id, lang, text=text, provenance=provenance))

    def invite_panellists(self, sid: str, panellists: Sequence[Mapping[str, str]]) -> dict[str, object]:
        """Invite ``[{name, email, group, language}]``; each gets their personal link by mail."""
        return self.send(calls.invite(sid, panellists))

    def participation(self, sid: str) -> Participation:
        return self.send(calls.participation(sid))

    def lock_study(self, sid: str) -> LockReceipt:
        return self.send(calls.lock(sid))

    def schedule_round(self, sid: str, *, opens: str, closes: str) -> Study:
        return self.send(calls.schedule_round(sid, opens=opens, closes=closes))

    def close_round(self, sid: str, number: int) -> dict[str, object]:
        return self.send(calls.close_round(sid, number))

    def remind_panel(self, sid: str) -> dict[str, object]:
        return self.send(calls.remind(sid))

    def study_proposals(self, sid: str) -> dict[str, object]:
        return self.send(calls.proposals(sid))

    def adopt_proposal(
        self,
        sid: str,
        proposal_id: str,
        texts: Texts,
        *,
        links: Sequence[str] = (),
        item_id: str | None = None,
    ) -> Study:
        return self.send(calls.adopt(sid, proposal_id, texts, links=links, item_id=item_id))

    def set_comment_text(
        self, sid: str, comment_id: str, lang: str, *, text: str, provenance: str
    ) -> dict[str, object]:
        return self.send(calls.set_comment_text(sid, comment_id, lang, text=text, provenance=provenance))

    def study_comments(self, sid: str, round_number: int) -> dict[str, object]:
        return self.send(calls.comments(sid, round_number))

    def study_results(self, sid: str) -> ConsensusResults:
        return self.send(calls.results(sid))

    def study_ratings(self, sid: str) -> dict[str, object]:
        return self.send(calls.ratings(sid))

    def verify_study(self, sid: str) -> StudyVerification:
        return self.send(calls.verify(sid))

    def study_export(self, sid: str) -> bytes:
        """The anonymised ratings as CSV bytes (UTF-8)."""
        return self.send(calls.export_csv(sid))

    def study_report(self, sid: str, *, fmt: str = "html", lang: str = "en") -> bytes:
        """The report as HTML or PDF bytes."""
        return self.send(calls.report(sid, fmt=fmt, lang=lang))

    def propose_roadmap_update(
        self, sid: str, item_id: str, *, action: str, status: str, note: str = ""
    ) -> RoadmapUpdate:
        return self.send(calls.propose_roadmap(sid, item_id, action=action, status=status, note=note))

    def roadmap_updates(self) -> RoadmapUpdates:
        return self.send(calls.roadmap_updates())

    def confirm_roadmap_update(self, update_id: str, *, steward: str = "") -> RoadmapUpdate:
        return self.send(calls.confirm_roadmap(update_id, steward=steward))

    def panel(self, token: str) -> PanelView:
        """The panellist's page as data, for the holder of a personal link's ``token``."""
        return self.send(calls.panel(token))

    def answer_panel(
        self,
        token: str,
        answers: Sequence[Mapping[str, object]],
        *,
        proposals: Sequence[Mapping[str, str]] = (),
        submit: bool = False,
    ) -> PanelView:
        return self.send(calls.answer(token, answers, proposals=proposals, submit=submit))


class AsyncConsensusMethods:
    """The same as :class:`ConsensusMethods` on :class:`~pmbridge.client.AsyncHubClient`."""

    if TYPE_CHECKING:

        async def send(self, call: Call[T]) -> T: ...

    async def create_study(self, body: Mapping[str, object]) -> Study:
        return await self.send(calls.create_study(body))

    async def studies(self) -> StudyList:
        return await self.send(calls.studies())

    async def study(self, sid: str) -> Study:
        return await self.send(calls.study(sid))

    async def set_study_rule(self, sid: str, rule: str | Mapping[str, object]) -> Study:
        return await self.send(calls.set_rule(sid, rule))

    async def add_study_group(self, sid: str, group_id: str, name: Mapping[str, str]) -> Study:
        return await self.send(calls.add_group(sid, group_id, name))

    async def add_study_item(
        self, sid: str, texts: Texts, *, links: Sequence[str] = (), item_id: str | None = None
    ) -> Study:
        return await self.send(calls.add_item(sid, texts, links=links, item_id=item_id))

    async def set_item_text(self, sid: str, item_id: str, lang: str, *, text: str, provenance: str) -> Study:
        return await self.send(calls.set_item_text(sid, item_id, lang, text=text, provenance=provenance))

    async def invite_panellists(self, sid: str, panellists: Sequence[Mapping[str, str]]) -> dict[str, object]:
        return await self.send(calls.invite(sid, panellists))

    async def participation(self, sid: str) -> Participation:
        return await self.send(calls.participation(sid))

    async def lock_study(self, sid: str) -> LockReceipt:
        return await self.send(calls.lock(sid))

    async def schedule_round(self, sid: str, *, opens: str, closes: str) -> Study:
        return await self.send(calls.schedule_round(sid, opens=opens, closes=closes))

    async def close_round(self, sid: str, number: int) -> dict[str, object]:
        return await self.send(calls.close_round(sid, number))

    async def remind_panel(self, sid: str) -> dict[str, object]:
        return await self.send(calls.remind(sid))

    async def study_proposals(self, sid: str) -> dict[str, object]:
        return await self.send(calls.proposals(sid))

    async def adopt_proposal(
        self,
        sid: str,
        proposal_id: str,
        texts: Texts,
        *,
        links: Sequence[str] = (),
        item_id: str | None = None,
    ) -> Study:
        return await self.send(calls.adopt(sid, proposal_id, texts, links=links, item_id=item_id))

    async def set_comment_text(
        self, sid: str, comment_id: str, lang: str, *, text: str, provenance: str
    ) -> dict[str, object]:
        return await self.send(
            calls.set_comment_text(sid, comment_id, lang, text=text, provenance=provenance)
        )

    async def study_comments(self, sid: str, round_number: int) -> dict[str, object]:
        return await self.send(calls.comments(sid, round_number))

    async def study_results(self, sid: str) -> ConsensusResults:
        return await self.send(calls.results(sid))

    async def study_ratings(self, sid: str) -> dict[str, object]:
        return await self.send(calls.ratings(sid))

    async def verify_study(self, sid: str) -> StudyVerification:
        return await self.send(calls.verify(sid))

    async def study_export(self, sid: str) -> bytes:
        return await self.send(calls.export_csv(sid))

    async def study_report(self, sid: str, *, fmt: str = "html", lang: str = "en") -> bytes:
        return await self.send(calls.report(sid, fmt=fmt, lang=lang))

    async def propose_roadmap_update(
        self, sid: str, item_id: str, *, action: str, status: str, note: str = ""
    ) -> RoadmapUpdate:
        return await self.send(calls.propose_roadmap(sid, item_id, action=action, status=status, note=note))

    async def roadmap_updates(self) -> RoadmapUpdates:
        return await self.send(calls.roadmap_updates())

    async def confirm_roadmap_update(self, update_id: str, *, steward: str = "") -> RoadmapUpdate:
        return await self.send(calls.confirm_roadmap(update_id, steward=steward))

    async def panel(self, token: str) -> PanelView:
        return await self.send(calls.panel(token))

    async def answer_panel(
        self,
        token: str,
        answers: Sequence[Mapping[str, object]],
        *,
        proposals: Sequence[Mapping[str, str]] = (),
        submit: bool = False,
    ) -> PanelView:
        return await self.send(calls.answer(token, answers, proposals=proposals, submit=submit))
