"""KServe's manifests for the local cluster (test-infra/local/k8s/kserve-manifests.py): KServe's own
config/ files with only what the local cluster needs changed - the images built here, the webhooks'
service and CA bundle, raw-deployment mode, the ingress class - and a runtime with no image built here
left out rather than installed pointing at a registry. KServe itself runs in
tests/e2e/12-kubernetes-local.bats."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
RENDER = ROOT / "test-infra" / "local" / "k8s" / "kserve-manifests.py"


def _write(path: Path, *docs: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs))


def _crd(name: str) -> dict[str, Any]:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": name}}


def _config_dir(root: Path) -> Path:
    """A config/ laid out as KServe v0.20's, one small object per file."""
    from importlib import util
    spec = util.spec_from_file_location("kserve_manifests", RENDER)
    assert spec and spec.loader
    mod = util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for rel in mod.CRDS:
        _write(root / rel, _crd(Path(rel).stem.split("_", 1)[1] + ".serving.kserve.io"))
    _write(root / "rbac/service_account.yaml", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                 "metadata": {"name": "kserve-controller-manager", "namespace": "kserve"}})
    _write(root / "rbac/role.yaml", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                     "metadata": {"name": "kserve-manager-role"}, "rules": []})
    for rel, kind in (("rbac/role_binding.yaml", "ClusterRoleBinding"), ("rbac/leader_election_role_binding.yaml", "RoleBinding")):
        _write(root / rel, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": Path(rel).stem},
                            "subjects": [{"kind": "ServiceAccount", "name": "kserve-controller-manager", "namespace": "system"}]})
    _write(root / "rbac/leader_election_role.yaml", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                                                     "metadata": {"name": "leader-election-role"}, "rules": []})
    _write(root / "manager/manager.yaml", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kserve-controller-manager", "namespace": "kserve"},
        "spec": {"template": {"spec": {"containers": [{"name": "manager", "image": "ko://github.com/kserve/kserve/cmd/manager",
                                                        "imagePullPolicy": "Always"}]}}}})
    _write(root / "manager/service.yaml", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kserve-controller-manager-service"}})
    _write(root / "webhook/service.yaml", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kserve-webhook-server-service"}})
    hook = {"name": "h", "clientConfig": {"service": {"name": "$(webhookServiceName)", "namespace": "$(kserveNamespace)", "path": "/p"}}}
    _write(root / "webhook/manifests.yaml",
           {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "inferenceservice.serving.kserve.io"}, "webhooks": [hook]},
           {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "servingruntime.serving.kserve.io"}, "webhooks": [hook]})
    _write(root / "configmap/inferenceservice.yaml", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": {"deploy": json.dumps({"defaultDeploymentMode": "Serverless"}),
                 "ingress": json.dumps({"ingressClassName": "istio", "ingressDomain": "example.com", "urlScheme": "http"}),
                 "storageInitializer": json.dumps({"image": "kserve/storage-initializer:latest", "enableModelcar": True})}})
    for name in ("kserve-mlserver", "kserve-tritonserver"):
        _write(root / f"runtimes/{name}.yaml", {
            "apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterServingRuntime", "metadata": {"name": name},
            "spec": {"containers": [{"name": "kserve-container", "image": f"{name}:replace"}]}})
    return root


def _render(tmp_path: Path, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    config = _config_dir(tmp_path / "config")
    for name in ("ca", "cert", "key"):
        (tmp_path / f"{name}.pem").write_text(f"-----{name}-----\n")
    proc = subprocess.run(
        [sys.executable, str(RENDER), "--config-dir", str(config), "--controller-image", "cc.local/kserve-controller:v0.20.0",
         "--ca", str(tmp_path / "ca.pem"), "--cert", str(tmp_path / "cert.pem"), "--key", str(tmp_path / "key.pem"), *extra],
        capture_output=True, text=True, check=False)
    return proc.returncode, [d for d in yaml.safe_load_all(proc.stdout) if d] if proc.returncode == 0 else [], proc.stderr


def _one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def test_kserves_own_objects_come_through_with_only_the_local_clusters_changes(tmp_path: Path) -> None:
    rc, docs, err = _render(tmp_path, "--runtime-image", "kserve-mlserver=cc.local/mlserver:1.7.1",
                            "--storage-initializer-image", "cc.local/kserve-storage-initializer:v0.20.0")
    assert rc == 0, err
    assert sum(d["kind"] == "CustomResourceDefinition" for d in docs) == 10
    manager = _one(docs, "Deployment", "kserve-controller-manager")["spec"]["template"]["spec"]["containers"][0]
    assert (manager["image"], manager["imagePullPolicy"]) == ("cc.local/kserve-controller:v0.20.0", "IfNotPresent")
    ca = base64.b64encode(b"-----ca-----\n").decode()
    for kind, name in (("MutatingWebhookConfiguration", "inferenceservice.serving.kserve.io"),
                       ("ValidatingWebhookConfiguration", "servingruntime.serving.kserve.io")):
        cc = _one(docs, kind, name)["webhooks"][0]["clientConfig"]
        assert cc["service"] == {"name": "kserve-webhook-server-service", "namespace": "kserve", "path": "/p"}
        assert cc["caBundle"] == ca
    data = _one(docs, "ConfigMap", "inferenceservice-config")["data"]
    assert json.loads(data["deploy"]) == {"defaultDeploymentMode": "RawDeployment"}
    ingress = json.loads(data["ingress"])
    assert (ingress["ingressClassName"], ingress["ingressDomain"], ingress["urlScheme"]) == ("traefik", "cc.local", "http")
    storage = json.loads(data["storageInitializer"])
    assert (storage["image"], storage["enableModelcar"]) == ("cc.local/kserve-storage-initializer:v0.20.0", False)
    secret = _one(docs, "Secret", "kserve-webhook-server-cert")
    assert set(secret["data"]) == {"tls.crt", "tls.key", "ca.crt"}
    # the bindings name the ServiceAccount where it is (kustomize's namespace: kserve did this upstream)
    assert _one(docs, "ClusterRoleBinding", "role_binding")["subjects"][0]["namespace"] == "kserve"
    assert all(d["metadata"]["namespace"] == "kserve" for d in docs
               if d["kind"] in ("Deployment", "Service", "ConfigMap", "Secret", "Role", "RoleBinding", "ServiceAccount"))
    assert all(d["metadata"]["labels"]["app.kubernetes.io/part-of"] == "cc-local-kserve" for d in docs)


def test_a_runtime_with_no_image_built_here_is_left_out_not_installed_pointing_at_a_registry(tmp_path: Path) -> None:
    rc, docs, err = _render(tmp_path, "--runtime-image", "kserve-mlserver=cc.local/mlserver:1.7.1")
    assert rc == 0, err
    runtimes = [d for d in docs if d["kind"] == "ClusterServingRuntime"]
    assert [r["metadata"]["name"] for r in runtimes] == ["kserve-mlserver"]
    assert runtimes[0]["spec"]["containers"][0]["image"] == "cc.local/mlserver:1.7.1"
    rc, docs, err = _render(tmp_path)
    assert rc == 0 and not [d for d in docs if d["kind"] == "ClusterServingRuntime"]


def test_a_config_dir_that_is_not_kserves_is_one_line_naming_the_file(tmp_path: Path) -> None:
    config = _config_dir(tmp_path / "config")
    (config / "webhook/manifests.yaml").unlink()
    proc = subprocess.run([sys.executable, str(RENDER), "--config-dir", str(config), "--controller-image", "x",
                           "--ca", str(RENDER), "--cert", str(RENDER), "--key", str(RENDER)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "webhook/manifests.yaml" in proc.stderr


def test_the_inference_service_asks_for_the_hpa_the_config_describes() -> None:
    """kubernetes.inference.scale_target_pct and cpu_request: KServe's raw mode makes them the HPA's CPU
    target and what it is a share of; unset, the predictor carries neither (KServe's defaults)."""
    from clustercheck.inference import isvc

    base = {"name": "cc-iris", "namespace": "default", "min_replicas": 2, "max_replicas": 3}
    pred = isvc.manifest({**base, "scale_target_pct": 50, "cpu_request": "100m"}, "s3://b/m")["spec"]["predictor"]
    assert (pred["minReplicas"], pred["maxReplicas"], pred["scaleMetric"], pred["scaleTarget"]) == (2, 3, "cpu", 50)
    assert pred["model"]["resources"] == {"requests": {"cpu": "100m"}}
    plain = isvc.manifest(base, "s3://b/m")["spec"]["predictor"]
    assert "scaleTarget" not in plain and "resources" not in plain["model"]
