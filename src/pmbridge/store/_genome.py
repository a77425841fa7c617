"""Genome names as stores hold them: assembly aliases, chromosome spellings and RefSeq accessions.

A store keeps what its sources wrote (``hg38`` or ``GRCh38``, ``chr15`` or ``15``). Queries expand a
name to every spelling (so the filter stays a plain ``IN`` on the raw column) and records name a
variant canonically (``GRCh38``, ``chr15``), so stores never need rewriting when sources differ.
"""

from __future__ import annotations

import re

GRCH38 = "GRCh38"
GRCH37 = "GRCh37"

_ASSEMBLY_ALIASES = {
    "grch38": GRCH38,
    "hg38": GRCH38,
    "grch37": GRCH37,
    "hg19": GRCH37,
    "b37": GRCH37,
    "hs37d5": GRCH37,
}
_PATCH = re.compile(r"^(grch3[78])\.p\d+$", re.IGNORECASE)
_CHR_PREFIX = re.compile(r"^chr", re.IGNORECASE)
_MITO = ("M", "MT")
_NUCLEAR = (*(str(n) for n in range(1, 23)), "X", "Y")

# RefSeq accessions of the primary-assembly chromosomes (NCBI GRCh38 and GRCh37 assembly reports).
_GRCH38_VERSIONS = (
    11,
    12,
    12,
    12,
    10,
    12,
    14,
    11,
    12,
    11,
    10,
    12,
    11,
    9,
    10,
    10,
    11,
    10,
    10,
    11,
    9,
    11,
    11,
    10,
)
_GRCH37_VERSIONS = (10, 11, 11, 11, 9, 11, 13, 10, 11, 10, 9, 11, 10, 8, 9, 9, 10, 9, 9, 10, 8, 10, 10, 9)
MITOCHONDRION = "NC_012920.1"  # the revised Cambridge sequence, in both assemblies
REFSEQ: dict[str, dict[str, str]] = {
    assembly: {
        **{
            name: f"NC_{index + 1:06d}.{version}"
            for index, (name, version) in enumerate(zip(_NUCLEAR, versions, strict=True))
        },
        "M": MITOCHONDRION,
    }
    for assembly, versions in ((GRCH38, _GRCH38_VERSIONS), (GRCH37, _GRCH37_VERSIONS))
}
_BY_ACCESSION = {
    accession: (assembly, name)
    for assembly, names in REFSEQ.items()
    for name, accession in names.items()
    if accession != MITOCHONDRION
}


def canonical_assembly(name: str) -> str:
    """The assembly's canonical name; unknown names come back unchanged.

    >>> canonical_assembly("hg38"), canonical_assembly("GRCh37.p13"), canonical_assembly("T2T-CHM13")
    ('GRCh38', 'GRCh37', 'T2T-CHM13')
    """
    text = name.strip()
    patched = _PATCH.match(text)
    key = (patched.group(1) if patched else text).casefold()
    return _ASSEMBLY_ALIASES.get(key, text)


def assembly_spellings(name: str) -> tuple[str, ...]:
    """Every spelling a store may hold for the assembly ``name`` (compared case-sensitively).

    >>> assembly_spellings("hg38")[:5]
    ('GRCh38', 'GRCH38', 'grch38', 'hg38', 'HG38')
    """
    canonical = canonical_assembly(name)
    aliases = sorted(
        (a for a, c in _ASSEMBLY_ALIASES.items() if c == canonical and a != canonical.casefold())
    )
    if not aliases:
        return (canonical,)
    spellings = [canonical, canonical.upper(), canonical.lower()]
    for alias in aliases:
        spellings += [alias, alias.upper()]
    spellings += [f"{canonical}.p{n}" for n in range(1, 15)]
    return tuple(dict.fromkeys(spellings))


def split_accession(name: str) -> tuple[str, str] | None:
    """(assembly, chromosome) of a RefSeq chromosome accession such as ``refseq:NC_000015.10``.

    >>> split_accession("refseq:NC_000015.10"), split_accession("chr15")
    (('GRCh38', '15'), None)
    """
    text = name.strip()
    if text.lower().startswith("refseq:"):
        text = text[len("refseq:") :]
    return _BY_ACCESSION.get(text)


def canonical_chromosome(name: str) -> str:
    """The chromosome without ``chr`` and with ``MT`` as ``M``; accessions become their chromosome.

    >>> [canonical_chromosome(n) for n in ("chr15", "15", "chrX", "MT", "chrM", "NC_000015.10")]
    ['15', '15', 'X', 'M', 'M', '15']
    """
    text = name.strip()
    if text.lower().removeprefix("refseq:") == MITOCHONDRION.lower():
        return "M"
    accession = split_accession(text)
    if accession is not None:
        return accession[1]
    core = _CHR_PREFIX.sub("", text)
    upper = core.upper()
    if upper in _MITO:
        return "M"
    return upper if upper in ("X", "Y") else core


def chromosome_spellings(name: str, *, assembly: str | None = None) -> tuple[str, ...]:
    """Every spelling a store may hold for chromosome ``name`` (and its RefSeq accessions).

    >>> chromosome_spellings("chr15", assembly="hg38")
    ('15', 'chr15', 'CHR15', 'Chr15', 'NC_000015.10')
    """
    core = canonical_chromosome(name)
    cores = _MITO if core == "M" else (core,)
    spellings = [s for c in cores for s in (c, f"chr{c}", f"CHR{c}", f"Chr{c}")]
    assemblies = [canonical_assembly(assembly)] if assembly else list(REFSEQ)
    spellings += [REFSEQ[a][core] for a in assemblies if a in REFSEQ and core in REFSEQ[a]]
    return tuple(dict.fromkeys(spellings))


def refseq_accession(assembly: str, chromosome: str) -> str | None:
    """The RefSeq accession of a chromosome of GRCh38 or GRCh37, else None.

    >>> refseq_accession("hg38", "chr15"), refseq_accession("GRCh37", "X"), refseq_accession("CHM13", "1")
    ('NC_000015.10', 'NC_000023.10', None)
    """
    return REFSEQ.get(canonical_assembly(assembly), {}).get(canonical_chromosome(chromosome))


def variant_id(assembly: str, chromosome: str, position: int, reference: str, alternate: str) -> str:
    """A variant's id at a node: canonical assembly and chromosome, VCF (1-based) position.

    >>> variant_id("hg38", "15", 48600217, "G", "A")
    'GRCh38:chr15:48600217:G:A'
    """
    name = canonical_chromosome(chromosome)
    return f"{canonical_assembly(assembly)}:chr{name}:{position}:{reference}:{alternate}"


def parse_variant_id(text: str) -> tuple[str, str, int, str, str] | None:
    """(assembly, chromosome, position, reference, alternate) of a :func:`variant_id`, else None.

    >>> parse_variant_id("hg38:chr15:48600217:G:A")
    ('GRCh38', '15', 48600217, 'G', 'A')
    >>> parse_variant_id("rs123") is None
    True
    """
    parts = text.strip().split(":")
    if len(parts) != 5 or not parts[2].isdigit() or not all(parts):
        return None
    assembly, chromosome, position, reference, alternate = parts
    return canonical_assembly(assembly), canonical_chromosome(chromosome), int(position), reference, alternate


def assembly_key_sql(column: str) -> str:
    """SQL computing :func:`canonical_assembly` of ``column``, so grouping merges spellings."""
    cases = []
    for canonical in (GRCH38, GRCH37):
        names = [a for a, c in _ASSEMBLY_ALIASES.items() if c == canonical]
        listed = ", ".join(f"'{n}'" for n in names)
        cases.append(
            f"WHEN lower({column}) IN ({listed}) OR lower({column}) LIKE '{canonical.lower()}.p%' "
            f"THEN '{canonical}'"
        )
    return f"(CASE {' '.join(cases)} ELSE {column} END)"


def chromosome_key_sql(column: str) -> str:
    """SQL computing :func:`canonical_chromosome` of ``column``, so grouping merges spellings."""
    core = f"(CASE WHEN lower(left({column}, 3)) = 'chr' THEN substr({column}, 4) ELSE {column} END)"
    accessions = " ".join(f"WHEN '{acc}' THEN '{name}'" for acc, (_, name) in sorted(_BY_ACCESSION.items()))
    return (
        f"(CASE WHEN {column} IN ({', '.join(repr(a) for a in sorted(_BY_ACCESSION))}) "
        f"THEN (CASE {column} {accessions} END) "
        f"WHEN upper({core}) IN ('M', 'MT') OR {column} = '{MITOCHONDRION}' THEN 'M' "
        f"WHEN upper({core}) IN ('X', 'Y') THEN upper({core}) ELSE {core} END)"
    )
