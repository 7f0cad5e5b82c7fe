# clustercheck - see README.md. `make help` lists the targets.
SHELL := /bin/bash
FW := ./frameworks
ARGS ?=

.PHONY: help setup test test-python test-bats test-e2e lint stack-up stack-down stack-status \
	test-cloud-vm test-individual-vm-lifecycle test-shared-gpu-management bench bench-mlops \
	test-mlops-stack test-mlops-minio test-mlops-postgresql test-mlops-mlflow test-mlops-kserve \
	test-inference test-inference-deployment test-inference-performance bench-inference bench-distributed-load bench-kept-schedule bench-hpc-slurm-busy bench-baseline bench-capacity \
	test-kubernetes test-kubernetes-deployment test-kubernetes-networking docs \
	test-multi-cluster-scenarios test-workflow-transition test-shared-gpu test-hpc-slurm \
	test-slurm-controller test-slurm-compute test-slurm-job-examples test-slurm-failure-recovery \
	test-node-health bench-hpc-slurm test-hpc-runtime test-cgroup-isolation test-containers \
	test-job-scripts test-hpc-monitoring test-distributed-training test-pcie-passthrough bench-hpc-runtime \
	test-gpu-node bench-gpu-node bench-k8s-local bench-kserve-local \
	test-cloud-all test-all-clusters bench-all-clusters

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-32s %s\n", $$1, $$2}'

setup: ## install Debian packages (as root) and the venv, idempotently
	@test-infra/local/setup.sh

test: setup ## the project's own tests (what CI runs): lint, pytest and bats beside the e2e files
	tests/run-all.sh

test-python: setup ## pytest: config, driver on test:///default, reports, JUnit XSD
	.venv/bin/python -m pytest -q tests/python

test-bats: setup ## bats: the shell library and runner
	bats tests/bats

test-e2e: setup ## end to end against the local target with real QEMU guests
	tests/e2e/run-all.sh

# shellcheck -x follows every source: a check file (suites/**/check-*.sh) drags in lib.sh, check.sh and the
# utils behind them, 0.75 s each, 100 s for all of them in CI. Those utils are checked with -x themselves
# (first line); a check file is checked on its own (second line: -e SC1091, it is not following them).
lint: setup ## shellcheck every shell file, the never-fails scan (tests/lint), packer validate, ansible-playbook --syntax-check
	git ls-files '*.sh' 'frameworks/*' '.ci/run' 'test-infra/local/stack' 'tests/fixtures/pg-*' 'tests/fixtures/fixture-server' | sort -u | grep -Ev '^suites/.*/check-[^/]*\.sh$$' | xargs -P "$$(nproc)" -n 8 shellcheck -x
	git ls-files 'suites/*check-*.sh' | xargs -P "$$(nproc)" -n 32 shellcheck -e SC1091
	python3 tests/lint/never_fails.py
	cd packer && packer validate guest-image.pkr.hcl
	cd ansible && ansible-playbook -i inventory/local.yml site.yml --syntax-check

stack-up: setup ## bring the embedded local target up
	test-infra/local/stack up

stack-down: ## stop what stack-up started
	test-infra/local/stack down

stack-status: ## show the local target
	test-infra/local/stack status

test-cloud-vm: setup ## cloud-VM framework, e2e against the configured target (default: local)
	$(FW)/test-cloud-vm-framework.sh e2e $(ARGS)

test-individual-vm-lifecycle: setup ## single-VM stop/start/restart/status and GPU release
	$(FW)/test-cloud-vm-framework.sh e2e --filter 'individual-vm|vm-status-command|vm-gpu-release|vm-provisioning' $(ARGS)

test-shared-gpu-management: setup ## shared-GPU detection, conflicts, ownership, switching, errors
	$(FW)/test-cloud-vm-framework.sh e2e --filter 'gpu|vm-provisioning' $(ARGS)

bench: setup ## print CLI start-up, helper-check and suite wall times
	bench/cloud-vm.sh

bench-k8s-local: setup ## print the local Kubernetes cluster's build, stack up (cold, warm) and framework times
	bench/k8s-local.sh $(ARGS)

bench-kserve-local: setup ## print KServe's stack up/down and an InferenceService's time from apply to predictions (cold, warm)
	bench/kserve-local.sh $(RUNS)

bench-mlops: setup ## print the cold `stack up mlops` time and the mlops-stack suite's wall time
	bench/mlops-stack.sh

test-mlops-stack: setup ## MLOps framework e2e: S3, PostgreSQL, MLflow, serving (+ KServe with a cluster)
	$(FW)/test-mlops-stack-framework.sh e2e $(ARGS)

test-mlops-minio: setup ## the S3 (MinIO / SeaweedFS) checks only
	$(FW)/test-mlops-stack-framework.sh e2e --suite minio $(ARGS)

test-mlops-postgresql: setup ## the PostgreSQL checks only
	$(FW)/test-mlops-stack-framework.sh e2e --suite postgresql $(ARGS)

test-mlops-mlflow: setup ## the MLflow checks only
	$(FW)/test-mlops-stack-framework.sh e2e --suite mlflow $(ARGS)

test-mlops-kserve: setup ## model serving, and the KServe checks on a configured cluster
	$(FW)/test-mlops-stack-framework.sh e2e --suite kserve $(ARGS)

test-inference: setup ## inference framework e2e: deployment, answers, cold start, latency, throughput, GPU
	$(FW)/test-inference-framework.sh e2e $(ARGS)

test-inference-deployment: setup ## inference: deployment, cold start, endpoint, model loading, answers
	$(FW)/test-inference-framework.sh e2e --filter 'deployment|cold-start|endpoint|model-loading|request-response' $(ARGS)

test-inference-performance: setup ## inference: latency, throughput sweep, GPU utilisation, autoscaling
	$(FW)/test-inference-framework.sh e2e --filter 'latency|throughput|gpu|autoscaling|load-balancing' $(ARGS)

bench-inference: setup ## our load engine beside wrk and hey on the local model endpoint
	bench/inference-engines.sh

bench-distributed-load: setup ## placed load workers on a 4-node local SLURM cluster: rate kept by 1/2/4, merged vs one process, merge error, memory (stack down)
	bench/distributed-load.sh

bench-hpc-slurm-busy: setup ## the HPC SLURM framework on a local cluster made busy (a user's job, two pending of higher priority), then in a reservation (stack down)
	bench/hpc-slurm-busy.sh

bench-kept-schedule: setup ## simulated: exactly kept Poisson/gamma schedules refused by the old nominal-rate rule vs the schedule's own count; a refused run in a repeat
	.venv/bin/python bench/kept_schedule.py

bench-baseline: setup ## baseline round trip: a 5-run baseline, RUNS (10) unchanged runs (false regressions), RUNS 2x slower (regressions caught)
	bench/baseline-round-trip.sh $(RUNS)

bench-capacity: setup ## throughput_max of RUNS (10) unchanged runs of the capacity sweep: min / median / max and the spread
	bench/capacity-repeat.sh $(RUNS)

test-kubernetes: setup ## Kubernetes framework against kubernetes.kubeconfig (skips without one; ARGS=--fail-on-skip)
	$(FW)/test-kubernetes-framework.sh e2e $(ARGS)

test-kubernetes-deployment: setup ## Kubernetes: health, Kubespray components, metrics-server, GPU plugin and scheduling
	$(FW)/test-kubernetes-framework.sh e2e --filter 'cluster-health|kubespray|metrics|gpu' $(ARGS)

test-kubernetes-networking: setup ## Kubernetes: pod networking across nodes, DNS, Calico, ingress
	$(FW)/test-kubernetes-framework.sh e2e --filter 'networking|dns|cni|ingress' $(ARGS)

test-hpc-slurm: setup ## HPC SLURM framework e2e on a multi-node cluster: controller, compute, examples, recovery, node health
	$(FW)/test-hpc-slurm-framework.sh e2e $(ARGS)

test-slurm-controller: setup ## HPC: slurmctld config, MUNGE, accounting (slurmdbd), PMIx
	$(FW)/test-hpc-slurm-framework.sh e2e --suite slurm-controller $(ARGS)

test-slurm-compute: setup ## HPC: node registration, jobs on every node, TCP between nodes, MPI, srun/sbatch, GRES
	$(FW)/test-hpc-slurm-framework.sh e2e --suite slurm-compute $(ARGS)

test-slurm-job-examples: setup ## HPC: hello world on all nodes, MPI pi, matrix product, batch pipeline
	$(FW)/test-hpc-slurm-framework.sh e2e --suite slurm-job-examples $(ARGS)

test-slurm-failure-recovery: setup ## HPC: a node's slurmd dies mid-job; requeue elsewhere; node returns (opt-in on real clusters)
	$(FW)/test-hpc-slurm-framework.sh e2e --suite slurm-failure-recovery $(ARGS)

test-node-health: setup ## HPC: per-node MUNGE, slurmd, GPUs, scratch, clock - one srun over every node
	$(FW)/test-hpc-slurm-framework.sh e2e --suite node-health $(ARGS)

bench-hpc-slurm: setup ## print node-health wall time at 1, 2, 4 and 8 local nodes and the framework's wall time
	bench/hpc-slurm.sh

test-hpc-runtime: setup ## HPC runtime framework e2e: cgroups, containers + registry, job scripts, monitoring, DDP training
	$(FW)/test-hpc-runtime-framework.sh e2e $(ARGS)

test-cgroup-isolation: setup ## HPC runtime: cgroup setup, OOM kill under --mem, CPU binding, GPU device fencing
	$(FW)/test-hpc-runtime-framework.sh e2e --suite cgroup-isolation $(ARGS)

test-containers: setup ## HPC runtime: rootless containers as the job user, the registry, GPUs and MPI in containers
	$(FW)/test-hpc-runtime-framework.sh e2e --suite container-runtime --suite container-registry --suite container-integration $(ARGS)

test-job-scripts: setup ## HPC runtime: prolog/epilog records, failure diagnosis (exit, OOM, timeout, node failure)
	$(FW)/test-hpc-runtime-framework.sh e2e --suite job-scripts $(ARGS)

test-hpc-monitoring: setup ## HPC runtime: Prometheus scrapes every node exporter; DCGM and Grafana when configured
	$(FW)/test-hpc-runtime-framework.sh e2e --suite monitoring $(ARGS)

test-distributed-training: setup ## HPC runtime: PyTorch DDP over SLURM on 2 nodes (gloo on CPU, nccl on GPUs)
	$(FW)/test-hpc-runtime-framework.sh e2e --suite distributed-training $(ARGS)

bench-hpc-runtime: setup ## print the HPC runtime and PCIe passthrough frameworks' e2e wall times (budget: runtime 4 min)
	bench/hpc-runtime.sh

test-pcie-passthrough: setup ## PCIe passthrough: IOMMU group, vfio-pci, <hostdev>, driver, /dev/nvidia*, NVML
	$(FW)/test-pcie-passthrough-framework.sh e2e $(ARGS)

test-gpu-node: setup ## GPU node acceptance: NVML health (ECC, remaps, XID, PCIe, throttling, NVLink) and torch measurements on every GPU node at once (local: simulated GPUs on the SLURM nodes)
	$(FW)/test-gpu-node-framework.sh e2e $(ARGS)

bench-gpu-node: setup ## print the GPU node framework's figures (CONFIG=tests/gpu/gpu-node-host.yaml on a GPU host; FANOUT=8 adds the local fan-out, stack down)
	bench/gpu-node.sh $(if $(CONFIG),--config $(CONFIG),--config test-infra/configs/local.yaml) $(if $(FANOUT),--fanout $(FANOUT))

test-multi-cluster-scenarios: setup ## the seven cloud/HPC scenarios (both, hpc-only, cloud-only, cold start, workflow, shared GPU, transfer)
	$(FW)/test-multi-cluster-framework.sh all-scenarios $(ARGS)

test-workflow-transition: setup ## a SLURM job trains and registers a model in MLflow; the cloud side serves it and predicts
	$(FW)/test-multi-cluster-framework.sh workflow-transition $(ARGS)

test-shared-gpu: setup ## a GPU shared by the cloud and HPC clusters: conflict refused, transfer both ways
	$(FW)/test-multi-cluster-framework.sh shared-gpu $(ARGS)

test-cloud-all: setup ## cloud-vm, kubernetes, mlops-stack and inference e2e; one combined report in reports/cloud-all
	test-infra/run-all-clusters.sh --frameworks cloud-vm,kubernetes,mlops-stack,inference --report-dir reports/cloud-all $(if $(ARGS),-- $(ARGS))

test-all-clusters: setup ## every framework (cloud and HPC) e2e, in lanes; one combined JUnit + HTML report in reports/all-clusters (SEQUENTIAL=1: one after the other; BASELINE=F / SAVE_BASELINE=F)
	test-infra/run-all-clusters.sh $(if $(SEQUENTIAL),,--parallel) $(if $(BASELINE),--baseline $(BASELINE)) \
		$(if $(SAVE_BASELINE),--save-baseline $(SAVE_BASELINE)) --report-dir reports/all-clusters $(if $(ARGS),-- $(ARGS))

bench-all-clusters: setup ## print the wall time of test-all-clusters (RUNS=3: and whether the runs agree; SEQUENTIAL=1: one after the other; FRAMEWORKS=a,b: a subset)
	bench/all-clusters.sh --runs $(or $(RUNS),1) $(if $(SEQUENTIAL),,--parallel) $(if $(FRAMEWORKS),--frameworks $(FRAMEWORKS))

docs: setup ## regenerate docs/ (test inventory, component and dependency matrices, framework specs)
	.venv/bin/clustercheck docs generate
