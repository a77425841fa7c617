"""The allele-count floor: neither a variant's allele count nor its complement is small."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pmbridge.model import Zygosity
from pmbridge.privacy import (
    DisclosureSettings,
    allele_count,
    allele_number,
    alleles_carried,
    release_allele_counts,
)


def test_allele_counts_come_from_zygosity() -> None:
    assert alleles_carried(Zygosity.HETEROZYGOUS) == 1
    assert alleles_carried(Zygosity.HOMOZYGOUS) == 2
    assert alleles_carried(Zygosity.HEMIZYGOUS) == 1
    assert alleles_carried(Zygosity.UNKNOWN) == 1  # a carrier has at least one copy
    assert alleles_carried("GENO:0000136") == 2  # as the store keeps it
    assert allele_count(["GENO:0000135"] * 3 + ["GENO:0000136"] * 2) == 7
    assert allele_number(diploid=100, haploid=20) == 220


@given(an=st.integers(0, 400), data=st.data(), floor=st.integers(1, 30))
def test_no_released_allele_count_or_complement_is_below_the_floor(
    an: int, data: st.DataObject, floor: int
) -> None:
    ac = data.draw(st.integers(0, an))
    out = release_allele_counts(ac, an, floor=floor)
    if out.allele_count.value is not None:
        assert out.allele_count.value == ac
        assert ac >= floor  # never a definite absence: 0 is held back like 1 to floor-1
        assert an - ac == 0 or an - ac >= floor
    else:
        assert ac < floor or 0 < an - ac < floor
        assert out.allele_count.rule == "allele_count_floor"
    assert out.allele_number.value is None or out.allele_number.value == 0 or out.allele_number.value >= floor


@given(an=st.integers(0, 400), present=st.integers(1, 9))
def test_absent_and_rare_read_the_same(an: int, present: int) -> None:
    """A reader cannot tell "nobody carries it" from "a few carry it": both are withheld alike."""
    assert (
        release_allele_counts(0, an + present).allele_count
        == release_allele_counts(present, an + present).allele_count
    )


def test_the_default_floor_is_10_alleles() -> None:
    floor = DisclosureSettings().allele_count_floor
    assert floor == 10
    assert release_allele_counts(9, 1000, floor=floor).allele_count.value is None
    assert release_allele_counts(10, 1000, floor=floor).allele_count.value == 10
    assert release_allele_counts(991, 1000, floor=floor).allele_count.value is None  # complement 9
    assert release_allele_counts(990, 1000, floor=floor).allele_count.value == 990
    assert release_allele_counts(0, 1000, floor=floor).frequency is None
    assert release_allele_counts(100, 1000, floor=floor).frequency == 0.1
    assert release_allele_counts(9, 1000, floor=floor).frequency is None
    assert "fewer than 10 chromosomes" in release_allele_counts(4, 1000, floor=floor).allele_count.reason
