"""The recorded Kubernetes objects (tests/fixtures/k8s/) and the ones the API stand-in makes up
(k8s_api.py: Status errors, predictor pod lists) against the API's own JSON schemas (kubernetes-validate,
strict: a field the API does not have, or a wrong type, fails), for the version each fixture claims."""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "k8s"
# API groups served by add-ons (CRDs, aggregated APIs): no schema in the Kubernetes OpenAPI spec.
NOT_CORE = ("crd.projectcalico.org/", "serving.kserve.io/", "metrics.k8s.io/", "serving.knative.dev/")


def _version(scenario: Path) -> str:
    own = scenario / "version.json"
    info = json.loads((own if own.exists() else FIXTURES / "healthy" / "version.json").read_text())
    return f"{info['major']}.{info['minor'].rstrip('+')}.0"


def _objects() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for scenario in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for f in sorted(scenario.glob("*.json")):
            data = json.loads(f.read_text())
            if isinstance(data, dict) and "kind" in data and "apiVersion" in data:
                out.append((f"{scenario.name}/{f.name}", _version(scenario), data))
    return out


OBJECTS = _objects()
CORE = [o for o in OBJECTS if not o[2]["apiVersion"].startswith(NOT_CORE)]


def _validate(data: dict[str, Any], version: str) -> None:
    import kubernetes_validate

    if data["kind"] == "Status":
        return _validate_status(data, version)
    kubernetes_validate.validate(data, version, strict=True)


def _validate_status(data: dict[str, Any], version: str) -> None:
    """Status (an error answer) is filed under meta/v1, which kubernetes-validate's lookup by
    apiVersion v1 misses: the same strict schema, looked up by hand."""
    import jsonschema
    import kubernetes_validate
    from referencing import Registry, Resource

    folder = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{version}-local-strict"
    schema = json.loads((folder / "status-meta-v1.json").read_text())
    defs = json.loads((folder / "_definitions.json").read_text())
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    jsonschema.Draft202012Validator(schema, registry=registry).validate(data)


def test_every_fixture_object_is_classified() -> None:
    assert len(CORE) >= 25, [o[0] for o in CORE]
    kinds = {o[2]["kind"] for o in CORE}
    assert {"NodeList", "PodList", "Deployment", "DaemonSet", "CustomResourceDefinition"} <= kinds


@pytest.mark.parametrize("name,version,data", CORE, ids=[o[0] for o in CORE])
def test_fixture_matches_the_api_schema(name: str, version: str, data: dict[str, Any]) -> None:
    _validate(data, version)


def test_made_up_responses_match_the_api_schema() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    import k8s_api

    k8s_api.ARGS = argparse.Namespace(fixtures=str(FIXTURES), scenario="healthy")
    _validate(k8s_api.status(403, "Forbidden", "nodes is forbidden"), "1.30.0")
    _validate(k8s_api.replica_list("/api/v1/namespaces/default/pods", "cc-iris"), "1.30.0")
    with pytest.raises(Exception):
        _validate_status({**k8s_api.status(403, "Forbidden", "x"), "code": "403"}, "1.30.0")


@pytest.mark.parametrize("mutation", ["unknown field", "wrong type"])
def test_the_schema_check_can_fail(mutation: str) -> None:
    """A negative control: an object the API would not return is rejected."""
    import kubernetes_validate

    nodes = copy.deepcopy(json.loads((FIXTURES / "healthy" / "api__v1__nodes.json").read_text()))
    if mutation == "unknown field":
        nodes["items"][0]["status"]["conditons"] = []
    else:
        nodes["items"][0]["status"]["allocatable"] = "lots"
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(nodes, "1.30.0")


def test_probe_pods_the_checks_create_match_the_api_schema() -> None:
    from clustercheck.k8s import pods

    _validate(pods._pod("cc-gpu-probe", "busybox:1.36", ["nvidia-smi"], node="gpu-1", gpus=1), "1.30.0")
    _validate(pods._pod("cc-net-client", "busybox:1.36", ["wget", "-q", "http://10.0.0.1/"]), "1.30.0")
