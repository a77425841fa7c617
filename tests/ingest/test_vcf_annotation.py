"""The batch readings of snpEff ANN equal the per-record ones: :func:`first_anns` against
:func:`first_ann`, and the multi-allelic shortcut and the faster ANN loop against the loop as it was."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pmbridge.ingest._vcf_annotation import (
    AltAnnotation,
    Annotator,
    ann_annotations,
    first_ann,
    first_anns,
)

# Pieces that make well-formed, nearly well-formed and broken ANN values: empty fields, commas in
# odd places, c./p. prefixes with and without spaces, non-ASCII text and newlines.
PIECES = st.sampled_from(
    ["|", "|", "|", ",", "c.", "p.", "c.5A>T", "p.K2M", " ", "\n", "G1", "NM_1.2", "A", "T", "é", "", "x"]
)
VALUES = st.lists(PIECES, max_size=40).map("".join)


def well_formed(alt: str, gene: str, c_dot: str, p_dot: str) -> str:
    fields = [alt, "missense_variant", "MODERATE", gene, gene, "transcript", "NM_9.1", "coding", "1/1"]
    return "|".join([*fields, c_dot, p_dot, "", "", ""])


def expected(value: str | None) -> tuple[str | None, list[str] | None]:
    if value is None:
        return None, None
    gene, hgvs = first_ann(value) or AltAnnotation()
    return gene, list(hgvs)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | VALUES, max_size=12))
@example([well_formed("T", "BRCA1", "c.5A>T", "p.K2M"), None, "", "T|x|y|||"])
@example([well_formed("T", "G", "c.5A>T ", "p.K2M"), well_formed("T", "G", "c.1", "q.1")])
@example(["T|m|M|G1|E|t|NM_1|c|1|c.1|p.1,A|m|M|G2|E|t|NM_2|c|1|c.2|p.2", "\n|a|b|G|E|t|F|c|1|c.|p."])
def test_first_anns_equals_first_ann_per_value(values: list[str | None]) -> None:
    genes, hgvs = first_anns(values)
    assert list(zip(genes.to_pylist(), hgvs.to_pylist(), strict=True)) == [expected(v) for v in values]


def ann_as_it_was(value: str, alts: Sequence[str]) -> list[AltAnnotation | None]:
    """The ANN loop before its shortcut for a well-formed entry: the oracle of the faster one."""
    found: list[AltAnnotation | None] = [None] * len(alts)
    index = {alt: i for i, alt in enumerate(alts)}
    for entry in value.split(","):
        fields = entry.split("|")
        if len(fields) < 4 or not fields[3]:
            continue
        i = index.get(fields[0], 0 if len(alts) == 1 else -1)
        if i < 0 or found[i] is not None:
            continue
        feature = fields[6] if len(fields) > 6 else ""
        found[i] = AltAnnotation(fields[3], hgvs_as_it_was(feature, *fields[9:11], gene=fields[3]))
        if all(a is not None for a in found):
            break
    return found


def hgvs_as_it_was(feature: str, *expressions: str, gene: str = "") -> tuple[str, ...]:
    out = []
    for written in expressions:
        expression = written.strip()
        if expression.startswith("p.") and gene:
            out.append(f"{gene}:{expression}")
        elif expression.startswith(("c.", "p.")):
            out.append(f"{feature}:{expression}" if feature else expression)
        elif ":c." in expression or ":p." in expression:
            out.append(unquote(expression))
    return tuple(out)


ALTS = st.lists(st.sampled_from(["A", "T", "AT", "G", "<DEL>", "*"]), min_size=2, max_size=4)
ENTRY = st.tuples(
    st.sampled_from(["A", "T", "AT", "G", "C", ""]),
    st.sampled_from(["", "G1", "G2"]),
    st.sampled_from(["", "NM_1.1"]),
    st.sampled_from(["c.1A>T", "c.2del ", " c.3", "", "n.5", "NM_2:c.4"]),
    st.sampled_from(["p.K1M", "p.Ter%3D ", "", "ENSP1:p.X", "q"]),
    st.integers(4, 16),
)


def entry_text(entry: tuple[str, str, str, str, str, int]) -> str:
    allele, gene, feature, c_dot, p_dot, width = entry
    fields = [
        allele,
        "missense",
        "MODERATE",
        gene,
        gene,
        "transcript",
        feature,
        "coding",
        "1/1",
        c_dot,
        p_dot,
    ]
    return "|".join((fields + [""] * 16)[:width])


@settings(max_examples=400, deadline=None)
@given(st.lists(ENTRY, max_size=5), ALTS)
def test_ann_annotations_equal_annotate_and_the_loop_as_it_was(
    entries: list[tuple[str, str, str, str, str, int]], alts: list[str]
) -> None:
    value = ",".join(entry_text(e) for e in entries)
    annotator = Annotator({"ANN": "snpEff"})
    shortcut = ann_annotations(value, alts)
    assert shortcut == annotator.annotate({"ANN": value}.get, "A", alts)
    assert shortcut == [a or AltAnnotation() for a in ann_as_it_was(value, alts)] if value else True
    assert ann_annotations(None, alts) == annotator.annotate({}.get, "A", alts)
