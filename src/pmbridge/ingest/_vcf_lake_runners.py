"""Who stages a run's VCFs: a local process pool, or a Spark job (one task per VCF).

Tasks return small metadata only (paths, counts, problems); the rows go from the task straight
into the lake's files, never through the driver.
"""

from __future__ import annotations

import base64
import os
import pickle
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TYPE_CHECKING, Protocol, TypeVar

import pyarrow as pa

from pmbridge.errors import IngestError
from pmbridge.ingest._vcf_lake_stage import VcfStaged, VcfStageTask, stage_vcf
from pmbridge.store._lake_append import remove_staged

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pmbridge.store._spark import SparkSettings

Progress = Callable[[int, int], None]  # (VCFs staged, VCFs in the run)
POLL_SECONDS = 0.5
_T = TypeVar("_T")


class VcfRunner(Protocol):
    """Runs :func:`stage_vcf` over a run's tasks; results in the tasks' order."""

    def run(self, tasks: Sequence[VcfStageTask], progress: Progress | None) -> list[VcfStaged]: ...


class LocalRunner:
    """Stages VCFs in ``workers`` processes of this machine (one: in this process)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def run(self, tasks: Sequence[VcfStageTask], progress: Progress | None) -> list[VcfStaged]:
        if self.workers == 1 or len(tasks) == 1:
            done: list[VcfStaged] = []
            for task in tasks:
                done.append(stage_vcf(task))
                if progress is not None:
                    progress(len(done), len(tasks))
            return done
        results: dict[int, VcfStaged] = {}
        # spawn: a forked copy of a process holding DuckDB or Rich threads can deadlock.
        context = get_context("spawn")
        with ProcessPoolExecutor(min(self.workers, len(tasks)), mp_context=context) as pool:
            futures: dict[Future[VcfStaged], int] = {pool.submit(stage_vcf, t): t.index for t in tasks}
            try:
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    if progress is not None:
                        progress(len(results), len(tasks))
            except BaseException as error:
                # Tasks already running finish (their files are then known and removed).
                pool.shutdown(wait=True, cancel_futures=True)
                for future in futures:
                    if future.done() and not future.cancelled() and future.exception() is None:
                        remove_staged(future.result().all_files())
                if isinstance(error, BrokenProcessPool):
                    raise IngestError(
                        "a process staging a VCF died (out of memory, or killed); nothing was appended",
                        hint="stage with fewer --workers, or give the machine more memory; files it "
                        "staged are unlisted, and `pmbridge store vacuum` removes them",
                    ) from error
                raise
        return [results[t.index] for t in tasks]


class SparkRunner:
    """Stages VCFs as one Spark job, a task per VCF: ``parallelize(tasks, n).map(stage_vcf)`` on a
    classic session (local mode or a cluster), ``mapInArrow`` over a one-column frame on Spark
    Connect (which has no RDDs). Executors need PM Bridge installed and the lake at the same path."""

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    def run(self, tasks: Sequence[VcfStageTask], progress: Progress | None) -> list[VcfStaged]:
        connect = _is_connect(self.session)
        results = self.run_frames(tasks) if connect else self._run_rdd(tasks, progress)
        if progress is not None:
            progress(len(tasks), len(tasks))
        return results

    def _run_rdd(self, tasks: Sequence[VcfStageTask], progress: Progress | None) -> list[VcfStaged]:
        context = self.session.sparkContext
        group = f"pmbridge-append-vcf-{uuid.uuid4().hex}"
        results: list[VcfStaged] = []
        errors: list[BaseException] = []

        def job() -> None:
            context.setJobGroup(group, f"stage {len(tasks)} VCF(s) for a lake", interruptOnCancel=True)
            try:
                results.extend(context.parallelize(list(tasks), len(tasks)).map(stage_vcf).collect())
            except BaseException as error:  # handed to the waiting thread
                errors.append(error)

        worker = threading.Thread(target=job, name=group, daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(POLL_SECONDS)
                if progress is not None:
                    progress(_completed(self.session, group), len(tasks))
        except BaseException:
            context.cancelJobGroup(group)
            raise
        if errors:
            raise _job_failed(errors[0]) from errors[0]
        return results

    def run_frames(self, tasks: Sequence[VcfStageTask]) -> list[VcfStaged]:
        """The job as a DataFrame (what Spark Connect offers): each row a pickled task, each result a
        pickled :class:`VcfStaged`."""
        rows = [(_encode(task),) for task in tasks]
        frame = self.session.createDataFrame(rows, "task string").repartition(len(tasks))
        try:
            out = frame.mapInArrow(stage_batches, "result string").collect()
        except Exception as error:
            raise _job_failed(error) from error
        staged = {r.vcf: r for r in (_decoded(row["result"], VcfStaged) for row in out)}
        return [staged[task.vcf] for task in tasks]


def vcf_spark_session(settings: SparkSettings) -> SparkSession:
    """A Spark session whose Python workers can stage VCFs: in local mode they run this interpreter
    (PySpark otherwise starts whatever ``python3`` is first on PATH, which may lack PM Bridge); on
    a cluster, PM Bridge must be installed in the executors' Python (``PYSPARK_PYTHON``)."""
    from pmbridge.store._spark import spark_session

    if settings.local:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # read when the context starts
    return spark_session(settings)


def stage_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow``'s function: stage each task of each batch, yield the results."""
    for batch in batches:
        texts = batch.column("task").to_pylist()
        staged = [_encode(stage_vcf(_decoded(text, VcfStageTask))) for text in texts]
        yield pa.record_batch({"result": pa.array(staged, pa.string())})


def _encode(value: object) -> str:
    return base64.b64encode(pickle.dumps(value)).decode("ascii")


def _decoded(text: str, kind: type[_T]) -> _T:
    value = pickle.loads(base64.b64decode(text))  # noqa: S301 - the run's own tasks and results
    if not isinstance(value, kind):
        raise TypeError(f"expected a {kind.__name__}, got {type(value).__name__}")
    return value


def _completed(session: SparkSession, group: str) -> int:
    tracker = session.sparkContext.statusTracker()
    done = 0
    for job_id in tracker.getJobIdsForGroup(group):
        job = tracker.getJobInfo(job_id)
        for stage_id in job.stageIds if job is not None else ():
            stage = tracker.getStageInfo(stage_id)
            done += stage.numCompletedTasks if stage is not None else 0
    return done


def _is_connect(session: SparkSession) -> bool:
    return type(session).__module__.startswith("pyspark.sql.connect")


def _job_failed(error: BaseException) -> IngestError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return IngestError(
        f"the Spark job staging the VCFs failed: {first}; nothing was appended",
        hint="see the executor's Python traceback above (PM Bridge must be installed on every executor, "
        "and the lake on storage every executor sees); files it staged are unlisted, and "
        "`pmbridge store vacuum` removes them",
    )
