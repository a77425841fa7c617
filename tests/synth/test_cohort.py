"""Generated cohorts: valid Phenopackets, internally consistent, deterministic, region-specific."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import orjson
import phenopackets
import pytest
from google.protobuf.json_format import ParseDict

from pmbridge.errors import ConfigError
from pmbridge.synth import REFERENCE_DATE, REGIONS, CohortSpec, generate_cohort, write_cohort
from pmbridge.synth._inheritance import X_MODES, Mode, modes_of
from pmbridge.synth._onsets import DAYS_PER_YEAR, ONSETS
from pmbridge.vocab import DiseaseAnnotation

SAMPLE = 600
Doc = dict[str, object]


@pytest.fixture(scope="module")
def cohorts(annotations: dict[str, DiseaseAnnotation], labels: dict[str, str]) -> dict[str, list[Doc]]:
    return {
        region: list(
            generate_cohort(
                CohortSpec(f"t-{region}", region, SAMPLE, 7),
                annotations=annotations,
                hpo_release="2025-01-16",
                labels=labels,
            )
        )
        for region in REGIONS
    }


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_official_parser_accepts_a_sample(cohorts: dict[str, list[Doc]], region: str) -> None:
    for doc in cohorts[region][::6]:
        message = ParseDict(doc, phenopackets.Phenopacket())
        assert message.meta_data.phenopacket_schema_version == "2.0"
        assert message.meta_data.created_by == "pmbridge-synth"
        hp = [r for r in message.meta_data.resources if r.id == "hp"]
        assert hp[0].version == "2025-01-16"


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_ids_are_unique_and_shaped(cohorts: dict[str, list[Doc]], region: str) -> None:
    ids = [doc["subject"]["id"] for doc in cohorts[region]]
    assert ids == [f"t-{region}-{i:07d}" for i in range(SAMPLE)]
    samples = [s["id"] for doc in cohorts[region] for s in doc["biosamples"]]
    assert len(samples) == len(set(samples))


def _age_days(doc: Doc) -> int:
    born = datetime.fromisoformat(doc["subject"]["dateOfBirth"].replace("Z", "+00:00")).date()
    return (REFERENCE_DATE - born).days


def _years_of(duration: str) -> int:
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", duration)
    assert match, duration
    return int(match[1] or 0)


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_records_are_internally_consistent(
    cohorts: dict[str, list[Doc]], annotations: dict[str, DiseaseAnnotation], region: str
) -> None:
    for doc in cohorts[region]:
        subject: dict = doc["subject"]
        age_days = _age_days(doc)
        assert (
            abs(
                _years_of(subject["timeAtLastEncounter"]["age"]["iso8601duration"]) - age_days / DAYS_PER_YEAR
            )
            < 1
        )
        (disease,) = doc["diseases"]
        annotation = annotations[disease["term"]["id"]]
        assert disease["term"]["label"] == annotation.name
        if "onset" in disease:
            onset = ONSETS[disease["onset"]["ontologyClass"]["id"]]
            assert onset.term in annotation.onsets
            assert onset.first_day <= age_days
        annotated = {p.term for p in annotation.phenotypes}
        for feature in doc["phenotypicFeatures"]:
            if feature.get("excluded"):
                assert feature["type"]["id"] in annotated
            if "onset" in feature:
                assert ONSETS[feature["onset"]["ontologyClass"]["id"]].first_day <= age_days
        for sample in doc["biosamples"]:
            collected = date.fromisoformat(sample["timeOfCollection"]["timestamp"][:10])
            assert collected <= REFERENCE_DATE
            assert (REFERENCE_DATE - collected).days <= age_days
        _check_genotype(doc, annotation, male=subject["sex"] == "MALE")


def _check_genotype(doc: Doc, annotation: DiseaseAnnotation, *, male: bool) -> None:
    (interpretation,) = doc["interpretations"]
    calls = interpretation["diagnosis"]["genomicInterpretations"]
    descriptors = [c["variantInterpretation"]["variationDescriptor"] for c in calls]
    states = [d["allelicState"]["label"] for d in descriptors]
    chromosomes = {d["vcfRecord"]["chrom"] for d in descriptors}
    genes = {d["geneContext"]["symbol"] for d in descriptors}
    assert len(genes) == 1
    assert genes <= set(annotation.genes)
    assert len(chromosomes) == 1
    (chrom,) = chromosomes
    modes = set(modes_of(annotation.inheritance))
    if states == ["heterozygous", "heterozygous"]:  # compound heterozygous: two different alleles
        assert Mode.AUTOSOMAL_RECESSIVE in modes
        assert descriptors[0]["id"] != descriptors[1]["id"]
    elif states == ["homozygous"]:
        assert Mode.AUTOSOMAL_RECESSIVE in modes
        assert chrom not in ("chrX", "chrY", "chrM") or (chrom == "chrX" and not male)
    elif states == ["hemizygous"]:
        assert chrom == "chrY" or (chrom == "chrX" and male)
    elif states[0] in ("homoplasmic", "heteroplasmic"):
        assert chrom == "chrM"
    else:
        assert states == ["heterozygous"]
        assert not (chrom == "chrX" and male)
    if modes & X_MODES:
        assert chrom == "chrX"
    if chrom == "chrX" and male:
        assert states == ["hemizygous"]
    if chrom == "chrY":
        assert male


def test_zygosity_mix_covers_every_state(cohorts: dict[str, list[Doc]]) -> None:
    states = Counter(
        call["variantInterpretation"]["variationDescriptor"]["allelicState"]["label"]
        for docs in cohorts.values()
        for doc in docs
        for call in doc["interpretations"][0]["diagnosis"]["genomicInterpretations"]
    )
    assert {"heterozygous", "homozygous", "hemizygous"} <= set(states)
    acmg = Counter(
        call["variantInterpretation"]["acmgPathogenicityClassification"]
        for doc in cohorts["eu-south"]
        for call in doc["interpretations"][0]["diagnosis"]["genomicInterpretations"]
    )
    assert (acmg["PATHOGENIC"] + acmg["LIKELY_PATHOGENIC"]) / sum(acmg.values()) > 0.8


def test_annotated_features_follow_frequencies_in_a_cohort(
    cohorts: dict[str, list[Doc]], catalogue: object
) -> None:
    from pmbridge.synth._catalogue import Catalogue

    assert isinstance(catalogue, Catalogue)
    profiles = {d.id: d for d in catalogue.diseases}
    expected = observed = forced_slack = 0.0
    variance = 0.0
    for doc in cohorts["eu-north"]:
        profile = profiles[doc["diseases"][0]["term"]["id"]]
        present = {f["type"]["id"] for f in doc["phenotypicFeatures"] if not f.get("excluded")}
        for item in profile.phenotypes:
            expected += item.frequency
            variance += item.frequency * (1 - item.frequency)
            observed += item.term in present
        forced_slack += 1  # at most one forced feature per person
    sigma = variance**0.5
    assert expected - 5 * sigma <= observed <= expected + 5 * sigma + forced_slack


def test_regions_differ(cohorts: dict[str, list[Doc]]) -> None:
    def countries(region: str) -> set[str]:
        return {doc["metaData"]["externalReferences"][0]["id"].split(":")[1] for doc in cohorts[region]}

    assert countries("eu-south") == {"IT", "ES", "PT", "GR"}
    assert countries("cn") == {"CN"}
    assert {"DE", "NL", "SE"} <= countries("eu-north")
    assert not countries("eu-north") & countries("eu-south")

    def male_share(region: str) -> float:
        return sum(doc["subject"]["sex"] == "MALE" for doc in cohorts[region]) / SAMPLE

    for region in cohorts:
        assert abs(male_share(region) - REGIONS[region].male_share) < 0.08
    assert male_share("cn") > male_share("eu-north")

    def materials(region: str) -> Counter[tuple[str, str]]:
        return Counter(
            (s["sampledTissue"]["id"], s["sampleType"]["id"])
            for doc in cohorts[region]
            for s in doc["biosamples"]
        )

    assert ("UBERON:0001836", "OBI:0001051") in materials("eu-north")  # saliva DNA
    assert ("UBERON:0001836", "OBI:0001051") not in materials("cn")
    assert materials("cn").most_common(1)[0][0] == ("UBERON:0000178", "NCIT:C12434")  # whole blood

    def median_age(region: str) -> float:
        return statistics.median(_age_days(doc) for doc in cohorts[region]) / DAYS_PER_YEAR

    assert median_age("eu-north") > median_age("cn")

    def top_diseases(region: str) -> set[str]:
        counts = Counter(doc["diseases"][0]["term"]["id"] for doc in cohorts[region])
        return {disease for disease, _ in counts.most_common(10)}

    assert top_diseases("eu-south") != top_diseases("cn")


def _write(
    tmp_path: Path, annotations: dict[str, DiseaseAnnotation], name: str, *, seed: int = 3, **options: int
) -> bytes:
    path = tmp_path / name
    spec = CohortSpec("node-a", "eu-south", 240, seed)
    count = write_cohort(spec, path, annotations=annotations, hpo_release="2025-01-16", **options)
    assert count == 240
    return path.read_bytes()


def test_same_seed_same_bytes_different_seed_different(
    tmp_path: Path, annotations: dict[str, DiseaseAnnotation]
) -> None:
    first = _write(tmp_path, annotations, "a.jsonl")
    assert first == _write(tmp_path, annotations, "b.jsonl")
    assert first != _write(tmp_path, annotations, "c.jsonl", seed=4)
    assert first.count(b"\n") == 240
    lines = first.splitlines()
    streamed = generate_cohort(
        CohortSpec("node-a", "eu-south", 240, 3), annotations=annotations, hpo_release="2025-01-16"
    )
    assert [orjson.loads(line) for line in lines] == list(streamed)
    assert not list(tmp_path.glob(".*partial"))


def test_workers_and_chunks_do_not_change_the_bytes(
    tmp_path: Path, annotations: dict[str, DiseaseAnnotation]
) -> None:
    seen: list[int] = []
    single = _write(tmp_path, annotations, "one.jsonl")
    parallel = _write(tmp_path, annotations, "two.jsonl", workers=2, chunk_size=50, progress=seen.append)
    assert parallel == single
    assert seen == [50, 50, 50, 50, 40]


def test_output_does_not_depend_on_the_hash_seed(
    tmp_path: Path, annotations: dict[str, DiseaseAnnotation], shared_data: Path
) -> None:
    here = _write(tmp_path, annotations, "here.jsonl")
    script = (
        "import sys; from pathlib import Path\n"
        "from pmbridge.synth import CohortSpec, write_cohort\n"
        "from pmbridge.vocab import DataDir, load_disease_annotations\n"
        "a = load_disease_annotations(DataDir(Path(sys.argv[1]), 'env'))\n"
        "write_cohort(CohortSpec('node-a', 'eu-south', 240, 3), Path(sys.argv[2]), annotations=a,"
        " hpo_release='2025-01-16')\n"
    )
    there = tmp_path / "there.jsonl"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(shared_data), str(there)], check=True, env=env)
    assert there.read_bytes() == here


def test_bad_specs_are_refused_with_a_fix() -> None:
    with pytest.raises(ConfigError, match="unknown region") as info:
        CohortSpec("x", "mars", 10, 1)
    assert "cn, eu-north, eu-south" in info.value.hint
    with pytest.raises(ConfigError):
        CohortSpec("x", "cn", -1, 1)
    with pytest.raises(ConfigError):
        CohortSpec("has space", "cn", 1, 1)


def test_failed_write_leaves_no_file(tmp_path: Path, annotations: dict[str, DiseaseAnnotation]) -> None:
    def explode(_: int) -> None:
        raise RuntimeError("stop")

    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        write_cohort(
            CohortSpec("n", "cn", 20, 1),
            target,
            annotations=annotations,
            hpo_release="r",
            progress=explode,
        )
    assert list(tmp_path.iterdir()) == []
