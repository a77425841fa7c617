"""Pseudo-loci, pool variants and genotypes: shapes that downstream VCF/HGVS code relies on."""

from __future__ import annotations

import random
import re

import pytest

from pmbridge.synth._genome import CHROMOSOMES, POOL_SIZE, pick_variant_index, place_gene, pool_variant
from pmbridge.synth._inheritance import Mode, causal_genotype, modes_of

SYMBOLS = ["FBXL4", "DMD", "CFTR", "SCN1A", "MT-ND1", "MT-TL1", "SRY", "BRCA2", "TTN", "A4GALT"]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_locus_is_stable_and_on_its_chromosome(symbol: str) -> None:
    locus = place_gene(symbol)
    assert locus == place_gene(symbol)
    _, length = CHROMOSOMES[locus.chromosome]
    assert 1 <= locus.start < locus.end <= length
    assert (locus.chromosome == "M") == symbol.startswith("MT-")


def test_x_placement_is_honoured() -> None:
    assert place_gene("DMD", chromosome="X").chromosome == "X"
    assert place_gene("SRY", chromosome="Y").chromosome == "Y"


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_pool_variants_are_well_formed(symbol: str) -> None:
    locus = place_gene(symbol)
    accession = CHROMOSOMES[locus.chromosome][0]
    for index in range(POOL_SIZE):
        variant = pool_variant(locus, index)
        assert variant == pool_variant(locus, index)
        assert locus.start <= variant.position <= locus.end
        assert re.fullmatch("[ACGT]+", variant.reference)
        assert re.fullmatch("[ACGT]+", variant.alternate)
        assert variant.reference != variant.alternate
        if len(variant.reference) == len(variant.alternate):
            assert len(variant.reference) == 1
            assert variant.hgvs_g.endswith(f"{variant.position}{variant.reference}>{variant.alternate}")
        else:  # VCF indels keep the anchor base
            assert variant.reference[0] == variant.alternate[0]
        assert variant.hgvs_g.startswith(f"{accession}:{'m' if locus.chromosome == 'M' else 'g'}.")
        assert variant.id == f"{locus.chromosome}-{variant.position}-{variant.reference}-{variant.alternate}"
        if locus.chromosome != "M":
            assert variant.hgvs_c.startswith(f"{symbol}:c.")
            assert re.fullmatch(rf"{symbol}:p\.\([A-Z][a-z]{{2}}\d+.*\)", variant.hgvs_p)
        assert variant.acmg in {"PATHOGENIC", "LIKELY_PATHOGENIC", "UNCERTAIN_SIGNIFICANCE"}


def test_pool_has_snvs_and_indels_and_mostly_pathogenic_classes() -> None:
    variants = [pool_variant(place_gene(s), i) for s in SYMBOLS if not s.startswith("MT-") for i in range(40)]
    snvs = sum(len(v.reference) == len(v.alternate) == 1 for v in variants)
    assert 0.65 < snvs / len(variants) < 0.95
    pathogenic = sum(v.acmg != "UNCERTAIN_SIGNIFICANCE" for v in variants)
    assert pathogenic / len(variants) > 0.8


def test_variant_indices_favour_founders() -> None:
    rng = random.Random(5)
    draws = [pick_variant_index(rng) for _ in range(4000)]
    assert all(0 <= d < POOL_SIZE for d in draws)
    assert draws.count(0) > 4 * draws.count(POOL_SIZE - 1)


def test_modes_of_maps_inheritance_terms() -> None:
    assert modes_of(("HP:0000006", "HP:0000007")) == (Mode.AUTOSOMAL_DOMINANT, Mode.AUTOSOMAL_RECESSIVE)
    assert modes_of(("HP:0001419",)) == (Mode.X_LINKED_RECESSIVE,)
    assert modes_of(("HP:0032113",)) == (Mode.AUTOSOMAL_DOMINANT,)
    assert modes_of(("HP:0003745",)) == (Mode.AUTOSOMAL_DOMINANT,)  # sporadic only


HET, HOM, HEMI = "GENO:0000135", "GENO:0000136", "GENO:0000134"


@pytest.mark.parametrize(
    ("mode", "male", "chromosome", "allowed"),
    [
        (Mode.AUTOSOMAL_DOMINANT, True, "4", {(HET,)}),
        (Mode.AUTOSOMAL_DOMINANT, False, "4", {(HET,)}),
        (Mode.AUTOSOMAL_RECESSIVE, True, "4", {(HOM,), (HET, HET)}),
        (Mode.AUTOSOMAL_RECESSIVE, False, "11", {(HOM,), (HET, HET)}),
        (Mode.X_LINKED_RECESSIVE, True, "X", {(HEMI,)}),
        (Mode.X_LINKED_RECESSIVE, False, "X", {(HET,)}),
        (Mode.X_LINKED_DOMINANT, False, "X", {(HET,)}),
        (Mode.X_LINKED, True, "X", {(HEMI,)}),
        (Mode.Y_LINKED, True, "Y", {(HEMI,)}),
        (Mode.MITOCHONDRIAL, False, "M", {("GENO:0000602",), ("GENO:0000603",)}),
    ],
)
def test_genotype_fits_inheritance(
    mode: Mode, male: bool, chromosome: str, allowed: set[tuple[str, ...]]
) -> None:
    rng = random.Random(11)
    seen = set()
    for _ in range(200):
        genotype = causal_genotype(mode, male=male, chromosome=chromosome, homozygous_share=0.4, rng=rng)
        seen.add(tuple(geno_id for geno_id, _ in genotype))
    assert seen == allowed
