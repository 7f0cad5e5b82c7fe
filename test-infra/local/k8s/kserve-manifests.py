#!/usr/bin/env python3
"""Print the manifests that install KServe on the local cluster, from KServe's own config/ directory.

KServe ships kustomize overlays that expect cert-manager and images from a registry; the local cluster
has neither. This takes the same files (the module's CRDs, RBAC, controller Deployment, webhook
configurations, ConfigMap and ClusterServingRuntimes) and changes only what the local cluster needs:
the images built here, never pulled; the webhooks' service and CA bundle (a certificate the stack makes
instead of cert-manager's); the ConfigMap's deployment mode (raw Deployments: no Knative here) and
ingress class (Traefik); and the controller's first probe, 3 s after it starts instead of 30.
Everything else is KServe's, as its release wrote it.

Usage: kserve-manifests.py --config-dir DIR --controller-image REF --ca PEM --cert PEM --key PEM
                           [--runtime-image NAME=REF]... [--storage-initializer-image REF]
                           [--ingress-class NAME] [--ingress-domain DOMAIN] [--part crds|objects|runtimes]
--part: only the CRDs; the controller and its objects (once the CRDs are established); or the
ClusterServingRuntimes (once the controller's webhook, which validates them, answers)
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import yaml

NAMESPACE = "kserve"
WEBHOOK_SERVICE = "kserve-webhook-server-service"
CERT_SECRET = "kserve-webhook-server-cert"
# KServe's own files, by what they hold (paths under config/). The kube-rbac-proxy pieces are left out:
# the metrics endpoint is not served through a proxy here.
CRDS = ["crd/full/serving.kserve.io_inferenceservices.yaml", "crd/full/serving.kserve.io_trainedmodels.yaml",
        "crd/full/serving.kserve.io_clusterservingruntimes.yaml", "crd/full/serving.kserve.io_servingruntimes.yaml",
        "crd/full/serving.kserve.io_inferencegraphs.yaml",
        "crd/full/clusterstoragecontainer/serving.kserve.io_clusterstoragecontainers.yaml",
        "crd/full/localmodel/serving.kserve.io_localmodelcaches.yaml",
        "crd/full/localmodel/serving.kserve.io_localmodelnamespacecaches.yaml",
        "crd/full/localmodel/serving.kserve.io_localmodelnodegroups.yaml",
        "crd/full/localmodel/serving.kserve.io_localmodelnodes.yaml"]
RBAC = ["rbac/service_account.yaml", "rbac/role.yaml", "rbac/role_binding.yaml",
        "rbac/leader_election_role.yaml", "rbac/leader_election_role_binding.yaml"]
CONTROLLER = ["manager/manager.yaml", "manager/service.yaml", "webhook/service.yaml", "webhook/manifests.yaml"]
CONFIGMAP = "configmap/inferenceservice.yaml"
CLUSTER_SCOPED = {"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration",
                  "ValidatingWebhookConfiguration", "ClusterServingRuntime", "ClusterStorageContainer", "Namespace"}


def _docs(path: Path) -> Iterator[dict[str, Any]]:
    with path.open() as f:
        for doc in yaml.safe_load_all(f):
            if doc:
                yield doc


def _webhooks(doc: dict[str, Any], ca_bundle: str) -> None:
    for hook in doc.get("webhooks", []):
        cc = hook["clientConfig"]
        if "service" in cc:
            cc["service"]["name"] = WEBHOOK_SERVICE
            cc["service"]["namespace"] = NAMESPACE
        cc["caBundle"] = ca_bundle


def _controller(doc: dict[str, Any], image: str) -> None:
    for c in doc["spec"]["template"]["spec"]["containers"]:
        if c["name"] == "manager":
            c["image"] = image
            c["imagePullPolicy"] = "IfNotPresent"
            # KServe waits 30 s before its first readiness probe; here the manager answers in seconds
            # and the main job waits on it (its webhook serves once it is ready)
            for probe in ("readinessProbe", "livenessProbe"):
                if probe in c:
                    c[probe]["initialDelaySeconds"] = 3


def _configmap(doc: dict[str, Any], args: argparse.Namespace) -> None:
    data = doc["data"]

    def edit(key: str, **values: Any) -> None:
        cfg = json.loads(data[key])
        cfg.update(values)
        data[key] = json.dumps(cfg, indent=2)

    edit("deploy", defaultDeploymentMode="RawDeployment")
    edit("ingress", ingressClassName=args.ingress_class, ingressDomain=args.ingress_domain)
    if args.storage_initializer_image:
        edit("storageInitializer", image=args.storage_initializer_image, enableModelcar=False)


def _runtime(doc: dict[str, Any], images: dict[str, str]) -> bool:
    """Point a ClusterServingRuntime at its local image; False for one with no image built here."""
    image = images.get(doc["metadata"]["name"])
    if image is None:
        return False
    for c in doc["spec"]["containers"]:
        c["image"] = image
        c["imagePullPolicy"] = "IfNotPresent"
    return True


def render(args: argparse.Namespace) -> list[dict[str, Any]]:
    root = Path(args.config_dir)
    ca_bundle = base64.b64encode(Path(args.ca).read_bytes()).decode()
    out: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}]
    for rel in CRDS:
        out.extend(_docs(root / rel))
    for rel in RBAC + CONTROLLER + [CONFIGMAP]:
        for doc in _docs(root / rel):
            kind = doc["kind"]
            if kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
                _webhooks(doc, ca_bundle)
            elif kind == "Deployment":
                _controller(doc, args.controller_image)
            elif kind == "ConfigMap":
                _configmap(doc, args)
            for subject in doc.get("subjects", []):
                if subject.get("kind") == "ServiceAccount":
                    subject["namespace"] = NAMESPACE
            out.append(doc)
    out.append({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                "metadata": {"name": CERT_SECRET, "namespace": NAMESPACE},
                "data": {name: base64.b64encode(Path(path).read_bytes()).decode()
                         for name, path in (("tls.crt", args.cert), ("tls.key", args.key), ("ca.crt", args.ca))}})
    images = dict(item.split("=", 1) for item in args.runtime_image)
    for path in sorted((root / "runtimes").glob("kserve-*.yaml")):
        out.extend(doc for doc in _docs(path) if doc["kind"] == "ClusterServingRuntime" and _runtime(doc, images))
    for doc in out:
        meta = doc.setdefault("metadata", {})
        if doc["kind"] not in CLUSTER_SCOPED:
            meta["namespace"] = NAMESPACE
        meta.setdefault("labels", {})["app.kubernetes.io/part-of"] = "cc-local-kserve"
    return out


PARTS = {"crds": "CustomResourceDefinition", "runtimes": "ClusterServingRuntime", "objects": ""}


def _part(doc: dict[str, Any]) -> str:
    return next((part for part, kind in PARTS.items() if kind == doc["kind"]), "objects")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-dir", required=True)
    p.add_argument("--controller-image", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--runtime-image", action="append", default=[], metavar="NAME=REF")
    p.add_argument("--storage-initializer-image", default="")
    p.add_argument("--ingress-class", default="traefik")
    p.add_argument("--ingress-domain", default="cc.local")
    p.add_argument("--part", choices=list(PARTS))
    args = p.parse_args(argv)
    try:
        docs = render(args)
    except (OSError, KeyError, ValueError, yaml.YAMLError) as exc:
        print(f"kserve-manifests: {exc}", file=sys.stderr)
        return 1
    if args.part:
        docs = [d for d in docs if _part(d) == args.part]
    yaml.safe_dump_all(docs, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
