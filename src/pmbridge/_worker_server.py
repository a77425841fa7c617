"""Imported first by the worker fork server (see pmbridge.workers), before numpy and pyarrow load.

Workers fork from that server, so it must run no thread but its own: OpenBLAS would start a thread
pool and Arrow's jemalloc a background purging thread as soon as those libraries load.
"""

from __future__ import annotations

import os
import signal
import sys


def in_fork_server() -> bool:
    """Whether this is the server (``python -c 'from multiprocessing.forkserver import main…'``);
    imported anywhere else (say, by doctest collection), this module changes nothing."""
    return sys.argv == ["-c"] and "multiprocessing.forkserver" in sys.modules


if in_fork_server():
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # workers are parallel as processes; no BLAS threads
    os.environ["OMP_NUM_THREADS"] = "1"
    _jemalloc = os.environ.get("JE_ARROW_MALLOC_CONF", "")
    os.environ["JE_ARROW_MALLOC_CONF"] = ",".join(filter(None, [_jemalloc, "background_thread:false"]))
    # Ctrl-C reaches the server too; its own SIGINT guard starts only after these imports.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
