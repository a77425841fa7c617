"""What a VCF header tells the ingest: the assembly, and where gene and HGVS annotations are.

Assembly: the option, else ``##contig=<…,assembly=…>``, else ``##reference=`` (a FASTA's name such as
``human_g1k_v37.fasta`` or ``GRCh38.fa``); a header naming none is refused with a hint.
"""

from __future__ import annotations

import re
from pathlib import Path

from pmbridge.errors import IngestError
from pmbridge.store import canonical_assembly

_CONTIG_ASSEMBLY = re.compile(r"^##contig=<.*?\bassembly=\"?([^,>\"]+)", re.MULTILINE)
_REFERENCE = re.compile(r"^##reference=(.*)$", re.MULTILINE)
# Names of reference FASTAs seen in the wild, most specific first.
_REFERENCE_NAMES = (
    (re.compile(r"grch38|hg38|hs38|assembly38|b38", re.IGNORECASE), "GRCh38"),
    (re.compile(r"grch37|hg19|hs37|g1k_v37|b37|assembly19|human_g1k", re.IGNORECASE), "GRCh37"),
    (re.compile(r"ncbi36|hg18|b36", re.IGNORECASE), "NCBI36"),
)
_FORMAT = re.compile(r"Format:\s*'?\s*([^'\"]+)", re.IGNORECASE)


def vcf_assembly(header: str, *, option: str | None, path: Path) -> str:
    """The assembly the VCF was called against, canonically named (``GRCh38``, ``GRCh37``).

    >>> vcf_assembly("##contig=<ID=1,length=249250621,assembly=b37>", option=None, path=Path("a.vcf"))
    'GRCh37'
    >>> vcf_assembly("##reference=file:///refs/Homo_sapiens_assembly38.fasta", option=None, path=Path("a"))
    'GRCh38'
    >>> vcf_assembly("", option="hg19", path=Path("a.vcf"))
    'GRCh37'
    """
    if option:
        return canonical_assembly(option)
    for found in _CONTIG_ASSEMBLY.findall(header):
        named = canonical_assembly(found.strip())
        if named in ("GRCh37", "GRCh38"):
            return named
        for pattern, assembly in _REFERENCE_NAMES:
            if pattern.search(found):
                return assembly
    for reference in _REFERENCE.findall(header):
        for pattern, assembly in _REFERENCE_NAMES:
            if pattern.search(reference):
                return assembly
    raise IngestError(
        f"{path}: the header names no assembly (no ##contig assembly= and no ##reference naming GRCh37 "
        "or GRCh38)",
        hint="give the assembly the VCF was called against (--assembly GRCh38, VcfOptions(assembly=…))",
    )


def csq_fields(description: str) -> tuple[str, ...]:
    """The field names of a VEP ``CSQ`` (or snpEff ``ANN``) INFO description's ``Format:`` list.

    >>> csq_fields('Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL')
    ('Allele', 'Consequence', 'SYMBOL')
    """
    match = _FORMAT.search(description)
    if match is None:
        return ()
    return tuple(name.strip() for name in match.group(1).split("|"))
