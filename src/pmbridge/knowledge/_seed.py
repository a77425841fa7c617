"""The seed content shipped with PM Bridge (``knowledge/seed/*.jsonld``), loaded into a new hub once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pmbridge.knowledge._store import ImportSummary, KnowledgeBase

__all__ = ["SEED_DIR", "SEED_MARK", "ensure_seeded", "seed_files"]

SEED_DIR = Path(__file__).with_name("seed")
SEED_MARK = "seed_loaded_at"  # meta key: when the seed was loaded


def seed_files() -> list[Path]:
    """The seed documents, in name order."""
    return sorted(SEED_DIR.glob("*.jsonld"))


def ensure_seeded(kb: KnowledgeBase) -> ImportSummary | None:
    """Import the seed unless this knowledge base already had it; None when it had.

    Later imports and status changes are never overwritten by the seed: it is loaded once.
    KnowledgeImportRejected (nothing written, not marked) when a seed file has problems.
    """
    files = seed_files()
    if kb.meta(SEED_MARK) is not None or not files:
        return None
    summary = kb.import_files(files, actor="seed")
    kb.set_meta(SEED_MARK, datetime.now(UTC).isoformat(timespec="seconds"))
    return summary
