"""The scripted Delphi panel of issue 20: 60 panellists in 4 groups, 13 items, 3 rounds, both languages.

Every score is fixed here, and so is every expected outcome, worked out by hand under the COMET rule
(in: ≥ 70 % of a group's scorers rate 7–9 and < 15 % rate 1–3, in every group; out: the mirror;
"unable to score" is in no denominator). Nothing here imports the code under test.

Arithmetic used below (scorers → the fewest 7–9 for 70 %, the most 1–3 below 15 %):
20 → 14 (14/20 = 70 %), at most 2 (3/20 = 15 % fails); 19 → 14 (13/19 = 68.4 %), at most 2;
17 → 12 (12/17 = 70.6 %), at most 2; 9 → 7 (6/9 = 66.7 %), at most 1; 8 → 6 (6/8 = 75 %), at most 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Language = Literal["en", "zh"]
Answer = int | Literal["unable"]

EU, CN, PAT, REG = "eu-clinicians", "cn-clinicians", "patients", "regulators-industry"


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: dict[str, str]
    size: int


GROUPS: Final = (
    Group(EU, {"en": "EU clinicians", "zh": "欧盟临床医生"}, 20),
    Group(CN, {"en": "CN clinicians", "zh": "中国临床医生"}, 20),
    Group(PAT, {"en": "Patients' organisations", "zh": "患者组织"}, 10),
    Group(REG, {"en": "Regulators and industry", "zh": "监管机构与产业界"}, 10),
)
SIZES: Final = {group.id: group.size for group in GROUPS}


@dataclass(frozen=True, slots=True)
class Panellist:
    """One scripted panellist: ``key`` is the script's name for them (never sent to the hub)."""

    key: str
    group: str
    index: int
    name: str
    email: str
    language: Language


_ZH_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _panellist(group: str, index: int) -> Panellist:
    # EU clinicians answer in English, CN clinicians in Chinese, the two smaller groups half and half:
    # 20 + 5 + 5 = 30 of the 60 answer in Chinese.
    chinese = group == CN or (group in (PAT, REG) and index % 2 == 1)
    key = f"{group}-{index:02d}"
    name = (
        f"{_ZH_SURNAMES[index]}{'医生' if group == CN else '女士'} {key}" if chinese else f"Panellist {key}"
    )
    return Panellist(key, group, index, name, f"{key}@panel.example", "zh" if chinese else "en")


PANELLISTS: Final = tuple(_panellist(group.id, i) for group in GROUPS for i in range(group.size))
BY_KEY: Final = {p.key: p for p in PANELLISTS}

ROUNDS: Final = 3
RESPONDENTS: Final = {
    # per round, per group: how many answer (always the first ones by index: a dropout stays out,
    # and round n + 1 invites only round n's respondents). 58, 54 and 50 of the 60 invited.
    1: {EU: 20, CN: 20, PAT: 9, REG: 9},
    2: {EU: 19, CN: 19, PAT: 8, REG: 8},
    3: {EU: 17, CN: 17, PAT: 8, REG: 8},
}
INVITED: Final = {1: 60, 2: 58, 3: 54}
RESPONDED: Final = {1: 58, 2: 54, 3: 50}

BROWSER: Final = {
    # who answers in Chromium, and how: the rest answer through the API
    f"{EU}-00": {"width": 1280, "javascript": True},
    f"{CN}-01": {"width": 1280, "javascript": True},
    f"{PAT}-03": {"width": 360, "javascript": True},
    f"{REG}-00": {"width": 1280, "javascript": False},
}
LATE: Final = {2: f"{EU}-17"}
"""Round → the panellist who answers only after the organiser's reminder, with the reminder's link."""
SWAP: Final = (f"{EU}-02", f"{EU}-04")
"""Two English-speaking EU clinicians who answer every round: the anonymity test swaps their histories."""


@dataclass(frozen=True, slots=True)
class Dist:
    """How one group answers one item in one round: counts rating 7–9, 4–6, 1–3 and unable."""

    high: int = 0
    mid: int = 0
    low: int = 0
    unable: int = 0

    @property
    def respondents(self) -> int:
        return self.high + self.mid + self.low + self.unable

    def answers(self) -> list[Answer]:
        cycle: dict[str, tuple[int, ...]] = {"high": (8, 9, 7), "mid": (5, 6, 4), "low": (2, 1, 3)}
        found: list[Answer] = []
        for band, count in (("high", self.high), ("mid", self.mid), ("low", self.low)):
            found += [cycle[band][i % 3] for i in range(count)]
        return found + ["unable"] * self.unable


def D(high: int = 0, mid: int = 0, low: int = 0, unable: int = 0) -> Dist:
    return Dist(high, mid, low, unable)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    en: str
    zh: str
    links: tuple[str, ...]
    rounds: dict[int, dict[str, Dist]]
    """Round → group → distribution; an item is asked until a round decides it."""


ITEMS: Final = (
    Item(
        "i01",
        "Cross-border rare-disease research should find and exchange cases with GA4GH Beacon v2 and "
        "Phenopackets.",
        "跨境罕见病研究应采用GA4GH Beacon v2和Phenopacket标准发现和交换病例。",
        ("standard:beacon-v2", "standard:phenopackets", "action:interoperable-data-exchange"),
        # in at once: 18/20, 17/20, 9/9, 8/9 rate 7–9, nobody 1–3
        {1: {EU: D(18, 2), CN: D(17, 3), PAT: D(9), REG: D(8, 1)}},
    ),
    Item(
        "i02",
        "EU and Chinese biobanks should align their quality management with ISO 20387 and GB/T 37864.",
        "中欧生物样本库应依据ISO 20387和GB/T 37864统一质量管理。",
        ("standard:iso-20387", "standard:gb-t-37864", "action:resource-allocation"),
        # in on the boundary: EU clinicians exactly 14/20 = 70 % (≥ 70 % holds)
        {1: {EU: D(14, 6), CN: D(16, 4), PAT: D(8, 1), REG: D(7, 2)}},
    ),
    Item(
        "i03",
        "Phenotypes in shared records should be coded with the HPO and its Chinese edition, the CHPO.",
        "共享记录中的表型应使用HPO及其中文版CHPO编码。",
        ("standard:hpo", "standard:chpo", "action:data-standards-adoption"),
        {
            # round 1: EU 15/20 = 75 % rate 7–9 but 3/20 = 15 % rate 1–3 (not below 15 %): no consensus
            1: {EU: D(15, 2, 3), CN: D(16, 4), PAT: D(8, 1), REG: D(8, 1)},
            # round 2: EU 15/19 = 78.9 % and 2/19 = 10.5 %: in
            2: {EU: D(15, 2, 2), CN: D(16, 3), PAT: D(7, 1), REG: D(7, 1)},
        },
    ),
    Item(
        "i04",
        "Record-level genomic data should move freely between EU and Chinese institutions without a "
        "transfer assessment.",
        "欧盟和中国机构之间应可不经出境评估自由传输个体级基因组数据。",
        ("policy:gdpr", "policy:pipl", "policy:cac-security-assessment"),
        # out at once: 17/20, 18/20, 8/9, 9/9 rate 1–3, nobody 7–9
        {1: {EU: D(0, 3, 17), CN: D(0, 2, 18), PAT: D(0, 1, 8), REG: D(0, 0, 9)}},
    ),
    Item(
        "i05",
        "Clinical genomic reports should follow the HL7 FHIR Genomics Reporting implementation guide.",
        "临床基因组报告应遵循HL7 FHIR基因组报告实施指南。",
        ("standard:fhir-genomics-reporting", "standard:hl7-fhir"),
        # in, with many unable to score: 6 of 9 patients' organisations cannot judge it; their 3
        # scorers all rate 7–9 (3/3), since "unable" is in no denominator; regulators 7/8 = 87.5 %
        {1: {EU: D(16, 3, 0, 1), CN: D(15, 4, 0, 1), PAT: D(3, 0, 0, 6), REG: D(7, 1, 0, 1)}},
    ),
    Item(
        "i06",
        "Data access committees should record consent restrictions with the GA4GH Data Use Ontology.",
        "数据访问委员会应使用GA4GH数据使用本体（DUO）记录知情同意限制。",
        ("standard:duo", "action:shared-principles-data-sharing"),
        {
            1: {EU: D(12, 8), CN: D(10, 10), PAT: D(6, 3), REG: D(6, 3)},  # 60 %, 50 %, 66.7 %, 66.7 %
            2: {EU: D(13, 6), CN: D(13, 6), PAT: D(6, 2), REG: D(6, 2)},  # EU and CN 13/19 = 68.4 %
            3: {EU: D(13, 4), CN: D(12, 5), PAT: D(6, 2), REG: D(7, 1)},  # 76.5 %, 70.6 %, 75 %, 87.5 %: in
        },
    ),
    Item(
        "i07",
        "Personalised-medicine curricula should be left to each institution, with no shared EU–China "
        "training goals.",
        "个性化医学课程应完全由各机构自行决定，无需中欧共同培训目标。",
        ("action:multidisciplinary-training-collaboration", "action:professional-education-ethics"),
        {
            1: {
                EU: D(0, 8, 12),
                CN: D(0, 7, 13),
                PAT: D(0, 4, 5),
                REG: D(0, 3, 6),
            },  # 60 %, 65 %, 55.6 %, 66.7 %
            2: {
                EU: D(0, 4, 15),
                CN: D(0, 3, 16),
                PAT: D(0, 2, 6),
                REG: D(0, 1, 7),
            },  # 78.9 %, 84.2 %, 75 %, 87.5 %: out
        },
    ),
    Item(
        "i08",
        "Health technology assessment of genomic tests should be carried out jointly by EU and Chinese "
        "agencies.",
        "基因组检测的卫生技术评估应由中欧机构联合开展。",
        ("policy:hta-regulation", "action:continuous-hta"),
        {  # polarised for good: EU clinicians for, CN clinicians against
            1: {EU: D(16, 4), CN: D(0, 5, 15), PAT: D(5, 4), REG: D(0, 5, 4)},
            2: {EU: D(16, 3), CN: D(0, 5, 14), PAT: D(5, 3), REG: D(0, 5, 3)},
            3: {EU: D(14, 3), CN: D(0, 5, 12), PAT: D(5, 3), REG: D(0, 5, 3)},
        },
    ),
    Item(
        "i09",
        "Patients should be paid for contributing their data to research.",
        "患者向研究贡献数据应获得报酬。",
        ("action:ethical-framework", "policy:declaration-of-helsinki"),
        {  # everyone in the middle, and staying there
            1: {EU: D(2, 16, 2), CN: D(3, 15, 2), PAT: D(1, 7, 1), REG: D(1, 8)},
            2: {EU: D(1, 17, 1), CN: D(2, 16, 1), PAT: D(1, 6, 0, 1), REG: D(0, 8)},
            3: {EU: D(1, 15, 1), CN: D(2, 15), PAT: D(0, 8), REG: D(1, 7)},
        },
    ),
    Item(
        "i10",
        "Funders should finance only projects that use one common data model, such as OMOP.",
        "资助方应只资助采用OMOP等单一通用数据模型的项目。",
        ("standard:omop-cdm", "action:funder-synergies-mobility"),
        {
            1: {EU: D(0, 10, 10), CN: D(0, 9, 11), PAT: D(0, 4, 5), REG: D(0, 5, 4)},
            2: {EU: D(0, 6, 13), CN: D(0, 6, 13), PAT: D(0, 3, 5), REG: D(0, 3, 5)},  # 68.4 %, 68.4 %, 62.5 %
            3: {
                EU: D(0, 4, 13),
                CN: D(0, 5, 12),
                PAT: D(0, 2, 6),
                REG: D(0, 2, 6),
            },  # 76.5 %, 70.6 %, 75 %: out
        },
    ),
    Item(
        "i11",
        "Patients' organisations should sit on the steering boards of EU–China personalised-medicine "
        "programmes.",
        "患者组织应参与中欧个性化医学项目的指导委员会。",
        ("action:early-stakeholder-dialogue", "action:patient-centred-funding"),
        {
            1: {EU: D(17, 3), CN: D(16, 4), PAT: D(4, 5), REG: D(7, 2)},  # patients' organisations 4/9
            2: {EU: D(17, 2), CN: D(16, 3), PAT: D(6, 2), REG: D(7, 1)},  # 6/8 = 75 %: in
        },
    ),
    Item(
        "i12",
        "AI tools for clinical decisions used only in research hospitals should be exempt from the EU AI "
        "Act's conformity assessment.",
        "仅在研究型医院使用的临床决策AI工具应免于欧盟《人工智能法》的合格评定。",
        ("policy:eu-ai-act", "action:privacy-security-trust"),
        {  # against, but EU clinicians never reach 70 % rating 1–3
            1: {EU: D(0, 7, 13), CN: D(0, 5, 15), PAT: D(0, 2, 7), REG: D(0, 2, 7)},  # EU 13/20 = 65 %
            2: {EU: D(0, 6, 13), CN: D(0, 4, 15), PAT: D(0, 2, 6), REG: D(0, 2, 6)},  # EU 13/19 = 68.4 %
            3: {EU: D(0, 6, 11), CN: D(0, 3, 14), PAT: D(0, 2, 6), REG: D(0, 1, 7)},  # EU 11/17 = 64.7 %
        },
    ),
    Item(
        "i13",
        "National rare-disease catalogues should list only diseases that already have an ICD-11 code.",
        "国家罕见病目录应仅收录已有ICD-11编码的疾病。",
        ("standard:icd-11", "standard:orphacodes", "policy:rare-disease-catalogue"),
        {
            # the mirror of i03: EU 14/20 = 70 % rate 1–3 but 3/20 = 15 % rate 7–9: no consensus
            1: {EU: D(3, 3, 14), CN: D(0, 5, 15), PAT: D(0, 2, 7), REG: D(0, 1, 8)},
            2: {EU: D(1, 3, 15), CN: D(0, 3, 16), PAT: D(0, 1, 7), REG: D(0, 0, 8)},  # EU 15/19, 1/19: out
        },
    ),
)

PROPOSALS: Final = {
    # round-1 proposals: panellist → (language, text); the first is adopted as item p01
    f"{CN}-05": ("zh", "建立中欧罕见病患者登记数据的互认与对接机制。"),
    f"{EU}-06": ("en", "Fund joint EU–China fellowships in clinical genomics."),
}
ADOPTED: Final = Item(
    "p01",
    "EU and Chinese rare-disease registries should recognise and link each other's records.",
    "建立中欧罕见病患者登记数据的互认与对接机制。",
    ("action:research-collaborations-oncology-rare", "standard:orphacodes"),
    {
        2: {EU: D(12, 7), CN: D(14, 5), PAT: D(5, 3), REG: D(6, 2)},  # EU 63.2 %, patients 62.5 %
        3: {EU: D(14, 3), CN: D(14, 3), PAT: D(7, 1), REG: D(7, 1)},  # 82.4 %, 82.4 %, 87.5 %, 87.5 %: in
    },
)
ADOPTED_FROM: Final = f"{CN}-05"
ALL_ITEMS: Final = (*ITEMS, ADOPTED)

COMMENTS: Final = {
    # (round, panellist, item) → the comment, in the panellist's own language
    (1, f"{EU}-00", "i03"): "CHPO coverage of rare neurological signs is still patchy.",
    (1, f"{CN}-01", "i03"): "CHPO与HPO的对应关系需要定期更新。",
    (1, f"{EU}-02", "i06"): "DUO codes help committees, but consent forms must change first.",
    (1, f"{CN}-03", "i08"): "两地的评估程序和法规差异太大，难以联合开展。",
    (1, f"{PAT}-01", "i11"): "患者组织应有表决权，而不仅是观察员。",
    (1, f"{PAT}-03", "i05"): "我们无法评价技术标准。",
    (1, f"{REG}-00", "i10"): "One model for all projects would exclude good registries.",
    (1, f"{EU}-04", "i12"): "Research hospitals treat patients too; the AI Act should apply.",
    (2, f"{EU}-00", "i06"): "Reading the round-1 comments, I now rate this higher.",
    (2, f"{CN}-01", "p01"): "登记互认对罕见病患者意义重大。",
    (2, f"{PAT}-03", "i11"): "患者参与指导委员会是信任的基础。",
    (2, f"{EU}-02", "i09"): "Payment risks undue inducement.",
}
TRANSLATED: Final = ((1, f"{CN}-03", "i08", "en", "The assessment procedures and rules differ too much."),)
"""Comments the organiser gives the other language (machine translation), by their scripted key."""

STUDY: Final = {
    "title": {
        "en": "EU–China personalised medicine: roadmap priorities",
        "zh": "中欧个性化医学：路线图优先事项",
    },
    "description": {
        "en": "Three rounds on the roadmap's open questions: data standards, transfers, training, HTA.",
        "zh": "围绕路线图中尚无定论的问题开展三轮调查：数据标准、跨境传输、培训与卫生技术评估。",
    },
    "rule": "comet",
    "k": 5,
    "rounds": ROUNDS,
}

Status = Literal["in", "out", "no_consensus"]
EXPECTED_ROUNDS: Final[dict[int, dict[str, Status]]] = {
    # worked out by hand from the distributions above (see each item's comments)
    1: {
        "i01": "in",
        "i02": "in",
        "i03": "no_consensus",
        "i04": "out",
        "i05": "in",
        "i06": "no_consensus",
        "i07": "no_consensus",
        "i08": "no_consensus",
        "i09": "no_consensus",
        "i10": "no_consensus",
        "i11": "no_consensus",
        "i12": "no_consensus",
        "i13": "no_consensus",
    },
    2: {
        "i03": "in",
        "i06": "no_consensus",
        "i07": "out",
        "i08": "no_consensus",
        "i09": "no_consensus",
        "i10": "no_consensus",
        "i11": "in",
        "i12": "no_consensus",
        "i13": "out",
        "p01": "no_consensus",
    },
    3: {
        "i06": "in",
        "i08": "no_consensus",
        "i09": "no_consensus",
        "i10": "out",
        "i12": "no_consensus",
        "p01": "in",
    },
}
EXPECTED_FINAL: Final[dict[str, tuple[Status, int]]] = {
    # item → (final status, the round that decided it or the last round it was asked)
    "i01": ("in", 1),
    "i02": ("in", 1),
    "i03": ("in", 2),
    "i04": ("out", 1),
    "i05": ("in", 1),
    "i06": ("in", 3),
    "i07": ("out", 2),
    "i08": ("no_consensus", 3),
    "i09": ("no_consensus", 3),
    "i10": ("out", 3),
    "i11": ("in", 2),
    "i12": ("no_consensus", 3),
    "i13": ("out", 2),
    "p01": ("in", 3),
}


def respondents(round_: int) -> tuple[Panellist, ...]:
    """Who answers in ``round_``, in invitation order."""
    return tuple(p for p in PANELLISTS if p.index < RESPONDENTS[round_][p.group])


def round_items(round_: int) -> tuple[Item, ...]:
    return tuple(item for item in ALL_ITEMS if round_ in item.rounds)


def _offset(item: Item) -> int:
    # each item hands its answers out from a different starting panellist, so two panellists'
    # histories differ, while one panellist keeps their place between rounds (their shifts follow
    # the group's feedback rather than jumping about)
    return int(item.id[1:]) * 7 + (50 if item.id.startswith("p") else 0)


def _history_of(panellist: Panellist, *, swap: bool) -> Panellist:
    if swap and panellist.key in SWAP:
        return BY_KEY[SWAP[1 - SWAP.index(panellist.key)]]
    return panellist


def answer(panellist: Panellist, item: Item, round_: int, *, swap: bool = False) -> Answer:
    """The panellist's answer to ``item`` in ``round_``; with ``swap`` the two SWAP panellists
    trade their whole histories (answers, comments, proposals)."""
    who = _history_of(panellist, swap=swap)
    dist = item.rounds[round_][who.group]
    answers = dist.answers()
    if len(answers) != RESPONDENTS[round_][who.group]:
        raise AssertionError(f"{item.id} round {round_} {who.group}: {len(answers)} answers scripted")
    return answers[(who.index + _offset(item)) % len(answers)]


def comment(panellist: Panellist, item: Item, round_: int, *, swap: bool = False) -> str | None:
    return COMMENTS.get((round_, _history_of(panellist, swap=swap).key, item.id))


def proposal(panellist: Panellist, *, swap: bool = False) -> tuple[Language, str] | None:
    found = PROPOSALS.get(_history_of(panellist, swap=swap).key)
    return None if found is None else ("zh" if found[0] == "zh" else "en", found[1])


def ratings(*, swap: bool = False) -> list[tuple[str, str, str, int, str]]:
    """Every scripted rating as (panellist key, group, item, round, score text: "1"–"9" or "unable")."""
    return [
        (p.key, p.group, item.id, round_, str(answer(p, item, round_, swap=swap)))
        for round_ in range(1, ROUNDS + 1)
        for item in round_items(round_)
        for p in respondents(round_)
    ]
