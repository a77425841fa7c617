"""A consensus report as PDF, printed by the Chromium the host has (headless, in a fresh temporary
folder, with a deadline), so Chinese text and SVG charts come out as the HTML shows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Final

from pmbridge.errors import PdfUnavailable

__all__ = ["CHROMIUM_NAMES", "find_chromium", "print_pdf"]

CHROMIUM_NAMES: Final = ("chromium", "chromium-browser", "google-chrome")
_HINT: Final = (
    "install Debian's chromium (apt-get install chromium fonts-noto-cjk) on the hub, or use format=html"
)


def find_chromium() -> str | None:
    """The first Chromium on PATH, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


async def print_pdf(html: str, *, chromium: str | None = None, timeout: float = 60.0) -> bytes:
    """The PDF of ``html``; :class:`PdfUnavailable` (503) without a Chromium or when it fails."""
    browser = chromium or find_chromium()
    if browser is None:
        raise PdfUnavailable("the hub cannot print PDF reports: no Chromium on its PATH", hint=_HINT)
    with tempfile.TemporaryDirectory(prefix="pmbridge-report-") as folder:
        page, out = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            browser,
            "--headless",
            "--no-sandbox",  # the hub runs unprivileged, often in a container without user namespaces
            "--disable-gpu",
            "--no-pdf-header-footer",  # the report carries its own title and date
            f"--user-data-dir={Path(folder) / 'profile'}",  # never the operator's own profile
            f"--print-to-pdf={out}",
            page.as_uri(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, errors = await asyncio.wait_for(process.communicate(), timeout=timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise PdfUnavailable(
                f"Chromium did not print the report within {timeout:.0f} s", hint=_HINT
            ) from None
        if process.returncode != 0 or not out.is_file():
            tail = errors.decode(errors="replace").strip().splitlines()[-1:] if errors else []
            raise PdfUnavailable(
                f"Chromium could not print the report (exit {process.returncode}): {' '.join(tail)[:300]}",
                hint=_HINT,
            )
        return out.read_bytes()
