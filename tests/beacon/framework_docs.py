"""What the docs say the framework endpoints return, read back for tests that compare it with a live
node or hub (docs/beacon-framework.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
SECURITY_LEVELS = re.compile(
    r"`securityLevels` = `(?P<without>\[[^`]*\])` without (?:a `\[passports\]` table|passports), "
    r"`(?P<with>\[[^`]*\])` with"
)


def documented_security_levels() -> list[tuple[str, list[str], list[str]]]:
    """Every place the docs name ``securityLevels``, as (file, levels without passports, with them).

    A mention that does not say both is returned with empty lists, so that a test names it.
    """
    found = []
    for doc in sorted(DOCS.glob("*.md")):
        for line in doc.read_text(encoding="utf-8").splitlines():
            said = list(SECURITY_LEVELS.finditer(line))
            found += [(doc.name, json.loads(s["without"]), json.loads(s["with"])) for s in said]
            found += [(doc.name, [], [])] * (line.count("securityLevels") - len(said))
    return found
