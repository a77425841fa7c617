"""Packages meet the hub and the node through their public face (``pmbridge.hub``, ``pmbridge.node``),
never through their private modules, so those can change without breaking the portal or the CLI."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "pmbridge"
PRIVATE = re.compile(r"^\s*(?:from|import)\s+pmbridge\.(hub|node)\._", re.MULTILINE)


def test_no_module_outside_the_hub_or_the_node_imports_their_private_modules() -> None:
    offenders = []
    for module in sorted(SRC.rglob("*.py")):
        package = module.relative_to(SRC).parts[0]
        for found in PRIVATE.finditer(module.read_text(encoding="utf-8")):
            if found.group(1) != package:
                offenders.append(f"{module.relative_to(SRC)}: {found.group(0).strip()}")
    assert offenders == []
