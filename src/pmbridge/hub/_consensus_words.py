"""The words of a consensus report in English and Chinese: headings, statuses, and a locked rule
written out as a sentence, so the report says in words what the digest fixes in bytes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final, Literal

from pmbridge.consensus import ConsensusRule, Op, Scope, Status
from pmbridge.consensus._rules import OUTCOMES, format_percent

Lang = Literal["en", "zh"]

WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "report": "Consensus report",
        "delphi": "A Delphi consensus study",
        "methods": "Methods",
        "rule": "Consensus rule",
        "rule_name": "Rule",
        "k": "Smallest group shown (k)",
        "rounds_planned": "Rounds planned",
        "previous_only": "Later rounds invite only the previous round's respondents",
        "organiser_sees": "The organiser may see individual ratings",
        "yes": "yes",
        "no": "no",
        "anonymity": "Anonymity",
        "lock": "Lock",
        "lock_text": "The protocol, groups and round-1 items were locked before round 1 opened.",
        "digest": "Digest",
        "audit_seq": "Audit log entry",
        "locked_at": "Locked at",
        "not_locked": "The study is not locked.",
        "groups": "Stakeholder groups",
        "panellists": "panellists",
        "retention": "Participation and retention",
        "round": "Round",
        "invited": "Invited",
        "responded": "Responded",
        "retention_col": "Retention (of round-1 invited)",
        "results": "Results",
        "final": "Final status per item",
        "item": "Item",
        "status": "Status",
        "decided_in": "Last rated in round",
        "reason": "Reason",
        "rule_words": "The rule's own words",
        "blocks": "Distribution per block (blocks of at least k respondents)",
        "no_blocks": "Fewer than k respondents: no distribution is shown.",
        "whole_panel": "Whole panel",
        "accord": "ACCORD reporting checklist",
        "accord_intro": "Where this report answers each section of ACCORD (Gattrell et al., PLoS Med 2024); "
        "the items' wording is in the published checklist.",
        "section": "Section",
        "item_count": "Items",
        "answered_in": "Answered in this report",
        "organiser_adds": "Added by the organiser",
        "provenance": "translation",
        "generated": "Generated",
        "in": "in",
        "out": "out",
        "important": "important",
        "no_consensus": "no consensus",
        "not_rated": "not rated",
        "grade_in": "critical (in)",
        "grade_out": "of limited importance (out)",
        "grade_important": "important but not critical",
        "author": "author",
        "machine": "machine translation",
        "reviewed": "reviewed translation",
        "respondents": "respondents",
        "chart_retention": "Invited (grey) and responded (blue) per round",
    },
    "zh": {
        "report": "共识报告",
        "delphi": "德尔菲共识研究",
        "methods": "方法",
        "rule": "共识规则",
        "rule_name": "规则",
        "k": "显示的最小群组人数 (k)",
        "rounds_planned": "计划轮次",
        "previous_only": "后续轮次只邀请上一轮的应答者",
        "organiser_sees": "组织者可查看个人评分",
        "yes": "是",
        "no": "否",
        "anonymity": "匿名性",
        "lock": "锁定",
        "lock_text": "研究方案、群组和第一轮条目在第一轮开始前已锁定。",
        "digest": "摘要值",
        "audit_seq": "审计日志条目",
        "locked_at": "锁定时间",
        "not_locked": "研究尚未锁定。",
        "groups": "利益相关方群组",
        "panellists": "名专家",
        "retention": "参与和保留",
        "round": "轮次",
        "invited": "受邀",
        "responded": "应答",
        "retention_col": "保留率（相对第一轮受邀人数）",
        "results": "结果",
        "final": "各条目的最终状态",
        "item": "条目",
        "status": "状态",
        "decided_in": "最后评分轮次",
        "reason": "依据",
        "rule_words": "规则的原文（英文）",
        "blocks": "各区块的分布（每区块至少 k 名应答者）",
        "no_blocks": "应答者少于 k 人：不显示分布。",
        "whole_panel": "全体专家",
        "accord": "ACCORD 报告清单",
        "accord_intro": "本报告对 ACCORD（Gattrell 等，PLoS Med 2024）各部分的回应位置；"
        "条目原文见已发表的清单。",
        "section": "部分",
        "item_count": "条目数",
        "answered_in": "本报告中的位置",
        "organiser_adds": "由组织者补充",
        "provenance": "译文",
        "generated": "生成时间",
        "in": "纳入",
        "out": "排除",
        "important": "重要",
        "no_consensus": "未达成共识",
        "not_rated": "未评分",
        "grade_in": "关键（纳入）",
        "grade_out": "重要性有限（排除）",
        "grade_important": "重要但非关键",
        "author": "作者原文",
        "machine": "机器翻译",
        "reviewed": "经审校的翻译",
        "respondents": "名应答者",
        "chart_retention": "每轮受邀（灰）与应答（蓝）人数",
    },
}

_OUTCOME: Final = {
    "en": {Status.IN: "in", Status.OUT: "out", Status.IMPORTANT: "important"},
    "zh": {Status.IN: "纳入", Status.OUT: "排除", Status.IMPORTANT: "重要"},
}


def status_word(status: str, *, rule_name: str, lang: Lang) -> str:
    """A status as the report shows it; GRADE's bands read as critical / important / limited.

    >>> status_word("in", rule_name="GRADE_BANDS", lang="en")
    'critical (in)'
    >>> status_word("no_consensus", rule_name="COMET", lang="zh")
    '未达成共识'
    """
    words = WORDS[lang]
    if rule_name == "GRADE_BANDS" and status in ("in", "out", "important"):
        return words[f"grade_{status}"]
    return words.get(status, status)


def rule_text(rule: ConsensusRule, *, lang: Lang) -> str:
    """The rule as a sentence: each outcome's clauses, where it is applied, and the quorum.

    >>> from pmbridge.consensus import COMET
    >>> rule_text(COMET, lang="en").split("; ")[0]
    'in: ≥ 70 % of scorers rate 7–9 and < 15 % rate 1–3'
    >>> rule_text(COMET, lang="zh").split("。")[1]
    '在每个利益相关方群组内分别判定'
    """
    parts = []
    for outcome in OUTCOMES:
        clauses = rule.clauses(outcome)
        if not clauses:
            continue
        said = [
            _clause(c.op, c.percent, c.band.label, lang=lang, first=i == 0) for i, c in enumerate(clauses)
        ]
        if lang == "en":
            parts.append(f"{_OUTCOME[lang][outcome]}: {' and '.join(said)}")
        else:
            parts.append(f"{_OUTCOME[lang][outcome]}：{'且'.join(said)}")
    if lang == "en":
        scope = (
            "Applied in every stakeholder group."
            if rule.scope is Scope.EVERY_GROUP
            else "Applied once over the whole panel."
        )
        quorum = f" A group needs at least {rule.min_scorers} scorers." if rule.min_scorers > 1 else ""
        drop = " Items that reach consensus leave the next round." if rule.drop_on_consensus else ""
        unable = ' "Unable to score" answers are left out of every percentage.'
        return "; ".join(parts) + ". " + scope + quorum + drop + unable
    scope = (
        "在每个利益相关方群组内分别判定。" if rule.scope is Scope.EVERY_GROUP else "在全体专家中统一判定。"
    )
    quorum = f"每个群组至少需要 {rule.min_scorers} 名评分者。" if rule.min_scorers > 1 else ""
    drop = "达成共识的条目不进入下一轮。" if rule.drop_on_consensus else ""
    return "；".join(parts) + "。" + scope + quorum + drop + "“无法评分”的回答不计入任何百分比。"


def _clause(op: Op, percent: Fraction, band: str, *, lang: Lang, first: bool) -> str:
    sign, shown = "≥" if op is Op.AT_LEAST else "<", format_percent(percent)
    if lang == "en":
        return f"{sign} {shown} {'of scorers ' if first else ''}rate {band}"
    return f"{sign} {shown}{'的评分者' if first else ''}评 {band} 分"
