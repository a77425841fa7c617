"""Validate documents against the official Beacon v2 schemas in ../shared/spec, fully offline.

Follows ../shared/spec/beacon-v2/PROVENANCE.md: every schema registered under its file URI and its
upstream raw URL, vrs.json under its w3id URI, and the upstream `info.json` path bug aliased.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import referencing
import referencing.jsonschema

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "spec" / "beacon-v2"
UPSTREAM = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
VRS = "https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json"


@cache
def registry() -> referencing.Registry:
    resources = []
    for path in SPEC.rglob("*.json"):
        if any(part.startswith("examples") for part in path.relative_to(SPEC).parts):
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        spec = (
            referencing.jsonschema.DRAFT7 if path.name == "vrs.json" else referencing.jsonschema.DRAFT202012
        )
        resource = spec.create_resource(contents)
        resources.append((path.resolve().as_uri(), resource))
        resources.append((UPSTREAM + path.relative_to(SPEC).as_posix(), resource))
        if path.name == "vrs.json":
            resources.append((VRS, resource))
    info = SPEC / "framework/json/common/info.json"
    alias = SPEC / "models/json/beacon-v2-default-model/common/info.json"
    info_resource = referencing.jsonschema.DRAFT202012.create_resource(json.loads(info.read_text()))
    resources.append((alias.resolve().as_uri(), info_resource))
    return referencing.Registry().with_resources(resources)


def errors(document: object, schema: str) -> list[str]:
    """Every validation error of ``document`` against ``schema`` (a path under the spec folder)."""
    uri = (SPEC / schema).resolve().as_uri()
    validator = jsonschema.Draft202012Validator({"$ref": uri}, registry=registry())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


RESULTSETS = "framework/json/responses/beaconResultsetsResponse.json"
ERROR = "framework/json/responses/beaconErrorResponse.json"
INFO = "framework/json/responses/beaconInfoResponse.json"
