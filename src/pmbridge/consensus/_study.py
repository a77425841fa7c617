"""A Delphi study's parts as data: bilingual texts, the protocol, stakeholder groups and items.

Parsed once from JSON with errors that say how to fix the input; the hub stores and locks these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pmbridge.consensus._feedback import DEFAULT_K
from pmbridge.consensus._model import invalid
from pmbridge.consensus._rules import PRESETS, ConsensusRule

LANGUAGES: Final = ("en", "zh")
"""The two languages of every study text, panellist and mail."""
MAX_TEXT: Final = 5_000
MIN_ROUNDS, MAX_ROUNDS = 2, 5
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class Provenance(StrEnum):
    """Who wrote a text: its author, a machine translation, or a translation a person reviewed."""

    AUTHOR = "author"
    MACHINE = "machine"
    REVIEWED = "reviewed"


def check_id(value: object, *, what: str) -> str:
    """An id as sent, if it is short and plain (letters, digits, ``_.:-``).

    >>> check_id("eu-clinicians", what="group")
    'eu-clinicians'
    """
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise invalid(
            f"{what} id {value!r} is not a plain id",
            hint="use 1–64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit",
        )
    return value


def check_text(value: object, *, what: str, required: bool = True) -> str:
    """A stripped text of at most MAX_TEXT characters (empty only when not ``required``)."""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        raise invalid(
            f"{what} must be a text of 1 to {MAX_TEXT} characters (got {str(value)[:40]!r})",
            hint=f"send {what} as a non-empty string",
        )
    return value.strip()


def check_language(value: object, *, what: str = "language") -> str:
    if value not in LANGUAGES:
        raise invalid(f"{what} {value!r} is not 'en' or 'zh'", hint="send 'en' or 'zh'")
    return str(value)


def bilingual(value: object, *, what: str, required: bool = True) -> dict[str, str]:
    """``{"en": …, "zh": …}`` checked; with ``required`` False a language may be empty (draft).

    >>> bilingual({"en": "Core outcomes", "zh": "核心结局"}, what="title")
    {'en': 'Core outcomes', 'zh': '核心结局'}
    """
    if not isinstance(value, Mapping) or set(value) - set(LANGUAGES):
        raise invalid(
            f"{what} must be an object with 'en' and 'zh'", hint=f'send {what}: {{"en": …, "zh": …}}'
        )
    return {
        lang: check_text(value.get(lang, ""), what=f"{what}.{lang}", required=required) for lang in LANGUAGES
    }


@dataclass(frozen=True, slots=True)
class ItemText:
    """One language's text of an item (or a comment) and who wrote it."""

    text: str
    provenance: Provenance

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "provenance": self.provenance.value}

    @classmethod
    def parse(cls, value: object, *, what: str) -> ItemText:
        if not isinstance(value, Mapping):
            raise invalid(f"{what} must be an object", hint='send {"text": …, "provenance": "author"}')
        provenance = value.get("provenance", Provenance.AUTHOR.value)
        if provenance not in {p.value for p in Provenance}:
            raise invalid(
                f"{what}.provenance {provenance!r} is not author, machine or reviewed",
                hint="say who wrote the text: 'author', 'machine' (translation) or 'reviewed'",
            )
        return cls(check_text(value.get("text"), what=f"{what}.text"), Provenance(str(provenance)))


def item_texts(value: object, *, what: str = "texts") -> dict[str, ItemText]:
    """Both languages' texts of an item: ``{"en": {text, provenance}, "zh": {…}}``."""
    if not isinstance(value, Mapping) or set(value) != set(LANGUAGES):
        raise invalid(
            f"{what} must give both 'en' and 'zh'",
            hint='send {"en": {"text": …, "provenance": "author"}, '
            '"zh": {"text": …, "provenance": "machine"}}',
        )
    return {lang: ItemText.parse(value[lang], what=f"{what}.{lang}") for lang in LANGUAGES}


def rule_of(value: object) -> tuple[ConsensusRule, str]:
    """The rule and its name from a preset name (``"comet"``, ``"panel_70"``, ``"grade_bands"``) or a
    rule object in :meth:`ConsensusRule.to_json`'s shape.

    >>> rule_of("comet")[1]
    'COMET'
    """
    if isinstance(value, str):
        preset = PRESETS.get(value.upper())
        if preset is None:
            raise invalid(
                f"no consensus rule preset {value!r}",
                hint=f"use one of {', '.join(n.lower() for n in PRESETS)} or a full rule object",
            )
        return preset, preset.name
    if isinstance(value, Mapping):
        rule = ConsensusRule.from_json(json.dumps(dict(value)))
        return rule, rule.name
    raise invalid("rule must be a preset name or a rule object", hint='send "rule": "comet"')


@dataclass(frozen=True, slots=True)
class Protocol:
    """What a study fixes before round 1 (besides its items): the rule, k and who sees what."""

    rule: ConsensusRule
    k: int = DEFAULT_K
    rounds: int = 3
    organiser_sees_ratings: bool = False
    previous_respondents_only: bool = True

    def to_json(self) -> dict[str, object]:
        """The protocol with the rule expanded, as the lock's snapshot holds it."""
        return {
            "rule": json.loads(self.rule.to_json()),
            "rule_name": self.rule.name,
            "k": self.k,
            "rounds": self.rounds,
            "organiser_sees_ratings": self.organiser_sees_ratings,
            "previous_respondents_only": self.previous_respondents_only,
        }

    @classmethod
    def parse(cls, body: Mapping[str, object], *, base: Protocol | None = None) -> Protocol:
        """From a create-study body (``rule`` required unless ``base`` gives it)."""
        rule = rule_of(body["rule"])[0] if "rule" in body or base is None else base.rule
        k = body.get("k", base.k if base else DEFAULT_K)
        rounds = body.get("rounds", base.rounds if base else 3)
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            raise invalid(f"k {k!r} is not a whole number of at least 2", hint="k is usually 5")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not MIN_ROUNDS <= rounds <= MAX_ROUNDS:
            raise invalid(
                f"rounds {rounds!r} is not {MIN_ROUNDS} to {MAX_ROUNDS}",
                hint="plan 2 to 5 rounds (COMET studies usually have 2 or 3)",
            )
        flags = {}
        for name in ("organiser_sees_ratings", "previous_respondents_only"):
            value = body.get(name, getattr(base, name) if base else name == "previous_respondents_only")
            if not isinstance(value, bool):
                raise invalid(f"{name} {value!r} is not true or false", hint=f"send {name}: true or false")
            flags[name] = value
        return cls(rule, k, rounds, **flags)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Protocol:
        """Read :meth:`to_json`'s form back (as stored)."""
        return cls(
            ConsensusRule.from_json(json.dumps(data["rule"])),
            int(str(data["k"])),
            int(str(data["rounds"])),
            bool(data["organiser_sees_ratings"]),
            bool(data["previous_respondents_only"]),
        )

    def statement(self) -> dict[str, str]:
        """Who sees what, in both languages, as panellists read it before they answer."""
        own_en = (
            "The organisers can see each panellist's ratings and who answered each round."
            if self.organiser_sees_ratings
            else "No one, the organisers included, sees your individual ratings; the organisers see how "
            "many of each group answered a round, not who."
        )
        own_zh = (
            "组织者可以看到每位专家的评分以及每轮由谁作答。"
            if self.organiser_sees_ratings
            else "包括组织者在内，任何人都看不到您的个人评分；组织者只能看到每组有多少人作答，看不到是谁。"
        )
        return {
            "en": f"{own_en} From round 2 you see your own previous score and the panel's distribution "
            f"in blocks of at least {self.k} people; groups smaller than that are pooled. Comments are "
            f"shown without names. Consensus follows the rule {self.rule.name}, fixed before round 1.",
            "zh": f"{own_zh}从第 2 轮起，您会看到自己上一轮的评分，以及至少 {self.k} 人一组的专家组评分分布；"
            f"人数更少的组会合并显示。意见以匿名方式展示。共识依据第 1 轮前已锁定的规则 {self.rule.name}。",
        }


@dataclass(frozen=True, slots=True)
class Item:
    """An item to rate, in both languages, with its knowledge-base links and where it came from."""

    id: str
    texts: Mapping[str, ItemText]
    links: tuple[str, ...] = ()
    added_in_round: int = 1
    source: str = "organiser"

    def to_json(self) -> dict[str, object]:
        """The item as the lock's snapshot holds it (links as ids)."""
        return {
            "id": self.id,
            "texts": {lang: self.texts[lang].to_json() for lang in LANGUAGES},
            "links": list(self.links),
            "added_in_round": self.added_in_round,
            "source": self.source,
        }


def check_links(value: object) -> tuple[str, ...]:
    """The knowledge-base ids an item links to (existence is checked by the hub)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or len(value) > 50:
        raise invalid("links must be a list of knowledge-base ids", hint='e.g. "links": ["policy:gdpr"]')
    return tuple(dict.fromkeys(value))
