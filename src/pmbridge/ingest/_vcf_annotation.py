"""Gene and HGVS of each ALT of a VCF record, from snpEff ``ANN`` / ``EFF``, VEP ``CSQ`` (its format
read from the header), ``GENEINFO`` / ``GENE``, and ClinVar's ``CLNSIG`` for the interpretation.

For each ALT the first annotation naming a gene wins (snpEff and VEP list the most severe first);
its HGVS ``c.`` and ``p.`` are kept, a bare ``c.`` prefixed with the transcript and a bare ``p.`` with
the gene (a protein change on a transcript accession is not HGVS).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmbridge.ingest._vcf_header import csq_fields
from pmbridge.model import Interpretation

InfoGetter = Callable[[str], object]
_CLNSIG = {
    "pathogenic": Interpretation.PATHOGENIC,
    "likely_pathogenic": Interpretation.LIKELY_PATHOGENIC,
    "pathogenic/likely_pathogenic": Interpretation.LIKELY_PATHOGENIC,
    "uncertain_significance": Interpretation.UNCERTAIN_SIGNIFICANCE,
    "likely_benign": Interpretation.LIKELY_BENIGN,
    "benign/likely_benign": Interpretation.LIKELY_BENIGN,
    "benign": Interpretation.BENIGN,
}
CLNSIG_OF = {value: name.capitalize() for name, value in reversed(_CLNSIG.items())}
"""ClinVar's CLNSIG spelling of each interpretation (``Likely_pathogenic``), for writers."""


class AltAnnotation(NamedTuple):
    gene: str | None = None
    hgvs: tuple[str, ...] = ()


_NONE = AltAnnotation()


class Annotator:
    """Reads the annotation INFO fields a header declares; a header declaring none costs nothing."""

    def __init__(self, info_descriptions: Mapping[str, str]) -> None:
        self.keys = tuple(k for k in ("ANN", "CSQ", "EFF", "GENEINFO", "GENE") if k in info_descriptions)
        self._csq = csq_fields(info_descriptions.get("CSQ", ""))
        self._hgvsg = next((k for k in ("HGVSG", "HGVSg") if k in info_descriptions), None)
        self.has_interpretation = "CLNSIG" in info_descriptions
        self.empty = not (self.keys or self._hgvsg)
        self.ann_first = self.keys[:1] == ("ANN",) and self._hgvsg is None
        """True when the first ANN entry naming a gene answers a one-ALT record: see :func:`first_ann`."""

    def annotate(self, info: InfoGetter, ref: str, alts: Sequence[str]) -> list[AltAnnotation]:
        """One annotation per ALT, in ALT order (no gene and no HGVS where nothing says)."""
        if self.ann_first and len(alts) == 1:
            value = info("ANN")  # the common case, kept short: one ALT, snpEff
            if type(value) is str and (one := first_ann(value)) is not None:
                return [one]
        found: list[AltAnnotation | None] = [None] * len(alts)
        for key in self.keys:
            value = info(key)
            if not isinstance(value, str) or not value:
                continue
            if key == "ANN":
                _fill(found, _ann(value, alts))
            elif key == "CSQ":
                _fill(found, _csq(value, ref, alts, self._csq))
            elif key == "EFF":
                _fill(found, _eff(value, alts))
            else:
                gene = value.split("|")[0].split(":")[0].split(",")[0].strip()
                _fill(found, [AltAnnotation(gene) if gene else None] * len(alts))
            if all(a is not None for a in found):
                break
        result = [a or _NONE for a in found]
        if self._hgvsg is not None:
            result = _with_hgvsg(result, info(self._hgvsg))
        return result

    def interpretation(self, info: InfoGetter) -> Interpretation:
        """The ClinVar significance (``CLNSIG``) of the site, NOT_PROVIDED when none or unknown."""
        value = info("CLNSIG")
        if not isinstance(value, str):
            return Interpretation.NOT_PROVIDED
        first = value.replace("|", ",").split(",")[0].strip().lower()
        return _CLNSIG.get(first, Interpretation.NOT_PROVIDED)


def _fill(found: list[AltAnnotation | None], new: Sequence[AltAnnotation | None]) -> None:
    for index, annotation in enumerate(new):
        if found[index] is None and annotation is not None and annotation.gene:
            found[index] = annotation


def _hgvs(feature: str, *expressions: str, gene: str = "") -> tuple[str, ...]:
    """Expressions as stored: a bare ``c.`` on the transcript (``feature``), a bare ``p.`` on the gene,
    since a protein change on a transcript accession is not HGVS and the tools name no protein."""
    out = []
    for written in expressions:
        expression = written.strip()
        if expression.startswith("p.") and gene:
            out.append(f"{gene}:{expression}")
        elif expression.startswith(("c.", "p.")):
            out.append(f"{feature}:{expression}" if feature else expression)
        elif ":c." in expression or ":p." in expression:
            out.append(unquote(expression))  # VEP writes 'p.Ter%3D' URL-encoded
    return tuple(out)


def _ann(value: str, alts: Sequence[str]) -> list[AltAnnotation | None]:
    """snpEff ANN: Allele|Annotation|Impact|Gene_Name|Gene_ID|Feature_Type|Feature_ID|…|HGVS.c|HGVS.p|…"""
    found: list[AltAnnotation | None] = [None] * len(alts)
    index = {alt: i for i, alt in enumerate(alts)}
    missing = len(alts)
    for entry in value.split(","):
        fields = entry.split("|", 11)  # fields 0-10 are read; the rest stay in one string
        if len(fields) < 4 or not (gene := fields[3]):
            continue
        i = index.get(fields[0], 0 if len(alts) == 1 else -1)
        if i < 0 or found[i] is not None:
            continue
        feature = fields[6] if len(fields) > 6 else ""
        if (
            len(fields) > 10
            and feature
            and (c_dot := fields[9].strip()).startswith("c.")
            and (p_dot := fields[10].strip()).startswith("p.")
        ):  # the common case, what _hgvs makes of it without its loop
            found[i] = _ANNOTATION(AltAnnotation, (gene, (f"{feature}:{c_dot}", f"{gene}:{p_dot}")))
        else:
            found[i] = AltAnnotation(gene, _hgvs(feature, *fields[9:11], gene=gene))
        missing -= 1
        if not missing:
            break
    return found


def ann_annotations(value: object, alts: Sequence[str]) -> list[AltAnnotation]:
    """What :meth:`Annotator.annotate` answers for a record of two or more ALTs whose ANN value is
    ``value``, when ANN is the only annotation field the header declares: without the loop over
    fields, for the ingest's multi-allelic records.

    >>> ann_annotations("A|m|M|G1|E|t|NM_1|c|1|c.1A>G|p.K1E,C|m|M|G2|E|t|NM_1|c|1|c.1A>C|", "AC")[1]
    AltAnnotation(gene='G2', hgvs=('NM_1:c.1A>C',))
    """
    if not isinstance(value, str) or not value:
        return [_NONE] * len(alts)
    return [a or _NONE for a in _ann(value, alts)]


_WELL_FORMED = (
    r"[^|,]*\|[^|,]*\|[^|,]*\|(?P<gene>[^|,]+)\|[^|,]*\|[^|,]*\|(?P<feature>[^|,]+)\|[^|,]*\|[^|,]*\|"
    r"(?P<c>c\.[^|,]*)\|(?P<p>p\.[^|,]*)"
)
_WELL_FORMED_ANN = re.compile(_WELL_FORMED).match
"""An ANN whose first entry names a gene, a feature, ``c.`` and ``p.``: one match, not a split."""
_WELL_FORMED_AT_START = "^" + _WELL_FORMED  # Arrow's extract_regex searches; re's match anchors
_HGVS_LIST = pa.list_(pa.string())
_ANNOTATION = tuple.__new__  # AltAnnotation's own constructor is a Python function: slow per record


def first_ann(value: str) -> AltAnnotation | None:
    """The first ANN entry naming a gene, reading no further than it.

    >>> first_ann("T|missense_variant|MODERATE|BRCA1|E1|transcript|NM_7.4|coding|2/9|c.5A>T|p.K2M|")
    AltAnnotation(gene='BRCA1', hgvs=('NM_7.4:c.5A>T', 'BRCA1:p.K2M'))
    >>> first_ann("T|intergenic_region|MODIFIER|||,T|missense_variant|MODERATE|TP53|ENSG2")
    AltAnnotation(gene='TP53', hgvs=())
    """
    if (found := _WELL_FORMED_ANN(value)) is not None:
        gene, feature, c_dot, p_dot = found.groups()
        return _ANNOTATION(AltAnnotation, (gene, (f"{feature}:{c_dot}", f"{gene}:{p_dot}")))
    start = 0
    while True:
        end = value.find(",", start)
        fields = (value[start:] if end < 0 else value[start:end]).split("|", 11)
        if len(fields) > 10 and fields[3]:
            feature, c_dot, p_dot = fields[6], fields[9], fields[10]
            if c_dot.startswith("c.") and p_dot.startswith("p.") and feature:
                return AltAnnotation(fields[3], (f"{feature}:{c_dot}", f"{fields[3]}:{p_dot}"))
            return AltAnnotation(fields[3], _hgvs(feature, c_dot, p_dot, gene=fields[3]))
        if len(fields) > 3 and fields[3]:
            feature = fields[6] if len(fields) > 6 else ""
            return AltAnnotation(fields[3], _hgvs(feature, *fields[9:11], gene=fields[3]))
        if end < 0:
            return None
        start = end + 1


def first_anns(values: Sequence[str | None]) -> tuple[pa.Array, pa.Array]:
    """:func:`first_ann` of a whole batch's ANN values at once: the gene (string) and HGVS (list of
    string) arrays, null where a value is None, no gene and no HGVS where first_ann finds nothing.

    One RE2 pass over the batch reads the well-formed first entries (most of a snpEff file), where a
    Python match per record cost as much as reading the record; the rest go through first_ann.

    >>> gene, hgvs = first_anns(["T|m|M|G1|E|t|NM_1.1|c|1|c.5A>T|p.K2M", None, "T|i|M|||,T|m|M|G2|E"])
    >>> gene.to_pylist(), hgvs.to_pylist()
    (['G1', None, 'G2'], [['NM_1.1:c.5A>T', 'G1:p.K2M'], None, []])
    """
    n = len(values)
    raw = pa.array(values, pa.string())
    found = pc.extract_regex(raw, _WELL_FORMED_AT_START)
    matched = found.is_valid()
    gene = found.field("gene")
    c_dot = pc.binary_join_element_wise(found.field("feature"), found.field("c"), ":")
    p_dot = pc.binary_join_element_wise(gene, found.field("p"), ":")
    order = np.arange(2 * n, dtype=np.int64).reshape(2, n).T.ravel()  # c., p. of each row in turn
    written = pa.ListArray.from_arrays(
        pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32)),
        pa.concat_arrays([c_dot, p_dot]).take(pa.array(order)),
    )
    rest = np.flatnonzero(~np.asarray(matched) & np.asarray(raw.is_valid()))
    if not len(rest):
        return pc.if_else(matched, gene, None), pc.if_else(matched, written, pa.scalar(None, _HGVS_LIST))
    genes: list[str | None] = [None] * n
    hgvs: list[tuple[str, ...] | None] = [None] * n
    for i in rest.tolist():
        genes[i], hgvs[i] = first_ann(values[i]) or _NONE  # type: ignore[arg-type]
    return (
        pc.if_else(matched, gene, pa.array(genes, pa.string())),
        pc.if_else(matched, written, pa.array(hgvs, _HGVS_LIST)),
    )


def _csq(value: str, ref: str, alts: Sequence[str], names: Sequence[str]) -> list[AltAnnotation | None]:
    """VEP CSQ, fields named by the header's Format (SYMBOL, HGVSc, HGVSp, Allele or ALLELE_NUM)."""
    column = {name: i for i, name in enumerate(names)}
    symbol, allele_num = column.get("SYMBOL"), column.get("ALLELE_NUM")
    if symbol is None:
        return [None] * len(alts)
    vep_alleles = _vep_alleles(ref, alts)
    found: list[AltAnnotation | None] = [None] * len(alts)
    for entry in value.split(","):
        fields = entry.split("|")
        if len(fields) <= symbol or not fields[symbol]:
            continue
        if allele_num is not None and len(fields) > allele_num and fields[allele_num].isdigit():
            i = int(fields[allele_num]) - 1
        elif len(alts) == 1:
            i = 0
        else:
            allele = fields[column["Allele"]] if "Allele" in column else ""
            i = vep_alleles.index(allele) if allele in vep_alleles else -1
        if not 0 <= i < len(alts) or found[i] is not None:
            continue
        expressions = [
            fields[column[n]] for n in ("HGVSc", "HGVSp") if n in column and column[n] < len(fields)
        ]
        hgvsg = column.get("HGVSg")
        prefix = (fields[hgvsg],) if hgvsg is not None and hgvsg < len(fields) and fields[hgvsg] else ()
        found[i] = AltAnnotation(fields[symbol], prefix + _hgvs("", *expressions))
    return found


def _vep_alleles(ref: str, alts: Sequence[str]) -> list[str]:
    """ALTs as VEP writes them: the first base dropped when every allele shares it, '-' for none."""
    if all(a[:1] == ref[:1] for a in alts) and any(len(a) != len(ref) for a in alts):
        return [a[1:] or "-" for a in alts]
    return list(alts)


def _eff(value: str, alts: Sequence[str]) -> list[AltAnnotation | None]:
    """snpEff EFF: Effect(Impact|Class|Codon|AA_change|AA_len|Gene|BioType|Coding|Transcript|Exon|GT_num…)"""
    found: list[AltAnnotation | None] = [None] * len(alts)
    for entry in value.split(","):
        inner = entry[entry.find("(") + 1 : entry.rfind(")")] if "(" in entry else ""
        fields = inner.split("|")
        if len(fields) < 6 or not fields[5]:
            continue
        number = fields[10] if len(fields) > 10 else ""
        i = int(number) - 1 if number.isdigit() and len(alts) > 1 else 0
        if not 0 <= i < len(alts) or found[i] is not None:
            continue
        transcript = fields[8] if len(fields) > 8 else ""
        found[i] = AltAnnotation(fields[5], _hgvs(transcript, *fields[3].split("/"), gene=fields[5]))
    return found


def _with_hgvsg(annotations: list[AltAnnotation], value: object) -> list[AltAnnotation]:
    if not isinstance(value, str) or not value:
        return annotations
    per_alt = value.split(",")
    if len(per_alt) != len(annotations):
        return annotations
    return [
        AltAnnotation(a.gene, (g, *a.hgvs) if g and g != "." and g not in a.hgvs else a.hgvs)
        for a, g in zip(annotations, per_alt, strict=True)
    ]
