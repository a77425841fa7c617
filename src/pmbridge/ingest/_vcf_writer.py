"""A synthetic cohort's variants as one multi-sample VCF (sorted, bgzipped, tabix-indexed) + sample sheet.

One column per person; GT from the allelic state (``0/1``, ``1/1``, hemizygous ``1``, unknown ``./1``;
``0/0``, or ``0`` for a male on X/Y, where a person does not carry the site); ``ANN`` with gene and
HGVS ``c.``/``p.``, ``HGVSG`` with the genomic HGVS and ``CLNSIG`` with the ACMG class, so the VCF
path gives the same gene, HGVS and interpretation answers as the phenopackets it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pysam

from pmbridge.ingest._convert import to_patient_record
from pmbridge.ingest._vcf_annotation import CLNSIG_OF
from pmbridge.ingest._vcf_sheet import COLUMNS
from pmbridge.model import Interpretation, Sex, Variant, Zygosity

_GT = {
    Zygosity.HETEROZYGOUS: "0/1",
    Zygosity.HOMOZYGOUS: "1/1",
    Zygosity.HEMIZYGOUS: "1",
    Zygosity.UNKNOWN: "./1",
}
_SEX_CHROMOSOMES = re.compile(r"^(chr)?[XY]$", re.IGNORECASE)
_HEADER = """##fileformat=VCFv4.3
##source=pmbridge synthetic cohort
##reference={assembly}
{contigs}##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO'">
##INFO=<ID=HGVSG,Number=A,Type=String,Description="Genomic HGVS of each ALT">
##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance (ClinVar spelling of the ACMG class)">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}
"""  # noqa: E501 (the ANN description is snpEff's, verbatim)


@dataclass(slots=True)
class _Site:
    variant: Variant
    carriers: dict[int, str] = field(default_factory=dict)  # column → GT


def write_vcf(phenopackets: Iterable[Mapping[str, object]], out_vcf: Path, out_sheet: Path) -> None:
    """Write the variants of ``phenopackets`` to ``out_vcf`` (bgzipped; ``.tbi`` beside it) and the
    sample sheet linking its columns to the individuals to ``out_sheet`` (TSV)."""
    individuals: list[str] = []
    haploid_xy: list[bool] = []
    sites: dict[tuple[str, int, str, str], _Site] = {}
    assemblies: set[str] = set()
    for doc in phenopackets:
        record = to_patient_record(doc, dataset_id="")
        column = len(individuals)
        individuals.append(record.individual.id)
        haploid_xy.append(record.individual.sex is Sex.MALE)
        for v in record.variants:
            if v.chromosome is None or v.position is None or not v.reference or not v.alternate:
                continue
            assemblies.add(v.assembly or "")
            site = sites.setdefault((v.chromosome, v.position, v.reference, v.alternate), _Site(v))
            site.carriers[column] = _GT[v.zygosity]
    if len(assemblies) > 1:
        raise ValueError(f"the cohort mixes assemblies {sorted(assemblies)}; one VCF holds one assembly")
    assembly = next(iter(assemblies), "") or "GRCh38"
    samples = [f"S{n + 1:06d}" for n in range(len(individuals))]
    text_path = out_vcf.with_name(out_vcf.name.removesuffix(".gz"))
    order = sorted(sites, key=lambda key: (_contig_rank(key[0]), key[1], key[2], key[3]))
    contigs = "".join(
        f"##contig=<ID={c},assembly={assembly}>\n" for c in dict.fromkeys(key[0] for key in order)
    )
    with text_path.open("w", encoding="utf-8") as out:
        out.write(_HEADER.format(assembly=assembly, contigs=contigs, samples="\t".join(samples)))
        for key in order:
            site = sites[key]
            haploid = bool(_SEX_CHROMOSOMES.match(key[0]))
            calls = [("0" if haploid and male else "0/0") for male in haploid_xy]
            for column, gt in site.carriers.items():
                calls[column] = gt
            out.write(f"{_site_columns(site.variant)}\tGT\t" + "\t".join(calls) + "\n")
    pysam.tabix_index(str(text_path), preset="vcf", force=True, keep_original=False)
    compressed = Path(f"{text_path}.gz")
    if compressed != out_vcf:
        compressed.replace(out_vcf)
        Path(f"{compressed}.tbi").replace(Path(f"{out_vcf}.tbi"))
    out_sheet.write_text(
        "\t".join(COLUMNS) + "\n" + "".join(f"{s}\t{i}\n" for s, i in zip(samples, individuals, strict=True)),
        encoding="utf-8",
    )


def _site_columns(v: Variant) -> str:
    gene = v.gene_symbol or ""
    coding = [h.split(":", 1) for h in v.hgvs if ":c." in h or ":p." in h]
    c_dot = next((expr for _, expr in coding if expr.startswith("c.")), "")
    p_dot = next((expr for _, expr in coding if expr.startswith("p.")), "")
    feature = next((ref for ref, _ in coding), gene)  # the synthetic HGVS is written on the gene
    info = []
    if gene:
        info.append(f"ANN={v.alternate}|sequence_variant|MODERATE|{gene}|{gene}|transcript|{feature}|"
                    f"protein_coding||{c_dot}|{p_dot}|||||")  # fmt: skip
    genomic = next((h for h in v.hgvs if ":g." in h or ":m." in h), None)
    if genomic:
        info.append(f"HGVSG={genomic}")
    if v.interpretation is not Interpretation.NOT_PROVIDED:
        info.append(f"CLNSIG={CLNSIG_OF[v.interpretation]}")
    return f"{v.chromosome}\t{v.position}\t.\t{v.reference}\t{v.alternate}\t.\tPASS\t{';'.join(info) or '.'}"


def _contig_rank(chrom: str) -> tuple[int, str]:
    """1…22, X, Y, M, then other contigs by name (the order of the GRCh assemblies)."""
    name = chrom.removeprefix("chr").removeprefix("Chr")
    if name.isdigit():
        return int(name), ""
    return {"X": 23, "Y": 24, "M": 25, "MT": 25}.get(name, 26), name
