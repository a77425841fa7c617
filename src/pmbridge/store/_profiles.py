"""What patient matching reads from a node's store: every individual's terms and genes, as Arrow columns.

Positions number the individuals 0..n-1 in store order, so the matcher can hold plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from pmbridge.store._compile import CompiledQuery
from pmbridge.store._engine import Engine

_POSITIONS = "SELECT ind, (row_number() OVER (ORDER BY ind) - 1)::BIGINT AS pos FROM individuals"


@dataclass(frozen=True, slots=True)
class ProfileTables:
    """``individuals`` (pos, dataset_id, id), ``phenotypes`` (pos, term, excluded), ``genes`` (pos, gene)."""

    individuals: pa.Table
    phenotypes: pa.Table
    genes: pa.Table
    hpo_release: str | None


def read_profiles(engine: Engine) -> ProfileTables:
    """Every individual's phenotypic features (observed and excluded) and the genes it has variants in."""

    def read(sql: str) -> pa.Table:
        return engine.arrow(CompiledQuery(sql, ()))

    individuals = read(
        f"SELECT p.pos, i.dataset_id, i.id FROM individuals i JOIN ({_POSITIONS}) p USING (ind) "
        "ORDER BY p.pos"
    )
    phenotypes = read(f"SELECT p.pos, f.term, f.excluded FROM phenotypes f JOIN ({_POSITIONS}) p USING (ind)")
    genes = read(
        f"SELECT DISTINCT p.pos, v.gene FROM variants v JOIN ({_POSITIONS}) p USING (ind) "
        "WHERE v.gene IS NOT NULL"
    )
    release = engine.rows(CompiledQuery("SELECT value FROM meta WHERE key = 'hpo_release'", ()))
    return ProfileTables(individuals, phenotypes, genes, str(release[0][0]) if release else None)
