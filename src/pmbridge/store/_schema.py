"""The node store's versioned schema: an ordered list of migrations applied in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pmbridge.errors import SchemaTooNew, StoreError
from pmbridge.store._closure import PHENOTYPE_ANCESTORS
from pmbridge.store._gene_loci import FILL_GENE_LOCI, GENE_LOCI_TABLE


@dataclass(frozen=True, slots=True)
class Migration:
    """One step from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "individuals, phenotypes, diseases, variants, biosamples, datasets, HPO closure",
        (
            "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
            """CREATE TABLE datasets (
                id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description VARCHAR NOT NULL,
                duo_codes VARCHAR[] NOT NULL, jurisdiction VARCHAR NOT NULL,
                cap_public VARCHAR NOT NULL, cap_registered VARCHAR NOT NULL,
                cap_controlled VARCHAR NOT NULL)""",
            # `ind` is the store's surrogate key; (dataset_id, id) is the caller's identity.
            """CREATE TABLE individuals (
                ind BIGINT NOT NULL, id VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL,
                sex VARCHAR NOT NULL, age_years DOUBLE, year_of_birth INTEGER, country VARCHAR)""",
            """CREATE TABLE phenotypes (
                ind BIGINT NOT NULL, term VARCHAR NOT NULL, excluded BOOLEAN NOT NULL,
                onset VARCHAR)""",
            """CREATE TABLE diseases (
                ind BIGINT NOT NULL, term VARCHAR NOT NULL, label VARCHAR,
                excluded BOOLEAN NOT NULL)""",
            """CREATE TABLE variants (
                ind BIGINT NOT NULL, assembly VARCHAR, chromosome VARCHAR, position BIGINT,
                reference VARCHAR, alternate VARCHAR, gene VARCHAR, hgvs VARCHAR[] NOT NULL,
                zygosity VARCHAR NOT NULL, interpretation VARCHAR NOT NULL)""",
            """CREATE TABLE biosamples (
                ind BIGINT NOT NULL, id VARCHAR NOT NULL, material_type VARCHAR, tissue VARCHAR,
                collection_date DATE)""",
            "CREATE TABLE hpo_closure (term VARCHAR NOT NULL, ancestor VARCHAR NOT NULL)",
        ),
    ),
    Migration(
        2,
        "phenotype_ancestors: each person under every ancestor of their observed phenotypes",
        (
            # Derived from phenotypes and hpo_closure, kept by the store's writes: a phenotype
            # filter (term or any descendant) reads one ancestor's rows instead of joining both.
            "CREATE TABLE phenotype_ancestors (ancestor VARCHAR NOT NULL, ind BIGINT NOT NULL)",
            PHENOTYPE_ANCESTORS.format(where=""),
        ),
    ),
    Migration(
        3,
        "outcomes: vital status, measurements and medical actions (treatments) of each person",
        (
            # IF NOT EXISTS: a file whose recorded version was set back still has these tables.
            """CREATE TABLE IF NOT EXISTS vital_status (
                ind BIGINT NOT NULL, status VARCHAR NOT NULL, survival_days BIGINT, cause VARCHAR)""",
            # observed_days: the person's age in days when the value was observed.
            """CREATE TABLE IF NOT EXISTS measurements (
                ind BIGINT NOT NULL, assay VARCHAR NOT NULL, value DOUBLE, unit VARCHAR,
                observed_days DOUBLE)""",
            """CREATE TABLE IF NOT EXISTS medical_actions (
                ind BIGINT NOT NULL, agent VARCHAR NOT NULL, target VARCHAR, response VARCHAR,
                favourable BOOLEAN)""",
        ),
    ),
    Migration(
        4,
        "variant calls from VCF (origin, source) and allele counts per dataset",
        (
            # origin 'record' rows come with a person's clinical record and are replaced with it;
            # 'vcf' rows come from the VCF named in source and are replaced only by that VCF again.
            "ALTER TABLE variants ADD COLUMN IF NOT EXISTS origin VARCHAR DEFAULT 'record'",
            "ALTER TABLE variants ADD COLUMN IF NOT EXISTS source VARCHAR",
            "UPDATE variants SET origin = 'record' WHERE origin IS NULL",
            # One row per allele of each VCF ingested into a dataset, from that run's genotypes.
            """CREATE TABLE IF NOT EXISTS allele_counts (
                dataset_id VARCHAR NOT NULL, source VARCHAR NOT NULL, assembly VARCHAR NOT NULL,
                chromosome VARCHAR NOT NULL, position BIGINT NOT NULL, reference VARCHAR NOT NULL,
                alternate VARCHAR NOT NULL, ac BIGINT NOT NULL, an BIGINT NOT NULL, af DOUBLE,
                hom BIGINT NOT NULL, hemi BIGINT NOT NULL)""",
        ),
    ),
    Migration(
        5,
        "gene_loci: where each gene's variant calls lie, so a gene filter prunes row groups",
        (GENE_LOCI_TABLE, "DELETE FROM gene_loci", FILL_GENE_LOCI),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version recorded in the file; 0 for a new, empty file."""
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()
    if not has_meta or has_meta[0][0] == 0:
        return 0
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(con: duckdb.DuckDBPyConnection, *, path: str) -> int:
    """Bring the file up to :data:`LATEST_VERSION`; every pending step commits together or not at all."""
    current = schema_version(con)
    if current > LATEST_VERSION:
        raise SchemaTooNew(
            f"{path} has schema version {current}, newer than this PM Bridge understands ({LATEST_VERSION})",
            hint="upgrade PM Bridge on this node, or restore a store written by this version",
        )
    pending = [m for m in MIGRATIONS if m.version > current]
    if not pending:
        return current
    con.execute("BEGIN TRANSACTION")
    try:
        for migration in pending:
            for statement in migration.statements:
                con.execute(statement)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(migration.version)])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StoreError(
            f"migrating {path} to schema version {LATEST_VERSION} failed: {exc}",
            hint="the file is unchanged; report this with the file's schema version",
        ) from exc
    return LATEST_VERSION
