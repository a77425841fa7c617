"""Which DUO release a node matches with: ``owl:versionIRI`` of ``duo/duo.owl`` in its data directory.

A pre-check records the vocabulary it was decided under, so a committee can tell a verdict made
with an older DUO from one made with today's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

DUO_OWL_FILE: Final = "duo/duo.owl"
UNKNOWN_RELEASE: Final = "unknown"
_VERSION_IRI = re.compile(r"<owl:versionIRI\s+rdf:resource=\"([^\"]+)\"")
_VERSION_INFO = re.compile(r"<owl:versionInfo[^>]*>([^<]+)</owl:versionInfo>")


def duo_release(data_dir: Path | None) -> str:
    """The ``owl:versionIRI`` (else ``owl:versionInfo``) of the DUO file, or ``"unknown"``.

    Only the ontology header is read: the version sits in the first few kilobytes.
    """
    if data_dir is None:
        return UNKNOWN_RELEASE
    path = data_dir / DUO_OWL_FILE
    if not path.is_file():
        return UNKNOWN_RELEASE
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(65_536)
    return release_of(head)


def release_of(owl_head: str) -> str:
    """The release named in an OWL/XML header.

    >>> release_of('<owl:versionIRI rdf:resource="http://purl.obolibrary.org/obo/duo/releases/2021-02-23/duo.owl"/>')
    'http://purl.obolibrary.org/obo/duo/releases/2021-02-23/duo.owl'
    >>> release_of("<owl:Ontology/>")
    'unknown'
    """
    found = _VERSION_IRI.search(owl_head) or _VERSION_INFO.search(owl_head)
    return found.group(1).strip() if found else UNKNOWN_RELEASE
