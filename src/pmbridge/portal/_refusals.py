"""Why a node or a count was refused, in one short sentence that names what to change.

Nodes and the hub state the rule in the ``code`` and ``rule`` (or ``reason``) fields of their Beacon
errors (docs/errors.md), the hub in each node's line of ``nodes``, and a held-back count in its
``rule``; this reads any of them into a :class:`Refusal` whose sentence is a catalogue message, so
the portal shows it in the reader's language and the CLI prints the same English sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pmbridge.errors import PMBridgeError, error_from_wire
from pmbridge.portal._i18n import N_

SENTENCES: Final = {
    "X1": N_("Records cannot leave their jurisdiction: ask for counts instead."),
    "X2": N_("This EU node has no legal route to send records abroad: ask for counts instead."),
    "X3": N_(
        "This China node has no legal route to export personal records, or its yearly export limit "
        "is reached: ask for counts instead."
    ),
    "X4": N_(
        "Remove the gene filter to include %(node)s: China's human genetic resources (HGR) rules "
        "keep genetic counts at home."
    ),
    "X5": N_("Law-enforcement requests are never answered here: they go through the authorities."),
    "X6": N_("This purpose of use is not allowed here: choose an allowed purpose, such as research."),
    "budget": N_(
        "Your yearly privacy budget for %(dataset)s is spent: repeat earlier questions (free) or ask "
        "the data steward."
    ),
    "differencing_guard": N_(
        "Too close to a question you already asked (the groups differ by only a few people): change "
        "the question more, or repeat the earlier one (free)."
    ),
    "access_level": N_("Counts here need a registered researcher: sign in to see the number."),
    "allele_count_floor": N_(
        "Withheld: the variant is so rare that its count could point to the people who carry it."
    ),
    "passport": N_("Your sign-in was not accepted (%(reason)s): sign in again."),
    "signature": N_(
        "The node did not accept the hub's signature (%(reason)s): the network's operators must check "
        "its keys and clocks."
    ),
    "refused": N_("The node refused: its message (in the tooltip) says why and what to change."),
    "min_count": N_("Fewer than %(k)s people: too few to show safely. Widen the question to see a number."),
    "complementary": N_(
        "Hidden so that a small number beside it cannot be worked out from the total; it may be "
        "large. Widen the question, or turn the breakdown charts off."
    ),
}
"""One sentence per rule: what happened and what to change. Placeholders: ``node``, ``dataset``,
``reason``, ``k``, ``rule``."""
OTHER: Final = N_("Refused by the rule %(rule)s: the node's message says what to change.")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal: ``rule`` as the node named it (``X4``, ``budget``, ``passport:expired``), the
    catalogue ``sentence`` to show, and the node's own words in ``detail`` (English)."""

    rule: str
    sentence: str
    detail: str = ""

    def words(self, *, node: str = "", dataset: str = "", k: int | None = None) -> dict[str, str]:
        """The values of the sentence's placeholders."""
        reason = self.rule.partition(":")[2] or self.rule
        return {
            "node": node or "this node",
            "dataset": dataset or node or "this dataset",
            "reason": reason,
            "k": str(k) if k else "k",
            "rule": self.rule,
        }

    def english(self, *, node: str = "", dataset: str = "", k: int | None = None) -> str:
        """The sentence in English, as the CLI prints it.

        >>> refusal_of_rule("X4").english(node="cn-shanghai")[:47]
        'Remove the gene filter to include cn-shanghai: '
        """
        return self.sentence % self.words(node=node, dataset=dataset, k=k)


def refusal_of_rule(rule: str, *, detail: str = "") -> Refusal:
    """The refusal for a rule name (a held-back count's ``rule``, or a node's ``X1``…``X6``)."""
    family = rule.partition(":")[0] if rule.startswith(("passport:", "signature:")) else rule
    return Refusal(rule, SENTENCES.get(family, OTHER), detail)


def refusal_of(error: PMBridgeError) -> Refusal | None:
    """The refusal an error states by its rule (or its passport's or signature's reason), or None
    when it is no refusal; the error's message is the detail.

    >>> from pmbridge.errors import PolicyRefused, UpstreamError
    >>> refusal_of(PolicyRefused("X4", "genetic counts stay home")).rule
    'X4'
    >>> refusal_of(UpstreamError("no node answered")) is None
    True
    """
    rule = error.refusal_rule
    return refusal_of_rule(rule, detail=error.message) if rule else None


def refusal_in_reply(doc: object, *, status: int) -> Refusal | None:
    """The refusal a Beacon error reply (``doc``, sent with HTTP ``status``) states in its fields.

    >>> said = {"errorCode": 403, "errorMessage": "refused by the budget rule: spent", "code":
    ...     "budget_exhausted", "rule": "budget"}
    >>> refusal_in_reply({"error": said}, status=403).rule
    'budget'
    >>> refusal_in_reply({"error": {"errorCode": 403, "errorMessage": "refused by rule X1"}}, status=403)
    """
    error = doc.get("error") if isinstance(doc, Mapping) else None
    return refusal_of(
        error_from_wire(error if isinstance(error, Mapping) else None, status=status, fallback="")
    )


_POLICY = re.compile(r"refused by rule (X[1-6])\b")
_DISCLOSURE = re.compile(r"refused by the (\w+) rule\b")
_PASSPORT = re.compile(r"(passport|signature) rejected \((\w+)\)")


def refusal_in(message: str) -> Refusal | None:
    """The refusal an error message states in its words, or None when it states none.

    Only for callers that still hold no more than the message (the CLI's query and the portal's
    cost estimate until they read replies through :mod:`pmbridge.client`): everything else reads
    the error's fields (:func:`refusal_of`, :func:`refusal_in_reply`).

    >>> refusal_in("refused by the budget rule: eu-researcher has spent ε 500 of 500").rule
    'budget'
    >>> refusal_in("ConnectError: connection refused") is None
    True
    """
    for pattern in (_POLICY, _DISCLOSURE):
        found = pattern.search(message)
        if found is not None:
            return refusal_of_rule(found.group(1), detail=message)
    passport = _PASSPORT.search(message)
    if passport is not None:
        return refusal_of_rule(f"{passport.group(1)}:{passport.group(2)}", detail=message)
    return None


NODE_STATES: Final = {
    "answered": N_("answered"),
    "refused": N_("refused"),
    "down": N_("down"),
    "timeout": N_("timed out"),
    "overloaded": N_("overloaded"),
    "slow": N_("too slow"),
    "failed": N_("failed"),
    "skipped": N_("not asked: it kept timing out"),
}
"""How a node answered, one word each: a refusal never reads as "did not answer", and a node the
hub's breaker skipped reads as not asked."""


def node_state(status: str, detail: str, *, rule: object = None) -> tuple[str, Refusal | None]:
    """The state of a node's line in the hub's ``nodes`` (``status``, ``detail`` and the ``rule``
    the hub read from the node's error fields), and its refusal when it refused.

    >>> node_state("refused", "refused by rule X4: genetic-derived output …", rule="X4")[1].rule
    'X4'
    >>> node_state("down", "ConnectError: connection refused")
    ('down', None)
    """
    if status == "ok":
        return "answered", None
    if isinstance(rule, str) and rule:
        return "refused", refusal_of_rule(rule, detail=detail)
    if status == "refused":
        return "refused", refusal_of_rule("refused", detail=detail)
    if status in ("down", "timeout", "overloaded", "slow", "skipped"):
        return status, None
    return "failed", None


@dataclass(frozen=True, slots=True)
class NodeAnswer:
    """How one node answered a fan-out: ``state`` (see :data:`NODE_STATES`), its refusal, its words."""

    node: str
    state: str
    refusal: Refusal | None
    detail: str


def node_answers(nodes: object) -> list[NodeAnswer]:
    """Every line of a hub answer's ``nodes`` as a :class:`NodeAnswer`.

    >>> [a.state for a in node_answers([{"node": "a", "status": "ok"}, {"node": "b", "status": "timeout"}])]
    ['answered', 'timeout']
    """
    found = []
    for line in nodes if isinstance(nodes, list) else []:
        if isinstance(line, Mapping):
            detail = str(line.get("detail") or "")
            state, refusal = node_state(str(line.get("status", "")), detail, rule=line.get("rule"))
            found.append(NodeAnswer(str(line.get("node", "")), state, refusal, detail))
    return found
