"""OMOP CDM tables in a real PostgreSQL server (started here with initdb on a loopback port) read the
same as the same tables in CSV files.

Needs the PostgreSQL server binaries (Debian: ``postgresql``): skipped without them, failed under
``CI=true``. Run as root, the server runs as the ``postgres`` (or ``nobody``) user, as PostgreSQL
refuses to run as root.
"""

from __future__ import annotations

import csv
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest._omop_cdm import COLUMNS
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._omop_writer import write_omop
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import load_disease_annotations, locate_data_dir

try:
    import psycopg
except ImportError:  # pragma: no cover - a declared dependency
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("psycopg 3 is not installed", allow_module_level=True)


def server_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).resolve().parent
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return installed[-1].parent if installed else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A fresh PostgreSQL server; yields the URL of its ``postgres`` database."""
    bindir = server_binaries()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, postgres) not found; install Debian's postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="pmbridge-pg-"))
    as_user: dict[str, object] = {}
    if os.geteuid() == 0:
        user = next((u for u in ("postgres", "nobody") if _exists(u)), None)
        if user is None:
            pytest.fail("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    data, port = root / "data", free_port()
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "pmbridge", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=root,
        **as_user,  # type: ignore[arg-type]
    )
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        **as_user,  # type: ignore[arg-type]
    )  # fmt: skip
    url = f"postgresql://pmbridge@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(url).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"PostgreSQL did not start: {(root / 'server.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown: open sessions are ended
        process.wait(timeout=60)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def column_type(column: str) -> str:
    """CDM 5.4 DDL types, closely enough for reading."""
    if column.endswith("_datetime"):
        return "TIMESTAMP"
    if column.endswith("_date"):
        return "DATE"
    if column in ("value_as_number", "range_low", "range_high", "quantity", "latitude", "longitude"):
        return "NUMERIC"
    if column in ("domain_id", "vocabulary_id", "concept_class_id", "relationship_id", "specimen_source_id"):
        return "VARCHAR(50)"
    if column.endswith(("_id", "_of_birth")) or column in ("refills", "days_supply"):
        return "BIGINT"
    return "VARCHAR(255)"


@pytest.fixture(scope="module")
def cdm(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The same synthetic cohort as CSV files and in schema ``cdm`` of the server."""
    spec = CohortSpec("pg", "cn", 120, 5)
    cohort = generate_cohort(spec, annotations=load_disease_annotations(locate_data_dir()), hpo_release="t")
    folder = tmp_path_factory.mktemp("omop") / "cdm"
    write_omop(cohort, folder)
    with psycopg.connect(server, autocommit=True) as con:
        con.execute("CREATE SCHEMA cdm")
        for path in sorted(folder.glob("*.csv")):
            table = path.stem
            with path.open(encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert header == list(COLUMNS[table])
            columns = ", ".join(f"{c} {column_type(c)}" for c in header)
            con.execute(f"CREATE TABLE cdm.{table} ({columns})")
            with con.cursor().copy(f"COPY cdm.{table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(path.read_bytes())
    return folder, server + "?options=-csearch_path%3Dcdm"


def test_a_database_reads_as_its_csv_files(cdm: tuple[Path, str]) -> None:
    folder, url = cdm
    from_files = list(read_omop(str(folder)))
    from_database = list(read_omop(url))
    assert len(from_database) == 120
    assert [item.raw for item, _ in from_database] == [item.raw for item, _ in from_files]
    port = url.split(":")[2].split("/")[0]
    where = f"postgresql://pmbridge@127.0.0.1:{port}/postgres?options=-csearch_path%3Dcdm table cdm.person"
    assert from_database[0][0].source == f"{where} person_id=1 (pg-0000000)"
    assert all(n == 0 for _, n in from_database)  # no byte count over a database


def test_a_database_without_a_cdm_is_refused(server: str) -> None:
    with pytest.raises(IngestError, match="has no OMOP person table"):
        list(read_omop(server))


def test_an_unreachable_server_is_refused_without_its_password() -> None:
    url = f"postgresql://omop:secret@127.0.0.1:{free_port()}/cdm?connect_timeout=5"
    with pytest.raises(IngestError, match="cannot connect to the OMOP database") as caught:
        list(read_omop(url))
    assert "secret" not in str(caught.value)
    assert "omop:***@" in str(caught.value)
