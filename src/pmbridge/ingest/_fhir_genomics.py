"""HL7 Genomics Reporting IG ↔ Phenopacket interpretations: Variant Observations (HGVS, coordinates,
allelic state, gene), diagnostic implications (ACMG class) and genomic DiagnosticReports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pmbridge.ingest._fhir_codes import EXT, LOINC, coding_curie, curie_coding

__all__ = [
    "GENOMIC_REPORT",
    "IMPLICATION",
    "VARIANT",
    "descriptor_components",
    "genomic_kind",
    "implication_class",
    "variant_descriptor",
]

Json = dict[str, object]

_IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
VARIANT = _IG + "variant"
IMPLICATION = _IG + "diagnostic-implication"
GENOMIC_REPORT = _IG + "genomic-report"
VARIANT_CODE = "69548-6"  # Genetic variant assessment
REPORT_CODE = "51969-4"  # Genetic analysis report

# Component codes (LOINC) of a Variant Observation.
GENE, C_HGVS, P_HGVS, G_HGVS = "48018-6", "48004-6", "48005-3", "81290-9"
REF_SEQ, START_END, COORDINATES = "48013-7", "81254-5", "92822-6"
REF_ALLELE, ALT_ALLELE, ALLELIC_STATE = "69547-8", "69551-0", "53034-5"
CHROMOSOME, ASSEMBLY, SIGNIFICANCE, CONDITION = "48000-4", "62374-4", "53037-8", "81259-4"
_HGVS_SYSTEM = "http://varnomen.hgvs.org"
_HGVS_BY_CODE = {C_HGVS: "hgvs.c", P_HGVS: "hgvs.p", G_HGVS: "hgvs.g"}
_ONE_BASED, _ZERO_BASED = "LA30102-0", "LA30100-4"

# LOINC answers ↔ GENO allelic states (LOINC LL381-5).
_GENO_BY_LOINC = {
    "LA6706-1": ("GENO:0000135", "heterozygous"),
    "LA6705-3": ("GENO:0000136", "homozygous"),
    "LA6707-9": ("GENO:0000134", "hemizygous"),
    "LA6703-8": ("GENO:0000602", "heteroplasmic"),
    "LA6704-6": ("GENO:0000603", "homoplasmic"),
}
_LOINC_BY_GENO = {geno: (loinc, label) for loinc, (geno, label) in _GENO_BY_LOINC.items()}
# LOINC answers ↔ ACMG classes (LOINC LL4034-6).
_ACMG_BY_LOINC = {
    "LA6668-3": "PATHOGENIC",
    "LA26332-9": "LIKELY_PATHOGENIC",
    "LA26333-7": "UNCERTAIN_SIGNIFICANCE",
    "LA26334-5": "LIKELY_BENIGN",
    "LA6675-8": "BENIGN",
}
_LOINC_BY_ACMG = {acmg: loinc for loinc, acmg in _ACMG_BY_LOINC.items()}
_ASSEMBLY_BY_LOINC = {"LA14029-5": "GRCh37", "LA26806-2": "GRCh38"}
_LOINC_BY_ASSEMBLY = {name.lower(): code for code, name in _ASSEMBLY_BY_LOINC.items()}
# RefSeq versions of the GRCh38 chromosome accessions NC_0000NN; GRCh37 is one less (not MT).
_GRCH38_VERSION = dict(
    zip(
        [*(str(n) for n in range(1, 23)), "X", "Y"],
        [11, 12, 12, 12, 10, 12, 14, 11, 12, 11, 10, 12, 11, 9, 10, 10, 11, 10, 10, 11, 9, 11, 11, 10],
        strict=True,
    )
)
_NC = re.compile(r"NC_0000(\d\d)\.(\d+)")
_G_SNV = re.compile(r"(NC_0000\d\d\.\d+):g\.(\d+)([ACGTN])>([ACGTN])")


def genomic_kind(observation: Mapping[str, object]) -> str | None:
    """What a Genomics Reporting Observation is: ``variant``, ``diagnostic-implication`` or the
    name of another of its profiles (``genotype``, ``haplotype``…); None for any other Observation.

    >>> genomic_kind({"code": {"coding": [{"system": "http://loinc.org", "code": "69548-6"}]}})
    'variant'
    """
    meta = observation.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    if isinstance(profiles, list) and profiles:
        for profile in profiles:
            if isinstance(profile, str) and profile.startswith(_IG):
                return profile[len(_IG) :]
    for coding in map(_message, _list(_message(observation.get("code")).get("coding"))):
        system, code = coding.get("system"), coding.get("code")
        if system == LOINC and code == VARIANT_CODE:
            return "variant"
        if isinstance(system, str) and "genomics-reporting" in system:
            return str(code)
    return None


def implication_class(observation: Mapping[str, object]) -> tuple[str | None, Json | None]:
    """(ACMG class, associated condition as an OntologyClass) of a diagnostic implication."""
    acmg, condition = None, None
    for component in map(_message, _list(observation.get("component"))):
        code = _loinc(component.get("code"))
        value = _message(component.get("valueCodeableConcept"))
        if code == SIGNIFICANCE:
            for coding in map(_message, _list(value.get("coding"))):
                acmg = acmg or _ACMG_BY_LOINC.get(str(coding.get("code")))
        elif code == CONDITION:
            condition = _term(value)
    return acmg, condition


def variant_descriptor(observation: Mapping[str, object], descriptor_id: str) -> Json | None:
    """The VariationDescriptor of a Variant Observation, or None when it has nothing to map
    (no HGVS, no coordinates, no gene)."""
    parts: dict[str, Json] = {}
    texts: dict[str, str] = {}
    for component in map(_message, _list(observation.get("component"))):
        code = _loinc(component.get("code"))
        if code is None:
            continue
        parts.setdefault(
            code,
            _message(component.get("valueCodeableConcept"))
            or {"range": _message(component.get("valueRange"))},
        )
        if isinstance(component.get("valueString"), str):
            texts[code] = str(component["valueString"])
    out: Json = {"id": descriptor_id}
    if GENE in parts and (gene := _gene(parts[GENE])) is not None:
        out["geneContext"] = gene
    expressions: list[Json] = []
    for component in map(_message, _list(observation.get("component"))):
        syntax = _HGVS_BY_CODE.get(_loinc(component.get("code")) or "")
        value = _first_code(_message(component.get("valueCodeableConcept")))
        if syntax is not None and value:
            expressions.append({"syntax": syntax, "value": value})
    if expressions:
        out["expressions"] = expressions
    vcf = _vcf_record(parts, texts, expressions)
    if vcf is not None:
        out["vcfRecord"] = vcf
    if ALLELIC_STATE in parts and (state := _allelic_state(parts[ALLELIC_STATE])) is not None:
        out["allelicState"] = state
    return out if len(out) > 1 else None


def descriptor_components(descriptor: Mapping[str, object]) -> list[Json]:
    """The components of a Variant Observation for a VariationDescriptor (the inverse of
    :func:`variant_descriptor`)."""
    out: list[Json] = []
    gene = _message(descriptor.get("geneContext"))
    if gene:
        coding: Json = {"system": "http://www.genenames.org/geneId", "code": str(gene.get("valueId") or "")}
        if gene.get("symbol"):
            coding["display"] = gene["symbol"]
        out.append(_component(GENE, {"valueCodeableConcept": {"coding": [coding]}}))
    codes = {syntax: code for code, syntax in _HGVS_BY_CODE.items()}
    for expression in map(_message, _list(descriptor.get("expressions"))):
        syntax, text = str(expression.get("syntax")), str(expression.get("value"))
        code = codes.get(syntax) or (_hgvs_code(text) if syntax.startswith("hgvs") else None)
        if code is not None:
            hgvs: Json = {"coding": [{"system": _HGVS_SYSTEM, "code": text}]}
            out.append(_component(code, {"valueCodeableConcept": hgvs}))
    vcf = _message(descriptor.get("vcfRecord"))
    if vcf:
        assembly = str(vcf.get("genomeAssembly") or "")
        chrom = str(vcf.get("chrom") or "")
        value: Json
        if (loinc := _LOINC_BY_ASSEMBLY.get(assembly.lower())) is not None:
            value = {"coding": [{"system": LOINC, "code": loinc, "display": assembly}]}
            out.append(_component(ASSEMBLY, {"valueCodeableConcept": value}))
        elif assembly:
            out.append(_component(ASSEMBLY, {"valueCodeableConcept": {"text": assembly}}))
        out.append(_component(CHROMOSOME, {"valueCodeableConcept": {"text": chrom}}))
        if (accession := _accession(chrom, assembly)) is not None:
            value = {"coding": [{"system": "http://www.ncbi.nlm.nih.gov/refseq", "code": accession}]}
            out.append(_component(REF_SEQ, {"valueCodeableConcept": value}))
        coordinates = {
            "coding": [{"system": LOINC, "code": _ONE_BASED, "display": "1-based character counting"}]
        }
        out.append(_component(COORDINATES, {"valueCodeableConcept": coordinates}))
        pos = int(str(vcf.get("pos") or 0))
        out.append(_component(START_END, {"valueRange": {"low": {"value": pos}}}))
        out.append(_component(REF_ALLELE, {"valueString": str(vcf.get("ref") or "")}))
        out.append(_component(ALT_ALLELE, {"valueString": str(vcf.get("alt") or "")}))
    state = _message(descriptor.get("allelicState"))
    if state:
        codings = [curie_coding(str(state.get("id")), str(state.get("label") or "") or None)]
        if (answer := _LOINC_BY_GENO.get(str(state.get("id")))) is not None:
            codings.insert(0, {"system": LOINC, "code": answer[0], "display": answer[1].capitalize()})
        out.append(_component(ALLELIC_STATE, {"valueCodeableConcept": {"coding": codings}}))
    return out


def _hgvs_code(value: str) -> str | None:
    """The LOINC component of an HGVS expression given without its kind (syntax ``hgvs``)."""
    for marker, code in ((":c.", C_HGVS), (":p.", P_HGVS), (":g.", G_HGVS)):
        if marker in value:
            return code
    return None


def implication_components(acmg: str) -> list[Json]:
    loinc = _LOINC_BY_ACMG.get(acmg)
    if loinc is None:
        return []
    value = {"coding": [{"system": LOINC, "code": loinc, "display": acmg.replace("_", " ").capitalize()}]}
    return [_component(SIGNIFICANCE, {"valueCodeableConcept": value})]


def status_extension(url_key: str, code: str) -> Json:
    return {"url": EXT[url_key], "valueCode": code}


def _vcf_record(parts: Mapping[str, Json], texts: Mapping[str, str], expressions: list[Json]) -> Json | None:
    accession = _first_code(parts.get(REF_SEQ, {}))
    chrom_text = str(parts.get(CHROMOSOME, {}).get("text") or "")
    assembly_text = _assembly(parts.get(ASSEMBLY, {}))
    pos: int | None = None
    low = _message(_message(parts.get(START_END, {}).get("range")).get("low")).get("value")
    if isinstance(low, int | float) and not isinstance(low, bool):
        zero_based = _first_code(parts.get(COORDINATES, {})) == _ZERO_BASED
        pos = int(low) + (1 if zero_based else 0)
    ref, alt = texts.get(REF_ALLELE), texts.get(ALT_ALLELE)
    chrom, assembly = _from_accession(accession) or ("", "") if accession else ("", "")
    chrom, assembly = chrom_text or chrom, assembly_text or assembly
    if not chrom or pos is None or not ref or not alt:
        # Coordinates on a non-chromosome sequence (NG_, NM_) say nothing genomic; try g.HGVS.
        hgvs_g = next((str(e["value"]) for e in expressions if e["syntax"] == "hgvs.g"), "")
        match = _G_SNV.fullmatch(hgvs_g)
        located = _from_accession(match.group(1)) if match is not None else None
        if match is None or located is None:
            return None
        (chrom, assembly), pos, ref, alt = located, int(match.group(2)), match.group(3), match.group(4)
    out: Json = {"chrom": chrom, "pos": str(pos), "ref": ref, "alt": alt}
    return {"genomeAssembly": assembly, **out} if assembly else out


def _from_accession(accession: str) -> tuple[str, str] | None:
    """(chromosome, assembly) of a RefSeq chromosome accession.

    >>> _from_accession("NC_000003.11"), _from_accession("NC_000023.11")
    (('chr3', 'GRCh37'), ('chrX', 'GRCh38'))
    """
    match = _NC.fullmatch(accession)
    if match is None:
        return None
    number, version = int(match.group(1)), int(match.group(2))
    name = {23: "X", 24: "Y"}.get(number, str(number))
    latest = _GRCH38_VERSION.get(name)
    if latest is None:
        return None
    assembly = {latest: "GRCh38", latest - 1: "GRCh37"}.get(version)
    return (f"chr{name}", assembly) if assembly else None


def _accession(chrom: str, assembly: str) -> str | None:
    name = chrom[3:] if chrom.lower().startswith("chr") else chrom
    latest = _GRCH38_VERSION.get(name.upper())
    offset = {"grch38": 0, "grch37": 1}.get(assembly.lower())
    if latest is None or offset is None:
        return None
    number = {"X": 23, "Y": 24}.get(name.upper()) or int(name)
    return f"NC_0000{number:02d}.{latest - offset}"


def _assembly(value: Mapping[str, object]) -> str:
    for coding in map(_message, _list(value.get("coding"))):
        if (name := _ASSEMBLY_BY_LOINC.get(str(coding.get("code")))) is not None:
            return name
    return str(value.get("text") or "")


def _allelic_state(value: Mapping[str, object]) -> Json | None:
    for coding in map(_message, _list(value.get("coding"))):
        if str(coding.get("code", "")).startswith("GENO:"):
            return _term({"coding": [coding]})
    for coding in map(_message, _list(value.get("coding"))):
        if (geno := _GENO_BY_LOINC.get(str(coding.get("code")))) is not None:
            return {"id": geno[0], "label": geno[1]}
    return None


def _gene(value: Mapping[str, object]) -> Json | None:
    for coding in map(_message, _list(value.get("coding"))):
        code = coding.get("code")
        if isinstance(code, str) and code:
            symbol = coding.get("display")
            return {"valueId": code, "symbol": symbol if isinstance(symbol, str) else code}
    return None


def _term(value: Mapping[str, object]) -> Json | None:
    for coding in map(_message, _list(value.get("coding"))):
        if (curie := coding_curie(coding)) is not None:
            label = coding.get("display")
            return {"id": curie, "label": label} if isinstance(label, str) else {"id": curie}
    return None


def _first_code(value: Mapping[str, object]) -> str:
    for coding in map(_message, _list(value.get("coding"))):
        if isinstance(coding.get("code"), str):
            return str(coding["code"])
    return ""


def _component(code: str, value: Json) -> Json:
    return {"code": {"coding": [{"system": LOINC, "code": code}]}, **value}


def _loinc(concept: object) -> str | None:
    for coding in map(_message, _list(_message(concept).get("coding"))):
        if coding.get("system") == LOINC and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _message(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
