"""Spark's local mode for tests: skip without Java or PySpark, but fail under CI, which installs both."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def require_spark(what: str, *, module_level: bool = False) -> None:
    """Skip the test (or module) that needs Spark when Java or PySpark is absent; fail under CI=true,
    where `.ci/run` installs Debian's Java and the locked `spark` extra."""
    missing = [m for m in ("pyspark", "sqlglot") if importlib.util.find_spec(m) is None]
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("java")
    if not missing:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"missing under CI: {', '.join(missing)} (.ci/run installs Debian's Java and the spark extra)"
        )
    pytest.skip(
        f"{what} need {', '.join(missing)}: install Java 17 and `pmbridge[spark]`",
        allow_module_level=module_level,
    )
