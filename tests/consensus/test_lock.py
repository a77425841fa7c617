"""A study's lock snapshot: canonical (the same study gives the same bytes, whatever the order of its
groups), sensitive to every fixed part, and blind to items adopted later."""

from __future__ import annotations

from pmbridge.consensus import (
    COMET,
    PANEL_70,
    Item,
    ItemText,
    Protocol,
    Provenance,
    locked_protocol,
    snapshot,
    snapshot_digest,
)

TEXTS = {"en": ItemText("Survival", Provenance.AUTHOR), "zh": ItemText("生存", Provenance.MACHINE)}
GROUPS = [
    {"id": "pat", "name": {"en": "Patients", "zh": "患者"}},
    {"id": "clin", "name": {"en": "C", "zh": "医"}},
]


def _snapshot(**changes: object) -> str:
    parts: dict[str, object] = {
        "protocol": Protocol(COMET),
        "title": {"en": "T", "zh": "题"},
        "description": {"en": "D", "zh": "述"},
        "groups": GROUPS,
        "items": [Item("it-1", TEXTS)],
    }
    return snapshot(**(parts | changes))


def test_the_snapshot_is_canonical_and_reads_back_its_protocol() -> None:
    assert _snapshot() == _snapshot(groups=list(reversed(GROUPS)))
    assert " " not in _snapshot().replace("生存", "")
    assert snapshot_digest(_snapshot()).startswith("sha256:") and len(snapshot_digest(_snapshot())) == 71
    assert locked_protocol(_snapshot()) == Protocol(COMET)


def test_every_fixed_part_changes_the_digest_and_later_items_do_not() -> None:
    base = snapshot_digest(_snapshot())
    changed = [
        _snapshot(protocol=Protocol(PANEL_70)),
        _snapshot(protocol=Protocol(COMET, k=6)),
        _snapshot(protocol=Protocol(COMET, organiser_sees_ratings=True)),
        _snapshot(title={"en": "T", "zh": "题目"}),
        _snapshot(groups=GROUPS[:1]),
        _snapshot(items=[Item("it-1", TEXTS | {"zh": ItemText("生存", Provenance.REVIEWED)})]),
        _snapshot(items=[Item("it-1", TEXTS, links=("policy:gdpr",))]),
    ]
    assert all(snapshot_digest(text) != base for text in changed)
    adopted = Item("it-2", TEXTS, added_in_round=2, source="proposal")
    assert snapshot_digest(_snapshot(items=[Item("it-1", TEXTS), adopted])) == base
