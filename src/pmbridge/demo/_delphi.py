"""The demo's Delphi study: a draft on open questions of the EU–China roadmap, its panel invited, so
the demo organiser can lock it and open round 1 in the portal, and each panellist's link arrives in
the demo's mailbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pmbridge.client import HubClient
from pmbridge.errors import PMBridgeError

Say = Callable[[str], None]

DEMO_STUDY_TITLE: Final = {
    "en": "EU–China genomic data sharing: what should the roadmap agree on?",
    "zh": "中欧基因组数据共享：路线图应就哪些问题达成共识？",
}
_DESCRIPTION: Final = {
    "en": "A demo Delphi study: rate each statement from 1 (not important) to 9 (critical).",
    "zh": "演示用德尔菲研究：请为每条陈述打分，1 分（不重要）至 9 分（至关重要）。",
}
_GROUPS: Final = (
    ("eu-clinicians", {"en": "EU clinicians", "zh": "欧盟临床医生"}),
    ("cn-clinicians", {"en": "CN clinicians", "zh": "中国临床医生"}),
    ("patients", {"en": "Patients' organisations", "zh": "患者组织"}),
    ("regulators", {"en": "Regulators and industry", "zh": "监管机构与产业界"}),
)
_ITEMS: Final = (
    (
        "Cross-border rare-disease research should find cases with GA4GH Beacon v2 and Phenopackets.",
        "跨境罕见病研究应采用GA4GH Beacon v2和Phenopacket标准发现病例。",
        ("standard:beacon-v2", "standard:phenopackets"),
    ),
    (
        "EU and Chinese biobanks should align their quality management with ISO 20387 and GB/T 37864.",
        "中欧生物样本库应依据ISO 20387和GB/T 37864统一质量管理。",
        ("standard:iso-20387", "standard:gb-t-37864"),
    ),
    (
        "Phenotypes in shared records should be coded with the HPO and its Chinese edition, the CHPO.",
        "共享记录中的表型应使用HPO及其中文版CHPO编码。",
        ("standard:hpo", "standard:chpo"),
    ),
    (
        "Only aggregate results should cross the EU–China border by default.",
        "默认情况下，只有汇总结果可以跨越中欧边境。",
        ("policy:gdpr", "policy:pipl"),
    ),
)
PANEL_SIZE: Final = 4
"""Panellists per group: one more than the demo's k (3), so a newcomer answering as three of each
group sees results (no status is decided on fewer than k)."""
DEMO_K: Final = 3


def _panel() -> list[dict[str, str]]:
    return [
        {
            "name": f"{names['en']} {n + 1}",
            "email": f"{group}-{n + 1}@panel.demo",
            "group": group,
            "language": "zh" if group == "cn-clinicians" or (group != "eu-clinicians" and n % 2) else "en",
        }
        for group, names in _GROUPS
        for n in range(PANEL_SIZE)
    ]


def seed_delphi_study(hub_url: str, *, organiser: str, say: Say) -> str | None:
    """Create the demo study as ``organiser`` unless the hub already has one; its id, or None when it
    existed or the hub refused (the demo runs on without it, saying why)."""
    try:
        with HubClient(hub_url, timeout=30.0) as anonymous:
            passport = anonymous.sign_in(organiser).passport or ""
        with HubClient(hub_url, passport=passport, timeout=30.0) as hub:
            if hub.studies().studies:
                return None
            study = hub.create_study(
                {
                    "title": DEMO_STUDY_TITLE,
                    "description": _DESCRIPTION,
                    "rule": "comet",
                    "rounds": 3,
                    "k": DEMO_K,
                    "previous_respondents_only": False,  # a newcomer may skip a round and come back
                }
            )
            sid = study.id
            for group, name in _GROUPS:
                hub.add_study_group(sid, group, name)
            for en, zh, links in _ITEMS:
                hub.add_study_item(
                    sid,
                    texts={
                        "en": {"text": en, "provenance": "author"},
                        "zh": {"text": zh, "provenance": "reviewed"},
                    },
                    links=list(links),
                )
            hub.invite_panellists(sid, _panel())
    except PMBridgeError as exc:
        say(f"Delphi: the demo study was not created: {exc.message} ({exc.hint})")
        return None
    return sid
