#!/usr/bin/env bash
# Check: scenario 5 - HPC to cloud: a SLURM GPU job trains a model and registers it in MLflow, the cloud side serves that version, and its predictions come back right
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test-infra/checks/mlops-target.sh
source "$CC_CHECKS/mlops-target.sh"

mlops_target::require_serving
[[ -x "${CC_HPC_SLURM_PYTHON:-}" ]] || check::error "hpc.slurm.python '${CC_HPC_SLURM_PYTHON:-}' is not an executable Python with clustercheck"
scenario::begin
multi_cluster::ensure hpc running || check::fail "the HPC cluster did not start"
multi_cluster::ensure cloud running || check::fail "the cloud cluster did not start"

# 1. HPC: the training job, on a GPU when the nodes have them.
gres=()
((CC_HPC_SLURM_GPUS_PER_NODE > 0)) && gres=(--gres=gpu:1)
start=$(util::now)
slurm::submit train "$(printf '%q ' "$CC_HPC_SLURM_PYTHON" -m clustercheck multi train --config "$CC_CONFIG_FILE")" "${gres[@]}"
job=$SLURM_JOB
state=$(slurm::wait_state "$job" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY' $((SLURM_TIMEOUT * 3))) ||
  check::fail "training job $job did not finish: $state"
facts::adopt train "$SLURM_JOB_DIR/train.out" multi train
[[ "$state" == COMPLETED ]] || check::fail "training job $job ended $state: $(tail -n 1 "$SLURM_JOB_DIR/train.out" 2>/dev/null)"
sed 's/^/  | /' "$CC_ARTIFACT_DIR/train.tsv" >&2
run_id=$(facts::get train run_id)
model_uri=$(facts::get train model_uri)
[[ -n "$model_uri" ]] || check::fail "training job $job registered no model (see train.tsv)"
util::trap_add "clustercheck multi forget-model --config '$CC_CONFIG_FILE' --run-id '$run_id' >&2 || true" EXIT
check::metric hpc_training_job "$(util::elapsed "$start")" s
check::expect_eq "job $job ran as SLURM job" "$(facts::get train slurm_job_id)" "$job"
((${#gres[@]} == 0)) || check::expect "the job was given a GPU (CUDA_VISIBLE_DEVICES=$(facts::get train cuda_visible_devices))" \
  test "$(facts::get train cuda_visible_devices)" != -

# 2. Cloud: serve exactly the version the job registered.
port=$CC_HPC_WORKFLOW_SERVE_PORT
! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || check::error "hpc.workflow.serve_port $port on 127.0.0.1 is already in use"
start=$(util::now)
MLFLOW_TRACKING_URI=$CC_MLOPS_MLFLOW_URL setsid mlflow models serve -m "$model_uri" --env-manager local -h 127.0.0.1 -p "$port" \
  </dev/null >"$CC_ARTIFACT_DIR/serve.log" 2>&1 &
server=$!
util::trap_add "kill -TERM -- -$server 2>/dev/null || true; sleep 1; kill -KILL -- -$server 2>/dev/null || true" EXIT
clustercheck serving wait-ready --config "$CC_CONFIG_FILE" --url "http://127.0.0.1:$port" --protocol mlflow \
  --within "$CC_HPC_WORKFLOW_SERVE_TIMEOUT_S" || check::fail "the served $model_uri did not become ready: $(tail -n 1 "$CC_ARTIFACT_DIR/serve.log")"
check::metric cloud_serving_ready "$(util::elapsed "$start")" s

# 3. The prediction comes back.
facts::run predict multi predict --url "http://127.0.0.1:$port" >/dev/null
check::expect_eq "prediction request" "$(facts::get predict predict)" ok
while IFS=$'\t' read -r key value; do
  read -r got want <<<"$value"
  check::expect_eq "$key (got vs expected class)" "$got" "$want"
done < <(facts::matching predict sample.)
check::finish "job $job trained and registered $model_uri; the cloud side served it and predicted the samples"
