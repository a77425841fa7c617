"""Beacon v2 genomic-variant request parameters: parsed, checked, and kept in the wire's coordinates.

Positions stay as Beacon sends them (0-based; ``end`` exclusive); the node converts them to its
store's VCF positions. A combination the spec does not define is refused naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.beacon._unknown_keys import UnknownKey, unknown_keys
from pmbridge.errors import QueryError

_BASES = re.compile(r"^[ACGTUNRYSWKMBDHV.\-]*$")
_CHANGE = re.compile(r"^([A-Z])(\d+)([A-Z*=])$|^([A-Z][a-z]{2})(\d+)([A-Z][a-z]{2}|Ter|\*|=)$")
# Parameter names as the spec's POST schema spells them, then the GET spellings of endpoints.json.
_NAMES = {
    "assemblyId": "assembly_id",
    "referenceName": "reference_name",
    "start": "start",
    "end": "end",
    "referenceBases": "reference_bases",
    "alternateBases": "alternate_bases",
    "variantType": "variant_type",
    "geneId": "gene_id",
    "genomicAlleleShortForm": "allele",
    "aminoacidChange": "aminoacid_change",
    "variantMinLength": "min_length",
    "variantMaxLength": "max_length",
}
_GET_ALIASES = {"geneid": "geneId", "allele": "genomicAlleleShortForm"}
PARAMETERS = tuple(_NAMES)
MAX_INTEGER = 2**53 - 1
"""The largest integer a request may carry (paging, positions, lengths): the largest that every JSON
implementation reads exactly, and far beyond any genome position or page."""


@dataclass(frozen=True, slots=True)
class VariantParams:
    """The ``g_variant`` request parameters of one request; all empty means none were sent."""

    assembly_id: str | None = None
    reference_name: str | None = None
    start: tuple[int, ...] = ()
    end: tuple[int, ...] = ()
    reference_bases: str | None = None
    alternate_bases: str | None = None
    variant_type: str | None = None
    gene_id: str | None = None
    allele: str | None = None
    aminoacid_change: str | None = None
    min_length: int | None = None
    max_length: int | None = None

    @property
    def empty(self) -> bool:
        return self == VariantParams()

    @property
    def kind(self) -> str:
        """``sequence``, ``range``, ``bracket``, or ``other`` (gene, allele…) / ``none``.

        >>> parse_variant_params({"referenceName": "15", "start": [5], "end": [9]}).kind
        'range'
        """
        if len(self.start) == 2:
            return "bracket"
        if self.end:
            return "range"
        if self.start:
            return "sequence"
        return "none" if self.empty else "other"

    def as_json(self) -> dict[str, object]:
        """The parameters as the spec names them, for forwarding and the request summary."""
        out: dict[str, object] = {}
        for name, attribute in _NAMES.items():
            value = getattr(self, attribute)
            if value not in (None, ()):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


_THREE = "Ala Arg Asn Asp Cys Gln Glu Gly His Ile Leu Lys Met Phe Pro Ser Thr Trp Tyr Val".split()  # noqa: SIM905
_AMINO_ACIDS = dict(zip("ARNDCQEGHILKMFPSTWYV", _THREE, strict=True)) | {"*": "Ter", "=": "="}


def three_letter_change(change: str) -> str:
    """An amino-acid change in HGVS three-letter form, as protein HGVS expressions write it.

    >>> three_letter_change("V600E"), three_letter_change("Val600Glu"), three_letter_change("R213*")
    ('Val600Glu', 'Val600Glu', 'Arg213Ter')
    """
    match = _CHANGE.match(change)
    if match is None or match.group(1) not in _AMINO_ACIDS:
        return change
    before, position, after = match.group(1, 2, 3)
    return f"{_AMINO_ACIDS[before]}{position}{_AMINO_ACIDS.get(after, after)}"


def parse_variant_params(doc: Mapping[str, object], *, where: str = "requestParameters") -> VariantParams:
    """Parameters from a POST body's ``requestParameters`` (flat, or nested under ``g_variant``).

    >>> parse_variant_params({"g_variant": {"referenceName": "chr15", "start": 48600216,
    ...     "referenceBases": "g", "alternateBases": "A"}}).start
    (48600216,)
    """
    nested = doc.get("g_variant")
    if isinstance(nested, Mapping):
        doc = {**{k: v for k, v in doc.items() if k != "g_variant"}, **nested}
    values: dict[str, object] = {}
    for name, attribute in _NAMES.items():
        if doc.get(name) is not None:
            values[attribute] = _value(name, doc[name], f"{where}.{name}")
    return _checked(VariantParams(**values))  # type: ignore[arg-type]


def parse_variant_query_string(params: Mapping[str, str]) -> VariantParams:
    """Parameters from a GET query string; ``start=5,9`` and repeated keys both give two values."""
    doc: dict[str, object] = {}
    for key, text in params.items():
        name = _GET_ALIASES.get(key, key)
        if name in _NAMES and text.strip():
            doc[name] = [p.strip() for p in text.split(",")] if name in ("start", "end") else text.strip()
    return parse_variant_params(doc, where="query string")


def unknown_parameters(doc: Mapping[str, object]) -> tuple[UnknownKey, ...]:
    """Keys of ``requestParameters`` (and of its ``g_variant``) that neither variants nor datasets
    use, to report back with the parameter each most resembles.

    >>> [(k.name, k.suggestion) for k in unknown_parameters({"g_variant": {"referenceNmae": "15"}})]
    [('requestParameters.g_variant.referenceNmae', 'referenceName')]
    """
    found = unknown_keys(
        doc,
        known=(*_NAMES, "g_variant", "datasets", "datasetIds", "$schema"),
        prefix="requestParameters.",
        parameter=True,
    )
    nested = doc.get("g_variant")
    if isinstance(nested, Mapping):
        found += unknown_keys(
            nested, known=(*_NAMES, "$schema"), prefix="requestParameters.g_variant.", parameter=True
        )
    return found


def _value(name: str, value: object, where: str) -> object:
    if name in ("start", "end"):
        items = value if isinstance(value, list) else [value]
        if not 1 <= len(items) <= 2:
            raise QueryError(f"{where} must have one or two positions, got {len(items)}")
        return tuple(_integer(item, where, minimum=0) for item in items)
    if name in ("variantMinLength", "variantMaxLength"):
        return _integer(value, where, minimum=0)
    if not isinstance(value, str) or (not value.strip() and name not in ("referenceBases", "alternateBases")):
        raise QueryError(f"{where} must be a non-empty string, got {value!r}")
    text = value.strip()
    if name in ("referenceBases", "alternateBases"):
        text = text.upper()
        if not _BASES.match(text):
            raise QueryError(
                f"{where} {value!r} is not a sequence of bases",
                hint='use IUPAC nucleotide letters, N as a wildcard, e.g. "alternateBases": "A"',
            )
    if name == "aminoacidChange" and not _CHANGE.match(text):
        raise QueryError(f"{where} {value!r} is not an amino-acid change", hint='e.g. "V600E" or "Val600Glu"')
    return text


def _integer(value: object, where: str, *, minimum: int) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    return bounded(number, value, where, minimum=minimum)


def bounded(number: int | None, value: object, where: str, *, minimum: int) -> int:
    """``number`` (read from ``value``) when it is an integer from ``minimum`` to :data:`MAX_INTEGER`.

    >>> bounded(2**60, "1152921504606846976", "skip", minimum=0)
    Traceback (most recent call last):
    ...
    pmbridge.errors.QueryError: skip must be an integer from 0 to 9007199254740991, got ...
    """
    if number is None or not minimum <= number <= MAX_INTEGER:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise QueryError(
            f"{where} must be an integer from {minimum} to {MAX_INTEGER}, got {shown}",
            hint="send a whole number in that range (positions are 0-based bases; paging counts entries)",
        )
    return number


def _checked(params: VariantParams) -> VariantParams:
    """Refuse the combinations the spec does not define, saying what to send instead."""
    start, end = params.start, params.end
    if end and not start:
        raise QueryError(
            "end was given without start",
            hint="a range query sends start and end, e.g. start=[100], end=[200]",
        )
    if start and not params.reference_name:
        raise QueryError(
            "start was given without referenceName", hint='name the chromosome, e.g. "referenceName": "15"'
        )
    if params.reference_name and not start:
        raise QueryError(
            "referenceName was given without start",
            hint="send start (and alternateBases) for a sequence query, or start and end for a range",
        )
    if start and end and len(start) != len(end):
        raise QueryError(
            "start and end must both have one value (range query) or both two (bracket query)",
            hint="e.g. start=[100], end=[200], or start=[100,110], end=[200,210]",
        )
    if len(start) == 2 and not end:
        raise QueryError("a bracket query needs end as well", hint="e.g. start=[100,110], end=[200,210]")
    if len(start) == 1 and not end and params.alternate_bases is None:
        raise QueryError(
            "a sequence query (start without end) needs alternateBases",
            hint='add "alternateBases" (e.g. "A"), or send end for a range query',
        )
    if len(start) == 1 and end and end[0] <= start[0]:
        raise QueryError(f"end ({end[0]}) must be greater than start ({start[0]}): end is exclusive")
    if len(start) == 2 and not (start[0] < start[1] and end[0] < end[1]):
        raise QueryError(
            "bracket bounds must be increasing: start=[min,max], end=[min,max] with min < max",
            hint="max is exclusive: start=[s, s+1] asks for a start at exactly s",
        )
    if (
        params.min_length is not None
        and params.max_length is not None
        and params.min_length > params.max_length
    ):
        raise QueryError("variantMinLength is greater than variantMaxLength")
    return params
