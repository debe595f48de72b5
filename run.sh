#!/usr/bin/env bash
# README command 1: the whole DeviceSync cluster on loopback.
#   three Azurite processes (the storage replicas, data under .data/), a fourth for the backup store, two silos,
#   one gateway on :5080.
# Ctrl+C (or SIGTERM) stops everything cleanly; data survives a restart.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
DATA_DIR=${DEVICESYNC_DATA:-$ROOT/.data}
LOG_DIR=$DATA_DIR/logs
RUN_DIR=$DATA_DIR/run        # what `rollout` reads: each silo's and the gateway's arguments and pid (src/Ops/Rollout)
BUILD_DIR=$DATA_DIR/builds   # the builds processes run from, so rebuilding the tree never touches their files
GATEWAY_URL=${GATEWAY_URL:-http://127.0.0.1:5080}
export SYNC_ADMIN_KEY=${SYNC_ADMIN_KEY:-local-dev-admin-key}   # loopback-only default; production must set its own
CONFIGURATION=${CONFIGURATION:-Release}

# The storage emulator's well-known development account (public, documented by Microsoft; not a secret).
DEV_ACCOUNT=devstoreaccount1
DEV_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
REPLICA_BASE_PORTS=(10000 10010 10020)   # blob = base, queue = base+1, table = base+2
BACKUP_BASE_PORT=10030                    # the backup store (docs/adr/0005-backups-and-restore.md): its own Azurite
SILOS=${SILOS:-2}   # how many silos (1-9); silo i listens on 11111+i (silos), 30000+i (clients), 5081+i (HTTP)
[[ $SILOS =~ ^[1-9]$ ]] || { echo "[run.sh] SILOS must be 1-9, not '$SILOS'"; exit 2; }
SILO_PORTS=(); SILO_GATEWAY_PORTS=(); SILO_HTTP_PORTS=()
for ((i = 0; i < SILOS; i++)); do
  SILO_PORTS+=($((11111 + i))); SILO_GATEWAY_PORTS+=($((30000 + i))); SILO_HTTP_PORTS+=($((5081 + i)))
done

azurite_pids=(); azurite_logs=(); silo_pids=(); gateway_pid=
# Children run in their own session, so Ctrl+C reaches only this script, which then stops them in order
# (gateway, silos, then the replicas after a save) instead of everything at once.
SETSID=$(command -v setsid || true)
log() { printf '[run.sh] %s\n' "$*"; }

connection_string() {
  local base=$1
  printf 'DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/%s;QueueEndpoint=http://127.0.0.1:%d/%s;TableEndpoint=http://127.0.0.1:%d/%s;' \
    "$DEV_ACCOUNT" "$DEV_KEY" "$base" "$DEV_ACCOUNT" $((base + 1)) "$DEV_ACCOUNT" $((base + 2)) "$DEV_ACCOUNT"
}

wait_for_port() { # port, name, seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < deadline)) || { log "$2 did not open port $1 within $3 s; see $LOG_DIR"; exit 1; }
    sleep 0.2
  done
}

wait_for_ready() { # url, name, seconds
  local deadline=$((SECONDS + $3))
  until curl -sf -o /dev/null "$1"; do
    ((SECONDS < deadline)) || { log "$2 not ready at $1 within $3 s; see $LOG_DIR"; exit 1; }
    sleep 0.3
  done
}

stop_pid() { # pid, grace seconds
  local pid=$1 deadline=$((SECONDS + $2))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
}

# A rollout replaces silo and gateway processes; their pids live in $RUN_DIR, so read them again whenever they matter.
current_pids() {
  local i
  for i in "${!silo_pids[@]}"; do
    [[ -f $RUN_DIR/silo-$i.pid ]] && silo_pids[$i]=$(<"$RUN_DIR/silo-$i.pid")
  done
  [[ -f $RUN_DIR/gateway.pid ]] && gateway_pid=$(<"$RUN_DIR/gateway.pid")
  return 0
}

stopping=0
stop_all() {
  ((stopping)) && return; stopping=1
  trap '' INT TERM
  log "stopping: gateway, then silos (graceful), then storage replicas"
  current_pids
  [[ -n ${gateway_pid:-} ]] && stop_pid "$gateway_pid" 20
  for pid in "${silo_pids[@]:-}"; do [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${silo_pids[@]:-}"; do [[ -n $pid ]] && stop_pid "$pid" 40; done
  ((${#azurite_pids[@]})) && stop_azurites 60
  log "stopped"
}

# On SIGTERM each Azurite saves its data, prints "... service successfully closed" for blob, queue and table, and exits
# (with telemetry on it lingered for minutes: FACTS.md, docs/benchmarks.md). So all are stopped at once and each is
# killed once it has said all three or has exited; only one that has not closed within the grace is killed unsaved.
stop_azurites() { # grace seconds
  local deadline=$((SECONDS + $1)) i pid closed open
  for pid in "${azurite_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  while :; do
    open=0
    for i in "${!azurite_pids[@]}"; do
      kill -0 "${azurite_pids[$i]}" 2>/dev/null || continue
      closed=$(grep -c "service successfully closed" "${azurite_logs[$i]}" 2>/dev/null || true)
      ((${closed:-0} >= 3)) || open=1
    done
    ((open && SECONDS < deadline)) || break
    sleep 0.2
  done
  ((open)) && log "a storage replica did not close within $1 s; killing it"
  for pid in "${azurite_pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

# Refuse to start on top of another cluster: its ports would answer our readiness checks.
gateway_port=${GATEWAY_URL##*:}; gateway_port=${gateway_port%%/*}
for port in "$gateway_port" "${SILO_HTTP_PORTS[@]}" "${SILO_PORTS[@]}" "${SILO_GATEWAY_PORTS[@]}" \
            $(for base in "${REPLICA_BASE_PORTS[@]}" "$BACKUP_BASE_PORT"; do echo "$base" $((base + 1)) $((base + 2)); done); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is already in use (another DeviceSync cluster running?); stop it first"
    exit 1
  fi
done

# 1. Install what is missing, then build.
if [[ ! -x node_modules/.bin/azurite ]]; then
  log "installing the storage emulator (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "building ($CONFIGURATION)"
dotnet build Orleans.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -v:q

mkdir -p "$LOG_DIR"
# Nothing of ours runs now (the ports were free): start from clean run and build folders.
rm -rf "$RUN_DIR" "$BUILD_DIR"
mkdir -p "$RUN_DIR" "$BUILD_DIR"
cp -r "src/Silo/bin/$CONFIGURATION/net10.0" "$BUILD_DIR/silo"
cp -r "src/Gateway/bin/$CONFIGURATION/net10.0" "$BUILD_DIR/gateway"

# 2. Storage replicas.
# Each replica records the journal layout it is written in and keeps it (docs/adr/0010-group-commit.md); the silos'
# setting only chooses the layout of a replica that holds no journal yet. That is group commit with
# S = DEVICESYNC_GROUP_COMMIT_SHARDS (default 2; 0 = the per-stream layout): on these single-threaded emulators it
# commits 3-5x more under load (docs/benchmarks.md). A data folder from before stays in layout 1 until its replicas are
# moved one at a time with `ops relayout` (docs/operations.md, "Moving a deployment to group commit").
GROUP_COMMIT_SHARDS=${DEVICESYNC_GROUP_COMMIT_SHARDS:-2}
[[ $GROUP_COMMIT_SHARDS =~ ^([0-9]|[1-9][0-9]|100)$ ]] || { log "DEVICESYNC_GROUP_COMMIT_SHARDS must be 0-100, not '$GROUP_COMMIT_SHARDS'"; exit 2; }
journal_args=()
if ((GROUP_COMMIT_SHARDS > 0)); then
  journal_args=(--Storage:GroupCommit:Enabled=true --Storage:GroupCommit:Shards="$GROUP_COMMIT_SHARDS")
fi

# --disableTelemetry: with it on, an idle Azurite spent ~8 % of a core retrying to send usage data it cannot send
# (DNS lookups every few seconds; docs/benchmarks.md, "Idle Azurites"), and none of it should leave the machine anyway.
replica_args=()
for i in "${!REPLICA_BASE_PORTS[@]}"; do
  base=${REPLICA_BASE_PORTS[$i]}
  mkdir -p "$DATA_DIR/replica-$i"
  $SETSID node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --disableTelemetry \
    --location "$DATA_DIR/replica-$i" \
    --blobHost 127.0.0.1 --blobPort "$base" --queueHost 127.0.0.1 --queuePort $((base + 1)) \
    --tableHost 127.0.0.1 --tablePort $((base + 2)) >"$LOG_DIR/replica-$i.log" 2>&1 &
  azurite_pids+=($!); azurite_logs+=("$LOG_DIR/replica-$i.log")
  replica_args+=("--Storage:Replicas:$i=$(connection_string "$base")")
  connection_string "$base" >"$RUN_DIR/replica-$i.connection"   # what `ops relayout --replica N` reads by default
done
mkdir -p "$DATA_DIR/backup"
$SETSID node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --disableTelemetry \
  --location "$DATA_DIR/backup" \
  --blobHost 127.0.0.1 --blobPort "$BACKUP_BASE_PORT" --queueHost 127.0.0.1 --queuePort $((BACKUP_BASE_PORT + 1)) \
  --tableHost 127.0.0.1 --tablePort $((BACKUP_BASE_PORT + 2)) >"$LOG_DIR/backup.log" 2>&1 &
azurite_pids+=($!); azurite_logs+=("$LOG_DIR/backup.log")
BACKUP=$(connection_string "$BACKUP_BASE_PORT")
replica_args+=("--Backup:ConnectionString=$BACKUP")
printf '%s\n' "$BACKUP" >"$RUN_DIR/backup.connection"   # what `ops backups|restore|drill` read by default
for i in "${!REPLICA_BASE_PORTS[@]}"; do
  wait_for_port $((REPLICA_BASE_PORTS[$i] + 2)) "replica $i" 30
  wait_for_port "${REPLICA_BASE_PORTS[$i]}" "replica $i" 30
done
wait_for_port $((BACKUP_BASE_PORT + 2)) "backup store" 30
wait_for_port "$BACKUP_BASE_PORT" "backup store" 30
MEMBERSHIP=$(connection_string "${REPLICA_BASE_PORTS[0]}")

# The silos' device-token key (docs/adr/0008-device-readmission.md): made once, kept in .data/secrets, never inside a
# replica's folder (a key stored with the data would be lost with it), and handed to the silos in their environment
# (not their arguments, which ps shows and .data/run keeps). DEVICESYNC_READMISSION=1 turns re-admission on: only for
# the disaster in docs/operations.md, "Every replica and the backup lost"; off again afterwards.
SECRETS_DIR=$DATA_DIR/secrets
if [[ ! -s $SECRETS_DIR/token-key ]]; then
  mkdir -p "$SECRETS_DIR" && chmod 700 "$SECRETS_DIR"
  (umask 077 && head -c 32 /dev/urandom | base64 >"$SECRETS_DIR/token-key")
fi
READMISSION=false
[[ ${DEVICESYNC_READMISSION:-0} == 1 ]] && READMISSION=true

# 3. Silos.
# Each Azurite serves one request at a time: a silo keeps at most 8 connections to each, so a replica that falls behind
# under load is not sent every pipelined append at once (Storage:MaxConnectionsPerReplica, docs/benchmarks.md).
for i in "${!SILO_PORTS[@]}"; do
  silo_args=(--urls "http://127.0.0.1:${SILO_HTTP_PORTS[$i]}"
    --Cluster:MembershipConnectionString="$MEMBERSHIP"
    --Silo:SiloPort="${SILO_PORTS[$i]}" --Silo:GatewayPort="${SILO_GATEWAY_PORTS[$i]}"
    "${replica_args[@]}" "${journal_args[@]}" --Storage:MaxConnectionsPerReplica=8)
  Auth__TokenKeys__0__Id=local Auth__TokenKeys__0__Key="$(cat "$SECRETS_DIR/token-key")" Auth__Readmission__Enabled=$READMISSION \
    $SETSID dotnet "$BUILD_DIR/silo/DeviceSync.Silo.dll" "${silo_args[@]}" >"$LOG_DIR/silo-$i.log" 2>&1 &
  silo_pids+=($!)
  printf '%s\0' "${silo_args[@]}" >"$RUN_DIR/silo-$i.args"
  echo "$!" >"$RUN_DIR/silo-$i.pid"
done
for i in "${!SILO_PORTS[@]}"; do wait_for_ready "http://127.0.0.1:${SILO_HTTP_PORTS[$i]}/readyz" "silo $i" 90; done

# 4. Gateway.
# The gateway streams blobs to the replicas (and their backup) itself, so it gets the same storage settings as the silos.
gateway_args=(--urls "$GATEWAY_URL" --Cluster:MembershipConnectionString="$MEMBERSHIP" "${replica_args[@]}")
$SETSID dotnet "$BUILD_DIR/gateway/DeviceSync.Gateway.dll" "${gateway_args[@]}" >"$LOG_DIR/gateway.log" 2>&1 &
gateway_pid=$!
printf '%s\0' "${gateway_args[@]}" >"$RUN_DIR/gateway.args"
echo "$gateway_pid" >"$RUN_DIR/gateway.pid"
wait_for_ready "$GATEWAY_URL/readyz" "gateway" 90

cat <<INFO

DeviceSync is running on loopback.
  gateway         $GATEWAY_URL          (admin key: \$SYNC_ADMIN_KEY, default local-dev-admin-key)
$(for i in "${!SILO_PORTS[@]}"; do
  printf '  silo %d          http://127.0.0.1:%d   (silo port %d, client gateway port %d)\n' "$i" "${SILO_HTTP_PORTS[$i]}" "${SILO_PORTS[$i]}" "${SILO_GATEWAY_PORTS[$i]}"
done)
  replica 0..2    Azurite blob/table on 10000/10002, 10010/10012, 10020/10022; data in $DATA_DIR/replica-N
  journal         each replica keeps the layout it records; a new one gets $( ((GROUP_COMMIT_SHARDS > 0)) && echo "group commit, $GROUP_COMMIT_SHARDS shards" || echo "the per-stream layout") (ops relayout moves one)
  backup store    Azurite blob/table on 10030/10032; data in $DATA_DIR/backup (drill: dotnet run --project src/Ops -c Release -- drill)
  metrics         $GATEWAY_URL/metrics and each silo's /metrics
  logs            $LOG_DIR
Press Ctrl+C to stop everything.
INFO

# 5. Run until interrupted, or until a process dies on its own.
while true; do
  current_pids
  for pid in "${azurite_pids[@]}" "${silo_pids[@]}" "$gateway_pid"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      # A silo or gateway being replaced by `rollout` is briefly gone; that is not a crash.
      compgen -G "$RUN_DIR/*.rolling" >/dev/null && continue
      log "process $pid exited unexpectedly; see $LOG_DIR"; exit 1
    fi
  done
  sleep 1 & wait $!
done
