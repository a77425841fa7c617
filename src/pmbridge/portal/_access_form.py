"""The new-request form: its fields pre-filled from a link, read back from a post, and the draft
the hub takes (``POST /api/access/requests``).

Other pages link here with what the researcher already has: ``?dataset=node:dataset`` (repeated),
``?filters=`` (the explorer's filter ids) or ``?kind=contact&match=…&node=…&dataset=…``. The form
keeps every field as text, so a refused post is shown again exactly as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from pmbridge.portal._i18n import Lang

TEXTS: Final = (
    "kind",
    "title",
    "abstract",
    "name",
    "email",
    "language",
    "category",
    "use",
    "disease",
    "commercial",
    "institution",
    "organisation",
    "ethics",
    "granularity",
    "team",
    "until",
)
FLAGS: Final = ("methods", "genetic")
LISTS: Final = ("commitments", "datasets", "filters", "matches")


@dataclass(frozen=True, slots=True)
class RequestForm:
    """The form's fields as written: text, ticked boxes, and the lists the page carries."""

    texts: Mapping[str, str]
    flags: frozenset[str] = frozenset()
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return self.texts.get(name, "")

    def has(self, name: str, value: str) -> bool:
        """Whether list ``name`` holds ``value`` (a ticked checkbox)."""
        return value in self.lists.get(name, ())

    def items(self, name: str) -> tuple[str, ...]:
        return self.lists.get(name, ())

    @property
    def contact(self) -> bool:
        return self.text("kind") == "contact"


def prefilled(params: Sequence[tuple[str, str]], *, lang: Lang, today: date) -> RequestForm:
    """The form as a link opens it: defaults, then what the link carries."""
    given: dict[str, list[str]] = {}
    for key, value in params:
        given.setdefault(key, []).append(value.strip())
    contact = given.get("kind", [""])[0] == "contact"
    datasets = [d for d in given.get("dataset", []) if d.count(":") == 1]
    node, dataset = given.get("node", [""])[0], given.get("dataset", [""])[0]
    if contact and node and dataset and ":" not in dataset:
        datasets = [f"{node}:{dataset}"]
    texts = {
        "kind": "contact" if contact else "access",
        "language": lang.value,
        "category": "research",
        "use": "HMB" if contact else "",
        "commercial": "no",
        "organisation": "non_profit",
        "granularity": "count",
        "until": (today + timedelta(days=365)).isoformat(),
    }
    return RequestForm(
        texts=texts,
        lists={
            "datasets": tuple(dict.fromkeys(datasets)),
            "filters": tuple(dict.fromkeys(f for f in given.get("filters", []) if f)),
            "matches": tuple(m for m in given.get("match", []) if m)[:50],
        },
    )


def read_form(form: Mapping[str, object], multi: Mapping[str, Sequence[object]]) -> RequestForm:
    """The posted form; ``multi`` holds every value of each repeated field."""
    texts = {name: str(form.get(name) or "").strip() for name in TEXTS}
    texts["kind"] = "contact" if texts["kind"] == "contact" else "access"
    flags = frozenset(name for name in FLAGS if form.get(name))
    lists = {name: tuple(str(v).strip() for v in multi.get(name, ()) if str(v).strip()) for name in LISTS}
    return RequestForm(texts=texts, flags=flags, lists=lists)


def draft_body(form: RequestForm) -> dict[str, object]:
    """The draft the hub takes; the hub checks every field and names what is wrong."""
    purpose: dict[str, object] = {
        "category": form.text("category"),
        "use": form.text("use"),
        "commercial": form.text("commercial") == "yes",
        "methodsDevelopment": "methods" in form.flags,
        "geneticStudy": "genetic" in form.flags,
    }
    if form.text("disease"):
        purpose["disease"] = form.text("disease")
    applicant: dict[str, object] = {"commitments": list(form.items("commitments"))}
    for key, name in (
        ("institution", "institution"),
        ("organisationType", "organisation"),
        ("ethicsApproval", "ethics"),
    ):
        if form.text(name):
            applicant[key] = form.text(name)
    if form.text("title"):
        applicant["project"] = form.text("title")
    datasets = []
    for item in form.items("datasets"):
        node, _, dataset = item.partition(":")
        datasets.append({"node": node, "dataset": dataset})
    filters = form.items("filters")
    return {
        "kind": form.text("kind"),
        "title": form.text("title"),
        "abstract": form.text("abstract"),
        "name": form.text("name"),
        "email": form.text("email"),
        "language": form.text("language") or "en",
        "purpose": purpose,
        "applicant": applicant,
        "granularity": form.text("granularity") or "count",
        "team": [line.strip() for line in form.text("team").splitlines() if line.strip()],
        "until": form.text("until"),
        "datasets": datasets,
        "query": {"filters": [{"id": f} for f in filters]} if filters else None,
        "matches": list(form.items("matches")),
    }
