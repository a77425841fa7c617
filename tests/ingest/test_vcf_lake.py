"""Many VCFs into a lake as one append, staged in a local process pool or as a Spark job (local mode):
the lake then answers exactly as the DuckDB file does after a normal ingest of the same VCFs; a
failing VCF, a VCF the lake already holds, or a crash before the snapshot leaves readers where they were.

The Spark tests share one session; they are skipped without Java or PySpark, except under CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pmbridge.errors import IngestError, StoreError
from pmbridge.ingest._vcf_lake import ingest_vcfs_to_lake
from pmbridge.ingest._vcf_lake_runners import LocalRunner, SparkRunner, VcfRunner
from pmbridge.ingest._vcf_lake_stage import VcfStaged, VcfStageTask
from pmbridge.ingest._vcf_options import VcfOptions
from pmbridge.model import GeneFilter
from pmbridge.store import EntryQuery, NodeStore, VariantQuery, open_lake, publish, read_snapshot
from pmbridge.store import _lake as lake_module
from pmbridge.store import _lake_append as lake_append
from tests.ingest._vcf_support import HEADER, load, store_with, write_vcf_file
from tests.spark import require_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "examples" / "vcf"
PEOPLE = ["p1", "p2", "p3", "p4", "JH-027F", "JH-027M", "JH-027P"]
ANN_HEADER = HEADER + '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations">\n'


def _vcfs(folder: Path) -> list[Path]:
    """Three VCFs: two small ones (multi-allelic, haploid, missing calls, a gene) and the example trio."""
    folder.mkdir()
    ann = "ANN=G|missense_variant|MODERATE|GENE9|g9|transcript|t1|protein_coding|1/2|c.5A>G|p.K2R|||||"
    first = write_vcf_file(
        folder / "first.vcf",
        ["p1", "p2"],
        [f"c1 5 . A G . PASS {ann} GT 0/1 1|1", "c1 8 . A C,T . PASS . GT 1/2 ./."],
        header=ANN_HEADER,
    )
    second = write_vcf_file(
        folder / "second.vcf.gz",
        ["s3", "s4"],
        ["c1 5 . A G . PASS . GT 0/0 0/1", "c1 20 . AT A . PASS . GT 1 0/1"],
    )
    return [first, second, EXAMPLES / "o.vcf.gz"]


def _sheet(folder: Path) -> Path:
    sheet = folder / "second.samples.tsv"
    sheet.write_text("sample_id\tindividual_id\ns3\tp3\ns4\tp4\n")
    return sheet


def _options(folder: Path, vcf: Path) -> VcfOptions:
    return VcfOptions(sample_sheet=_sheet(folder)) if vcf.name.startswith("second") else VcfOptions()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("vcf-lake")
    return root, _vcfs(root / "vcfs")


@pytest.fixture(scope="module")
def expected(inputs: tuple[Path, list[Path]]) -> Iterator[NodeStore]:
    """The DuckDB file after a normal ingest of the same VCFs (the oracle)."""
    root, vcfs = inputs
    path = root / "oracle.duckdb"
    store_with(path, PEOPLE, with_variant=True)
    for vcf in vcfs:
        load(path, vcf, _options(root / "vcfs", vcf))
    with NodeStore.open(path, read_only=True) as store:
        yield store


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """A lake published from a store with the people (and one clinical call), but no VCF."""
    path = tmp_path / "node.duckdb"
    store_with(path, PEOPLE, with_variant=True)
    with NodeStore.open(path, read_only=True) as store:
        publish(store, tmp_path / "lake")
    return tmp_path / "lake"


def _append(lake: Path, vcfs: list[Path], runner: VcfRunner, folder: Path) -> None:
    """The three VCFs in one run, with one sample sheet for all of them (each VCF takes its rows)."""
    sheet = folder / "run.samples.tsv"
    rows = [("p1", "p1"), ("p2", "p2"), ("s3", "p3"), ("s4", "p4")]
    rows += [(f"JH-027{x}", f"JH-027{x}") for x in "FMP"]
    sheet.write_text("sample_id\tindividual_id\n" + "".join(f"{s}\t{i}\n" for s, i in rows))
    options = VcfOptions(sample_sheet=sheet)
    ingest_vcfs_to_lake(vcfs, lake=lake, dataset_id="ds", runner=runner, options=options)


QUESTIONS = [
    EntryQuery("g_variants", limit=1000),
    EntryQuery("individuals", limit=1000),
    EntryQuery("g_variants", variant=VariantQuery(chromosomes=("c1",), position=8), limit=1000),
    EntryQuery("g_variants", variant=VariantQuery(chromosomes=("chr1",), overlap=(1, 5_000_000))),
    EntryQuery("individuals", filters=(GeneFilter("GENE9"),)),
    EntryQuery("g_variants", variant=VariantQuery(gene="GENE9"), limit=1000),
]


def _answers(store: NodeStore) -> list[object]:
    out: list[object] = []
    for question in QUESTIONS:
        counted = store.counted(question, members=True)
        out += [dict(counted.counts), counted.members, store.allele_counts(question)]
        out.append(store.page(question, dataset="ds"))
    out.append(store.table_counts())
    return out


def _same_reads(lake: Path, expected: NodeStore) -> None:
    with open_lake(lake) as reader:
        got, want = _answers(reader), _answers(expected)
    for index, (a, b) in enumerate(zip(got, want, strict=True)):
        assert a == b, f"answer {index}"


def _unlisted(lake: Path) -> set[str]:
    """Parquet files in the lake's call tables that its snapshot does not list."""
    snapshot = read_snapshot(lake)
    listed = {str(lake / f) for table in ("variants", "allele_counts") for f in snapshot.table(table).files}
    return {
        str(p) for table in ("variants", "allele_counts") for p in (lake / table).rglob("*.parquet")
    } - listed


def test_a_local_pool_appends_what_a_normal_ingest_writes(
    lake: Path, inputs: tuple[Path, list[Path]], expected: NodeStore
) -> None:
    root, vcfs = inputs
    before = read_snapshot(lake).version
    _append(lake, vcfs, LocalRunner(2), root / "vcfs")
    assert read_snapshot(lake).version == before + 1  # one append for the three
    _same_reads(lake, expected)
    assert not (lake / "_staging").exists() or not any((lake / "_staging").iterdir())


def test_a_failing_vcf_appends_nothing_and_is_named(
    lake: Path, inputs: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _, vcfs = inputs
    stranger = write_vcf_file(tmp_path / "stranger.vcf", ["nobody"], ["c1 5 . A G . PASS . GT 0/1"])
    before = read_snapshot(lake)
    with pytest.raises(IngestError, match=r"stranger\.vcf.*not in dataset 'ds'.*nothing was appended"):
        ingest_vcfs_to_lake([vcfs[0], stranger, vcfs[2]], lake=lake, dataset_id="ds", runner=LocalRunner(2))
    assert read_snapshot(lake) == before
    assert not _unlisted(lake)  # the good VCFs' staged files went too


def test_a_vcf_already_in_the_lake_is_refused(lake: Path, inputs: tuple[Path, list[Path]]) -> None:
    _, vcfs = inputs
    ingest_vcfs_to_lake([vcfs[0]], lake=lake, dataset_id="ds", runner=LocalRunner(1))
    before = read_snapshot(lake)
    with pytest.raises(IngestError, match=r"already holds a VCF named first\.vcf") as refused:
        ingest_vcfs_to_lake([vcfs[2], vcfs[0]], lake=lake, dataset_id="ds", runner=LocalRunner(1))
    assert "pmbridge store publish" in refused.value.hint
    assert read_snapshot(lake) == before


def test_a_vcf_published_from_the_file_is_refused(tmp_path: Path, inputs: tuple[Path, list[Path]]) -> None:
    _, vcfs = inputs
    path = tmp_path / "node.duckdb"
    store_with(path, PEOPLE)
    load(path, vcfs[2])
    with NodeStore.open(path, read_only=True) as store:
        publish(store, tmp_path / "lake")
    with pytest.raises(IngestError, match=r"already holds a VCF named o\.vcf\.gz"):
        ingest_vcfs_to_lake([vcfs[2]], lake=tmp_path / "lake", dataset_id="ds", runner=LocalRunner(1))


def test_two_vcfs_of_one_name_are_refused_before_staging(
    lake: Path, inputs: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _, vcfs = inputs
    (tmp_path / "other").mkdir()
    twin = shutil.copy(vcfs[0], tmp_path / "other" / vcfs[0].name)
    with pytest.raises(IngestError, match="2 VCFs are named first.vcf"):
        ingest_vcfs_to_lake([vcfs[0], Path(twin)], lake=lake, dataset_id="ds", runner=LocalRunner(1))


def test_a_crash_between_the_delta_commits_and_the_snapshot_leaves_readers_on_the_old_one(
    lake: Path, inputs: tuple[Path, list[Path]], expected: NodeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, vcfs = inputs
    before = read_snapshot(lake)
    with open_lake(lake) as reader:
        calls = reader.count_entries(EntryQuery("g_variants"))

        def crash(_: object) -> None:
            raise KeyboardInterrupt  # as a kill would, after every Delta commit

        with monkeypatch.context() as patched:
            patched.setattr(lake_append, "write_snapshot", crash)
            with pytest.raises(KeyboardInterrupt):
                ingest_vcfs_to_lake(vcfs[:1], lake=lake, dataset_id="ds", runner=LocalRunner(1))
        assert read_snapshot(lake) == before
        assert reader.count_entries(EntryQuery("g_variants")) == calls
    # The next append sets the half-committed tables back first: nothing of the crashed run shows.
    _append(lake, vcfs, LocalRunner(1), root / "vcfs")
    _same_reads(lake, expected)


def test_a_failure_after_the_snapshot_keeps_the_files_it_lists(
    lake: Path, inputs: tuple[Path, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, vcfs = inputs

    def fail(_: Path) -> None:
        raise OSError("fsync failed")  # the snapshot is already replaced: its files must stay

    monkeypatch.setattr(lake_module, "_fsync_dir", fail)
    with pytest.raises(OSError, match="fsync failed"):
        ingest_vcfs_to_lake(vcfs[:1], lake=lake, dataset_id="ds", runner=LocalRunner(1))
    read_snapshot(lake)  # every listed file is there
    with open_lake(lake) as reader:
        assert reader.vcf_summary("ds", vcfs[0].name) == (3, 4, 2)


def test_files_outside_the_lake_table_are_refused(lake: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.parquet"
    stray.write_bytes(b"")
    with pytest.raises(StoreError, match="not inside the lake table"):
        lake_append.append_files(lake, {"variants": [stray]})


def test_files_the_lake_lists_already_are_not_added_twice(lake: Path) -> None:
    listed = read_snapshot(lake).files("variants")[0]
    with pytest.raises(StoreError, match="already part of lake table"):
        lake_append.append_files(lake, {"variants": [listed]})
    assert read_snapshot(lake).files("variants")[0] == listed


# --- Spark (local mode) ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    require_spark("the Spark VCF tests")
    from pmbridge.ingest._vcf_lake_runners import vcf_spark_session
    from pmbridge.store._spark import SparkSettings

    conf = {"spark.sql.codegen.wholeStage": "false"}
    session = vcf_spark_session(SparkSettings(shuffle_partitions=1, app_name="pmbridge-vcf-lake", conf=conf))
    yield session
    session.stop()


def test_a_spark_job_appends_what_a_normal_ingest_writes(
    spark: SparkSession, lake: Path, inputs: tuple[Path, list[Path]], expected: NodeStore
) -> None:
    root, vcfs = inputs
    seen: list[tuple[int, int]] = []
    _append(lake, vcfs, _Watched(SparkRunner(spark), seen), root / "vcfs")
    assert seen[-1] == (3, 3)
    _same_reads(lake, expected)


class _Watched:
    """A runner whose progress calls are kept."""

    def __init__(self, runner: SparkRunner, seen: list[tuple[int, int]]) -> None:
        self.runner, self.seen = runner, seen

    def run(
        self, tasks: Sequence[VcfStageTask], progress: Callable[[int, int], None] | None
    ) -> list[VcfStaged]:
        return self.runner.run(tasks, lambda done, total: self.seen.append((done, total)))


class _Frames(SparkRunner):
    """The Spark Connect form of the job (a DataFrame and ``mapInArrow``), run on the local session."""

    def run(
        self, tasks: Sequence[VcfStageTask], progress: Callable[[int, int], None] | None
    ) -> list[VcfStaged]:
        return self.run_frames(tasks)


def test_the_dataframe_form_of_the_job_appends_the_same(
    spark: SparkSession, lake: Path, inputs: tuple[Path, list[Path]], expected: NodeStore, tmp_path: Path
) -> None:
    root, vcfs = inputs
    _append(lake, vcfs, _Frames(spark), root / "vcfs")
    _same_reads(lake, expected)


def test_a_failing_vcf_in_a_spark_job_appends_nothing(
    spark: SparkSession, lake: Path, inputs: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _, vcfs = inputs
    broken = tmp_path / "broken.vcf.gz"
    broken.write_bytes((EXAMPLES / "o.vcf.gz").read_bytes()[:20_000])  # truncated gzip
    before = read_snapshot(lake)
    with pytest.raises(IngestError, match=r"broken\.vcf\.gz.*nothing was appended"):
        ingest_vcfs_to_lake([vcfs[0], broken], lake=lake, dataset_id="ds", runner=SparkRunner(spark))
    assert read_snapshot(lake) == before
    assert not _unlisted(lake)


def test_the_command_appends_and_quarantines_bad_lines(lake: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import pmbridge.cli  # noqa: F401  (registers the commands)
    from pmbridge.cli._app import app

    vcf = write_vcf_file(
        tmp_path / "lines.vcf", ["p1"], ["c1 5 . A G . PASS . GT 0/1", "c1 40 . A G . PASS . GT 0/1"]
    )
    quarantine, report = tmp_path / "q.jsonl", tmp_path / "report.json"
    args = ["store", "append-vcf", "--lake", str(lake), "--dataset", "ds", "--workers", "1", "--quiet"]
    args += ["--quarantine", str(quarantine), "--report-json", str(report), str(vcf)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "beyond the end of contig c1" in quarantine.read_text()
    assert '"quarantined": 1' in report.read_text()
    with open_lake(lake) as reader:
        assert reader.vcf_summary("ds", "lines.vcf") == (1, 1, 1)
