#!/usr/bin/env bash
# The MLOps part of the embedded target: SeaweedFS (S3), PostgreSQL 15, the MLflow tracking server
# and two model servers of a model registered in MLflow - all on 127.0.0.1, each started and stopped
# by PID. Ansible (ansible/mlops.yml) installs and configures them; this file only runs them.
# Sourced by test-infra/local/stack after proc.sh; reads the target config CC_STACK_CONFIG.

MLOPS_SERVICES=(s3 postgresql mlflow model-server mlserver)

mlops::_config() {
  [[ -n "${MLOPS_DIR:-}" ]] && return 0
  proc::load_config CC_MLOPS_LOCAL_STATE_DIR "a local MLOps stack (no mlops.local section)"
  MLOPS_DIR=$CC_MLOPS_LOCAL_STATE_DIR
  MLOPS_TIMEOUT=${CC_MLOPS_TIMEOUTS_READY_S%.*}
  PG_BIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
}

# mlops::_port URL: the port of an http URL.
mlops::_port() {
  local rest=${1#*://}
  rest=${rest%%/*}
  [[ "$rest" == *:* ]] && printf '%s\n' "${rest##*:}" || printf '80\n'
}

mlops::_endpoint() { # PROTOCOL -> URL of that serving endpoint (empty when not configured)
  local i
  for ((i = 0; i < ${CC_MLOPS_SERVING_ENDPOINTS_COUNT:-0}; i++)); do
    local p="CC_MLOPS_SERVING_ENDPOINTS_${i}_PROTOCOL" u="CC_MLOPS_SERVING_ENDPOINTS_${i}_URL"
    [[ "${!p}" == "$1" ]] && printf '%s\n' "${!u}" && return 0
  done
  return 0
}

# mlops::provision: run the Ansible roles when the config's mlops section or the roles changed.
mlops::provision() {
  provision::run mlops mlops.yml "$MLOPS_DIR" mlops "cc_venv=$CC_ROOT/.venv"
}

mlops::_pg_running() {
  [[ -n "$PG_BIN" ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$MLOPS_DIR/pg/data" status >/dev/null 2>&1
}

mlops::_check_ports() {
  proc::pid s3 >/dev/null || {
    proc::require_free_port "$(mlops::_port "$CC_MLOPS_S3_ENDPOINT")" "SeaweedFS S3 gateway"
    proc::require_free_port "$CC_MLOPS_LOCAL_SEAWEEDFS_MASTER_PORT" "SeaweedFS master"
    proc::require_free_port "$CC_MLOPS_LOCAL_SEAWEEDFS_VOLUME_PORT" "SeaweedFS volume server"
    proc::require_free_port "$CC_MLOPS_LOCAL_SEAWEEDFS_FILER_PORT" "SeaweedFS filer"
  }
  mlops::_pg_running || proc::require_free_port "$CC_MLOPS_POSTGRESQL_PORT" "PostgreSQL"
  proc::pid mlflow >/dev/null || proc::require_free_port "$(mlops::_port "$CC_MLOPS_MLFLOW_URL")" "MLflow"
  local url
  url=$(mlops::_endpoint mlflow)
  [[ -z "$url" ]] || proc::pid model-server >/dev/null || proc::require_free_port "$(mlops::_port "$url")" "mlflow models serve"
  url=$(mlops::_endpoint v2)
  if [[ -n "$url" ]] && ! proc::pid mlserver >/dev/null; then
    proc::require_free_port "$(mlops::_port "$url")" "MLServer HTTP"
    proc::require_free_port "$CC_MLOPS_LOCAL_MLSERVER_GRPC_PORT" "MLServer gRPC"
    proc::require_free_port "$CC_MLOPS_LOCAL_MLSERVER_METRICS_PORT" "MLServer metrics"
  fi
}

mlops::_start_s3() {
  proc::pid s3 >/dev/null && return 0
  mkdir -p "$MLOPS_DIR/s3/data"
  proc::start s3 weed server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$MLOPS_DIR/s3/data" \
    -master.port="$CC_MLOPS_LOCAL_SEAWEEDFS_MASTER_PORT" -volume.port="$CC_MLOPS_LOCAL_SEAWEEDFS_VOLUME_PORT" \
    -filer.port="$CC_MLOPS_LOCAL_SEAWEEDFS_FILER_PORT" -s3 -s3.port="$(mlops::_port "$CC_MLOPS_S3_ENDPOINT")" \
    -s3.config="$MLOPS_DIR/s3/s3.json" -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.volumeSizeLimitMB=256 -volume.max=64 -volume.preStopSeconds=0
}
# preStopSeconds=0: the volume server's default 10 s of heartbeats before it stops tell other masters
# to write elsewhere; with one master in the same process they only made every stack down 10 s longer.
# Volumes: SeaweedFS grows 7 at a time per bucket (collection) and per system log; 64 sparse volumes of
# at most 256 MiB leave room for every bucket and a deleted-and-recreated one, without reserving disk.
# Iceberg and Lance catalogs are off: their fixed ports (8181, 9101) are not ours to take.

mlops::_start_pg() {
  [[ -n "$PG_BIN" ]] || log::die "mlops: PostgreSQL 15 is not installed (run: make setup)"
  if ! mlops::_pg_running; then
    mkdir -p "$CC_LOCAL_STATE/logs"
    touch "$CC_LOCAL_STATE/logs/postgresql.log"
    chown postgres "$CC_LOCAL_STATE/logs/postgresql.log"
    (proc::exec_bare runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$MLOPS_DIR/pg/data" -l "$CC_LOCAL_STATE/logs/postgresql.log" \
      -w -t "$MLOPS_TIMEOUT" start) </dev/null >/dev/null 2>&1 ||
      log::die "mlops: PostgreSQL did not start (see $CC_LOCAL_STATE/logs/postgresql.log)" 1
  fi
  proc::remember postgresql "$(head -n 1 "$MLOPS_DIR/pg/data/postmaster.pid")"
  runuser -u postgres -- psql -h "$MLOPS_DIR/pg/run" -p "$CC_MLOPS_POSTGRESQL_PORT" -v ON_ERROR_STOP=1 -q \
    -f "$MLOPS_DIR/pg/bootstrap.sql" postgres >/dev/null ||
    log::die "mlops: could not create MLflow's role and database" 1
}

mlops::_start_mlflow() {
  proc::pid mlflow >/dev/null && return 0
  # The store URIs and keys come from the 600 env file, never the command line (ps shows that).
  (
    set -a
    # shellcheck source=/dev/null
    source "$MLOPS_DIR/mlflow/mlflow.env"
    set +a
    proc::start mlflow mlflow server --host 127.0.0.1 --port "$(mlops::_port "$CC_MLOPS_MLFLOW_URL")" --workers 1
  )
}

# mlops::_start_server model-server|mlserver: start one model server (serving.env loaded by the caller).
mlops::_start_server() {
  case $1 in
    model-server)
      local port slow=$CC_MLOPS_LOCAL_SERVING_SLOWDOWN
      port=$(mlops::_port "$(mlops::_endpoint mlflow)")
      if awk -v f="$slow" 'BEGIN { exit !(f > 1) }'; then
        # The slowed-down server (a baseline regression to show): the real one behind a proxy that
        # makes each answer take $slow times as long; one process group, stopped as one.
        proc::start model-server python3 "$CC_ROOT/test-infra/local/slowdown_proxy.py" --listen "$port" \
          --upstream-port "$CC_MLOPS_LOCAL_SERVING_INNER_PORT" --factor "$slow" -- \
          mlflow models serve -m "$MODEL_URI" --env-manager local -h 127.0.0.1 -p "$CC_MLOPS_LOCAL_SERVING_INNER_PORT"
        log::warn "model-server: slowed down ${slow}x (mlops.local.serving_slowdown)"
      else
        proc::start model-server mlflow models serve -m "$MODEL_URI" --env-manager local -h 127.0.0.1 -p "$port"
      fi ;;
    mlserver) proc::start mlserver mlserver start "$MLOPS_DIR/serving/mlserver" ;;
  esac
}

mlops::_start_serving() {
  local url
  (
    set -a
    # shellcheck source=/dev/null
    source "$MLOPS_DIR/serving/serving.env"
    set +a
    [[ -z "$(mlops::_endpoint mlflow)" ]] || proc::pid model-server >/dev/null || mlops::_start_server model-server
    [[ -z "$(mlops::_endpoint v2)" ]] || proc::pid mlserver >/dev/null || mlops::_start_server mlserver
  )
  url=$(mlops::_endpoint mlflow)
  [[ -z "$url" ]] || proc::wait_http "$url/ping" "mlflow models serve" "$MLOPS_TIMEOUT" model-server ||
    log::die "mlops: mlflow models serve not ready (see $(proc::logfile model-server))" 1
  url=$(mlops::_endpoint v2)
  [[ -z "$url" ]] || proc::wait_http "$url/v2/models/$CC_MLOPS_SERVING_MODEL_NAME/ready" MLServer "$MLOPS_TIMEOUT" mlserver ||
    log::die "mlops: MLServer not ready (see $(proc::logfile mlserver))" 1
}

mlops::up() {
  local start seed_pid seed_log
  start=$(util::now)
  mlops::_config
  mlops::provision
  mlops::_check_ports
  mlops::_start_s3
  mlops::_start_pg
  mlops::_start_mlflow
  proc::wait_http "$CC_MLOPS_S3_ENDPOINT/healthz" "SeaweedFS S3" "$MLOPS_TIMEOUT" s3 ||
    log::die "mlops: S3 not ready (see $(proc::logfile s3))" 1
  clustercheck s3 ensure-buckets --config "$CC_STACK_CONFIG" >/dev/null
  if [[ -n "${CC_MLOPS_SERVING_MODEL_NAME:-}" ]]; then
    # Registering the model waits for MLflow itself: its imports overlap the server's start.
    seed_log=$(proc::logfile seed)
    (proc::exec_bare clustercheck mlflow seed --config "$CC_STACK_CONFIG") >"$seed_log" 2>&1 </dev/null &
    seed_pid=$!
  fi
  proc::wait_http "$CC_MLOPS_MLFLOW_URL/health" MLflow "$MLOPS_TIMEOUT" mlflow ||
    log::die "mlops: MLflow not ready (see $(proc::logfile mlflow))" 1
  if [[ -n "${seed_pid:-}" ]]; then
    wait "$seed_pid" || log::die "mlops: registering the served model failed (see $seed_log)" 1
    log::info "mlops: $(cut -f2 "$seed_log" | tail -n 1)"
    mlops::_start_serving
  fi
  log::ok "mlops: S3, PostgreSQL, MLflow${seed_pid:+, model servers} up in $(util::elapsed "$start")s"
}

mlops::down() {
  mlops::_config
  local s
  # In parallel. SeaweedFS gets 3 s: its filer's graceful stop waits 15 s for the S3 gateway's own
  # metadata subscription in the same process, a stream that never ends; by then every object and its
  # metadata are on disk (volumes and the filer's leveldb are written per request), so KILL loses nothing.
  for s in mlserver model-server mlflow; do proc::stop "$s" 10 & done
  proc::stop s3 3 &
  wait
  if mlops::_pg_running; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$MLOPS_DIR/pg/data" -m fast -w stop >/dev/null 2>&1 ||
      proc::stop postgresql 10
    log::info "postgresql: stopped"
  fi
  rm -f "$(proc::pidfile postgresql)"
  # What the servers unpacked (downloaded models, uploads in flight) goes with them.
  rm -rf "${MLOPS_DIR:?}/mlflow/tmp/"* "${MLOPS_DIR:?}/serving/tmp/"* 2>/dev/null || true
}

mlops::restart() {
  mlops::_config
  case ${1:-} in
    postgresql)
      mlops::_pg_running || log::die "mlops: PostgreSQL is not running" 1
      (proc::exec_bare runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$MLOPS_DIR/pg/data" -m fast -w restart \
        -l "$CC_LOCAL_STATE/logs/postgresql.log") </dev/null >/dev/null 2>&1 ||
        log::die "mlops: PostgreSQL did not restart" 1
      proc::remember postgresql "$(head -n 1 "$MLOPS_DIR/pg/data/postmaster.pid")"
      log::ok "postgresql: restarted (pid $(proc::pid postgresql))" ;;
    model-server | mlserver)
      # Stop, then start without waiting for readiness: the cold-start check times that itself.
      proc::stop "$1" 10
      (
        set -a
        # shellcheck source=/dev/null
        source "$MLOPS_DIR/serving/serving.env"
        set +a
        mlops::_start_server "$1"
      )
      log::ok "$1: restarted (pid $(proc::pid "$1"))" ;;
    '') log::die "stack restart: needs a SERVICE: postgresql, model-server or mlserver" ;;
    *) log::die "stack restart: unknown SERVICE '$1' (services: postgresql, model-server, mlserver)" ;;
  esac
}

mlops::status() {
  mlops::_config
  local s rc=0
  for s in "${MLOPS_SERVICES[@]}"; do
    [[ "$s" == model-server && -z "$(mlops::_endpoint mlflow)" ]] && continue
    [[ "$s" == mlserver && -z "$(mlops::_endpoint v2)" ]] && continue
    if [[ "$s" == postgresql ]] && mlops::_pg_running; then
      printf '%-12s up    (pid %s)\n' "$s" "$(head -n 1 "$MLOPS_DIR/pg/data/postmaster.pid")"
    else
      proc::status "$s" || rc=1
    fi
  done
  return "$rc"
}
