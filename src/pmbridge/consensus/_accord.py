"""The ACCORD reporting guideline for consensus studies as data: its sections, and where a study's
report answers each one, or that the organiser has to add it (Gattrell et al., PLoS Med 2024).

Only what could be sourced is here: the six sections and their item counts, from the article's
abstract. The items' own wording is in the published checklist (``ACCORD_CHECKLIST_URL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

ACCORD_REFERENCE: Final = (
    "Gattrell WT, Logullo P, van Zuuren EJ, et al. ACCORD (ACcurate COnsensus Reporting Document): "
    "A reporting guideline for consensus methods in biomedicine developed via a modified Delphi. "
    "PLoS Med. 2024;21(1):e1004326. doi:10.1371/journal.pmed.1004326"
)
ACCORD_CHECKLIST_URL: Final = "https://www.ismpp.org/accord"
_ABSTRACT: Final = (
    "ACCORD abstract (PMC10805282): 'a final checklist of 35 items relating to the article title "
    "(n = 1), introduction (n = 3), methods (n = 21), results (n = 5), discussion (n = 2), and other "
    "information (n = 3)'"
)

Answer = Literal[
    "title", "description", "protocol", "rule", "lock", "anonymity", "rounds", "retention", "results"
]
"""A part of the platform's report (the id of its section in the HTML)."""


@dataclass(frozen=True, slots=True)
class AccordSection:
    """One section of the ACCORD checklist, how many items it has, and what the report gives for it.

    ``answers`` are the report's parts that bear on the section; ``organiser`` says, in both
    languages, what the platform cannot know and the organiser adds to the write-up.
    """

    key: str
    name: dict[str, str]
    items: int
    answers: tuple[Answer, ...]
    organiser: dict[str, str]
    source: str = _ABSTRACT


_ORGANISER_ADDS: Final = {
    "en": "not reported by the platform — the organiser adds it",
    "zh": "平台不报告此项——由组织者补充",
}

ACCORD_SECTIONS: Final = (
    AccordSection(
        key="title",
        name={"en": "Title", "zh": "标题"},
        items=1,
        answers=("title",),
        organiser={"en": "", "zh": ""},
    ),
    AccordSection(
        key="introduction",
        name={"en": "Introduction", "zh": "引言"},
        items=3,
        answers=("description",),
        organiser={
            "en": "what the section asks for beyond the study's description: the organiser adds it",
            "zh": "研究说明之外本部分要求的内容：由组织者补充",
        },
    ),
    AccordSection(
        key="methods",
        name={"en": "Methods", "zh": "方法"},
        items=21,
        answers=("protocol", "rule", "lock", "anonymity", "rounds"),
        organiser={
            "en": "what the section asks for beyond the protocol, rule, lock, anonymity and rounds "
            "reported here: the organiser adds it",
            "zh": "本报告所列方案、规则、锁定、匿名性和轮次之外本部分要求的内容：由组织者补充",
        },
    ),
    AccordSection(
        key="results",
        name={"en": "Results", "zh": "结果"},
        items=5,
        answers=("retention", "results"),
        organiser={"en": "", "zh": ""},
    ),
    AccordSection(
        key="discussion",
        name={"en": "Discussion", "zh": "讨论"},
        items=2,
        answers=(),
        organiser=_ORGANISER_ADDS,
    ),
    AccordSection(
        key="other",
        name={"en": "Other information", "zh": "其他信息"},
        items=3,
        answers=(),
        organiser=_ORGANISER_ADDS,
    ),
)
"""The six sections in the checklist's order; their items add up to the published 35."""
