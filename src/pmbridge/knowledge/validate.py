"""Check knowledge-base files without a hub: ``python -m pmbridge.knowledge.validate FILE…``.

Files are checked together, so links may point across them; exit status 1 lists every problem.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pmbridge.knowledge._load import load_files

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Print every problem (or a count by type) and return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write("usage: python -m pmbridge.knowledge.validate FILE.jsonld|FILE.csv …\n")
        return 2
    result = load_files([Path(a) for a in args])
    for problem in result.problems:
        sys.stdout.write(f"{problem}\n")
    kinds = Counter(e.type.value for e in result.entities)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    sys.stdout.write(f"{len(result.entities)} valid entries ({summary}); {len(result.problems)} problems\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
