"""Ontology ids (CURIEs) in the fields ingest reads, checked for form before a record is converted:
an empty or malformed id is an error naming the field and the fix, never a silently dropped term.

Whether a well-formed HPO id is a term of the loaded release is judged later (``_check``), against
the ontology itself; here only the shape counts, so ``HP:ABC`` or ``HP:12345`` never reach a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

__all__ = ["LOCAL_ID_FORMS", "curie_problem", "curie_problems"]

_CURIE = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*):([^\s:][^\s]*)")
LOCAL_ID_FORMS: Mapping[str, tuple[str, str]] = {
    # prefix: (the local part's pattern, an example id); other prefixes need only CURIE syntax
    "HP": (r"[0-9]{7}", "HP:0001250"),
    "MONDO": (r"[0-9]{7}", "MONDO:0007947"),
    "GENO": (r"[0-9]{7}", "GENO:0000135"),
    "UBERON": (r"[0-9]{7}", "UBERON:0002107"),
    "CL": (r"[0-9]{7}", "CL:0000236"),
    "SO": (r"[0-9]{7}", "SO:0001583"),
    "OMIM": (r"[0-9]{6}", "OMIM:154700"),
    "ORPHA": (r"[0-9]{1,7}", "ORPHA:558"),
    "NCIT": (r"C[0-9]{1,7}", "NCIT:C3262"),
}
_LOCAL = {prefix: re.compile(pattern) for prefix, (pattern, _) in LOCAL_ID_FORMS.items()}
_EMPTY: Mapping[str, object] = {}


def curie_problem(value: object, *, field: str) -> str | None:
    """Why ``value`` is not a usable ontology id for ``field`` (None when it is).

    >>> curie_problem("HP:0001250", field="a phenotype") is None
    True
    >>> curie_problem("HP:ABC", field="a phenotype")
    "'HP:ABC' is not a valid HP id (HP: and 7 digits, e.g. HP:0001250); correct a phenotype's id"
    >>> curie_problem("", field="a disease")
    'the id of a disease is empty; give the ontology id (e.g. OMIM:154700), or remove the entry'
    """
    if not isinstance(value, str) or not value.strip():
        return (
            f"the id of {field} is empty; give the ontology id (e.g. {_example(field)}), or remove the entry"
        )
    match = _CURIE.fullmatch(value)
    if match is None:
        return f"{value!r} is not an ontology id (PREFIX:ID, e.g. {_example(field)}); correct {field}'s id"
    prefix, local = match.groups()
    canonical = next((p for p in LOCAL_ID_FORMS if p.lower() == prefix.lower()), None)
    if canonical is None:
        return None
    pattern, example = LOCAL_ID_FORMS[canonical]
    if prefix != canonical:
        return f"{value!r}: write the prefix as {canonical} (e.g. {example}); ids are case-sensitive"
    if _LOCAL[canonical].fullmatch(local) is None:
        form = _described(canonical, pattern)
        return f"{value!r} is not a valid {canonical} id ({form}, e.g. {example}); correct {field}'s id"
    return None


def curie_problems(doc: Mapping[str, object]) -> list[tuple[str, str]]:
    """(JSON path, reason) for every empty or malformed ontology id that conversion would read."""
    return [
        (path, reason)
        for path, value, field in _read_ids(doc)
        if (reason := curie_problem(value, field=field)) is not None
    ]


def _read_ids(doc: Mapping[str, object]) -> Iterator[tuple[str, object, str]]:
    """(path, id, what it names) for each id the converter reads; required ones even when absent."""
    key, features = _field(doc, "phenotypicFeatures", "phenotypic_features")
    for i, item in enumerate(_items(features)):
        feature = _message(item)
        where = f"$.{key}[{i}]"
        yield f"{where}.type.id", _message(feature.get("type")).get("id"), "a phenotype"
        onset = _message(feature.get("onset"))
        onset_key, term = _field(onset, "ontologyClass", "ontology_class")
        if _message(term):
            yield f"{where}.onset.{onset_key}.id", _message(term).get("id"), "an onset"
    for i, item in enumerate(_items(doc.get("diseases"))):
        yield f"$.diseases[{i}].term.id", _message(_message(item).get("term")).get("id"), "a disease"
    for i, item in enumerate(_items(doc.get("biosamples"))):
        sample = _message(item)
        for name, proto in (
            ("sampleType", "sample_type"),
            ("materialSample", "material_sample"),
            ("sampledTissue", "sampled_tissue"),
        ):
            sample_key, term = _field(sample, name, proto)
            term_id = _message(term).get("id")
            if term_id:  # optional: a term given by label alone is kept as its label
                yield f"$.biosamples[{i}].{sample_key}.id", term_id, "a biosample's ontology class"
    for path, state in _allelic_states(doc):
        if state.get("id"):
            yield f"{path}.id", state.get("id"), "an allelic state (zygosity)"


def _allelic_states(doc: Mapping[str, object]) -> Iterator[tuple[str, Mapping[str, object]]]:
    for i, interpretation in enumerate(_items(doc.get("interpretations"))):
        diagnosis = _message(_message(interpretation).get("diagnosis"))
        calls_key, calls = _field(diagnosis, "genomicInterpretations", "genomic_interpretations")
        for j, call in enumerate(_items(calls)):
            variant_key, variant = _field(_message(call), "variantInterpretation", "variant_interpretation")
            descriptor_key, descriptor = _field(
                _message(variant), "variationDescriptor", "variation_descriptor"
            )
            state_key, state = _field(_message(descriptor), "allelicState", "allelic_state")
            call_path = f"$.interpretations[{i}].diagnosis.{calls_key}[{j}]"
            yield f"{call_path}.{variant_key}.{descriptor_key}.{state_key}", _message(state)


def _field(obj: Mapping[str, object], name: str, proto_name: str) -> tuple[str, object]:
    """The key a field is read under (JSON or proto name; when both, the later wins) and its value."""
    if proto_name not in obj:
        return name, obj.get(name)
    if name not in obj:
        return proto_name, obj[proto_name]
    keys = list(obj)
    chosen = proto_name if keys.index(proto_name) > keys.index(name) else name
    return chosen, obj[chosen]


def _example(field: str) -> str:
    if "disease" in field:
        return "OMIM:154700"
    if "allelic" in field:
        return "GENO:0000135"
    if "biosample" in field:
        return "UBERON:0002107"
    return "HP:0001250"


def _described(prefix: str, pattern: str) -> str:
    digits = re.fullmatch(r"(C?)\[0-9\]\{(\d+)(?:,(\d+))?\}", pattern)
    if digits is None:
        return f"{prefix}: then {pattern}"
    letter, low, high = digits.groups()
    count = f"{low} digits" if high is None else f"up to {high} digits"
    return f"{prefix}:{letter} and {count}" if letter else f"{prefix}: and {count}"


def _message(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else _EMPTY


def _items(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()
