#!/usr/bin/env bash
# Runs the Slurm recipe of deploy/slurm/ on a private one-node Slurm cluster and checks that a
# distributed pyramid (an array job of `nprec pyramid --task I/N`, then a job running `nprec
# downscale` after it) is byte-identical to one `nprec pyramid` run, for every case of lib.sh.
#
# usage: Tests/cluster/slurm_test.sh NPREC_BIN        (as root, on Debian)
#
# It installs slurm-wlm and munge if missing (no service is started by the install), then runs
# munged, slurmctld and slurmd of its own: key, sockets, ports, state, spool, pid and log files
# all in a fresh `mktemp -d` directory; nothing under /etc, /run or /var is used. It stops
# exactly those three daemons (by the pids in their pid files) when it exits, successful or not,
# and prints the daemon and job logs on failure.
#
# Environment:
#   NPREC_CLUSTER_TASKS=4      array size N
#   NPREC_CLUSTER_TIMEOUT=300  seconds to wait for all jobs
#   NPREC_CLUSTER_KEEP=1       keep the work directory (it is always kept on failure)
#   NPREC_SLURM_STANDIN=1      test the cluster machinery only, with a stand-in for nprec (each
#                              array task writes a file, the final job checks they all exist);
#                              NPREC_BIN is not run.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 NPREC_BIN" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2034 # (read by lib.sh)
LOG_TAG=slurm
NPREC_BIN=$(realpath -e "$1") || die "$1: not found"
N=${NPREC_CLUSTER_TASKS:-4}
TIMEOUT=${NPREC_CLUSTER_TIMEOUT:-300}
STANDIN=${NPREC_SLURM_STANDIN:-0}
START=$SECONDS

[ "$(id -u)" = 0 ] || die "run as root: the test cluster's slurmd runs jobs as root"
if [ "$STANDIN" = 1 ]; then
    log "stand-in mode: checking the cluster machinery only, $NPREC_BIN is not run"
else
    require_task_option "$NPREC_BIN"
fi

# ---- packages ---------------------------------------------------------------------------------
need=()
for cmd in slurmctld slurmd sbatch sinfo scontrol squeue scancel; do
    command -v "$cmd" >/dev/null 2>&1 || { need+=(slurm-wlm); break; }
done
command -v munged >/dev/null 2>&1 || need+=(munge)
apt_install "${need[@]}"

# ---- the private cluster ----------------------------------------------------------------------
WORK=$(mktemp -d /tmp/nprec-slurm.XXXXXX)
CONF=$WORK/etc/slurm.conf
MUNGE_SOCKET=$WORK/munge/munge.socket
# Every process the test starts carries this variable: the daemons, their slurmstepd and the
# jobs. The exit check looks for processes holding it.
MARK="NPREC_CLUSTER_TEST=$WORK"
MUNGED_PID="" SLURMCTLD_PID="" SLURMD_PID=""
JOBS=()
declare -A SUBMITTED

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
ours() { { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "$MARK"; }

# Stops a daemon we started: the pid in its pid file (or the pid $! gave, if it wrote none yet),
# provided it is still our process. TERM, up to 15 s, then KILL.
stop_daemon() {
    local name=$1 pidfile=$2 child=$3 pid i
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] || pid=$child
    alive "$pid" || { [ -z "$child" ] || wait "$child" 2>/dev/null || true; return 0; }
    ours "$pid" || { log "not stopping $name: pid $pid is not ours"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
        log "$name (pid $pid) still running 15 s after TERM: KILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
    fi
    [ -z "$child" ] || wait "$child" 2>/dev/null || true
    log "stopped $name (pid $pid)"
}

print_logs() {
    local f
    for f in "$WORK"/log/munged.stderr "$WORK"/log/slurmctld.{log,stderr} "$WORK"/log/slurmd.{log,stderr}; do
        [ -s "$f" ] || continue
        # With -D a Slurm daemon's stderr repeats its log file: only if the log is empty.
        [ "${f%.stderr}" = "$f" ] || [ "${f##*/}" = munged.stderr ] || [ ! -s "${f%.stderr}.log" ] || continue
        echo "----- ${f#"$WORK"/} (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
    for f in "$WORK"/log/job-*.out; do
        [ -s "$f" ] || continue
        echo "----- ${f#"$WORK"/} (last 5 lines)" >&2
        tail -n 5 "$f" >&2
    done
}

cleanup() {
    local rc=$? pid left=()
    set +e
    trap - INT TERM
    if [ -n "$SLURMCTLD_PID" ] && alive "$SLURMCTLD_PID"; then
        # Jobs still queued or running: cancel them and let slurmd end their steps, or their
        # slurmstepd (which outlive slurmd by design) would stay behind.
        if [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
            log "cancelling the jobs still queued or running"
            scancel "${JOBS[@]}" 2>/dev/null
            for ((i = 0; i < 300; i++)); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
        fi
    fi
    [ "$rc" = 0 ] || print_logs
    stop_daemon slurmd "$WORK/run/slurmd.pid" "$SLURMD_PID"
    stop_daemon slurmctld "$WORK/run/slurmctld.pid" "$SLURMCTLD_PID"
    stop_daemon munged "$WORK/run/munged.pid" "$MUNGED_PID"
    for pid in /proc/[0-9]*; do
        pid=${pid#/proc/}
        [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && ours "$pid" && alive "$pid" && left+=("$pid")
    done
    if [ ${#left[@]} -gt 0 ]; then
        log "FAIL: processes of the test still running after the daemons stopped:"
        ps -o pid,ppid,etime,args -p "${left[*]}" >&2
        kill -KILL "${left[@]}" 2>/dev/null
        rc=1
    fi
    if [ "$rc" = 0 ] && [ -z "${NPREC_CLUSTER_KEEP:-}" ]; then
        rm -rf "$WORK"
    else
        log "work directory kept: $WORK"
    fi
    log "$([ "$rc" = 0 ] && echo PASS || echo FAIL) in $((SECONDS - START)) s"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free TCP port: nothing answers on it. Random, so a Slurm of the host (6817, 6818) or another
# run of this test is never in the way.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

mkdir -p "$WORK"/{etc,munge,state,spool,run,log,jobs,data}
chmod 755 "$WORK/munge" # munged wants its socket's directory searchable by all
head -c 1024 /dev/urandom >"$WORK/munge/munge.key"
chmod 400 "$WORK/munge/munge.key"

NODE=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 9 / 10240)) # 90% of MemTotal, in MiB
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
while [ "$SLURMD_PORT" = "$CTLD_PORT" ]; do SLURMD_PORT=$(free_port); done
cat >"$CONF" <<EOF
# Written by nprec Tests/cluster/slurm_test.sh: a private one-node cluster.
ClusterName=nprectest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=nprec Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$CONF

log "work directory $WORK; node $NODE, $CPUS CPUs, RealMemory=$MEM_MB, ports $CTLD_PORT/$SLURMD_PORT"
env "$MARK" munged --foreground --force --key-file="$WORK/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$WORK/run/munged.pid" --log-file="$WORK/log/munged.log" \
    --seed-file="$WORK/munge/munged.seed" >"$WORK/log/munged.stderr" 2>&1 </dev/null &
MUNGED_PID=$!
for ((i = 0; i < 100; i++)); do [ -S "$MUNGE_SOCKET" ] && break; alive "$MUNGED_PID" || break; sleep 0.1; done
[ -S "$MUNGE_SOCKET" ] || die "munged did not create $MUNGE_SOCKET"
munge -n -S "$MUNGE_SOCKET" | unmunge -S "$MUNGE_SOCKET" >/dev/null || die "munge credential round trip failed"

env "$MARK" slurmctld -D -f "$CONF" >"$WORK/log/slurmctld.stderr" 2>&1 </dev/null &
SLURMCTLD_PID=$!
env "$MARK" slurmd -D -f "$CONF" >"$WORK/log/slurmd.stderr" 2>&1 </dev/null &
SLURMD_PID=$!

deadline=$((SECONDS + 60))
state=""
until state=$(sinfo -h -N -n "$NODE" -o %t 2>/dev/null) && [ "$state" = idle ]; do
    alive "$SLURMCTLD_PID" || die "slurmctld exited during startup"
    alive "$SLURMD_PID" || die "slurmd exited during startup"
    case $state in inval* | drain*)
        die "node $NODE is $state: $(scontrol show node "$NODE" | grep -o 'Reason=.*')" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || die "node $NODE not idle after 60 s (sinfo state: '${state:-no answer}')"
    sleep 0.2
done
log "cluster up in $((SECONDS - START)) s: $(sinfo -h -o '%P %a %D %t %C')"

# ---- jobs -------------------------------------------------------------------------------------
# The deploy/ recipe. NPREC is the binary the batch scripts run.
PYRAMID_SBATCH=$REPO/deploy/slurm/nprec-pyramid.sbatch
DOWNSCALE_SBATCH=$REPO/deploy/slurm/nprec-downscale.sbatch
JOB_NPREC=$NPREC_BIN
if [ "$STANDIN" = 1 ]; then
    # Stand-in for nprec: `pyramid --task I/N ... DEST` writes DEST/task-I-of-N, `downscale ...
    # DEST` checks that every task wrote its file and writes DEST/final.
    JOB_NPREC=$WORK/jobs/standin-nprec
    cat >"$JOB_NPREC" <<'EOF'
#!/bin/bash
set -euo pipefail
cmd=$1; shift
dest=${!#}
case $cmd in
pyramid)
    [ "$1" = --task ] || { echo "stand-in: no --task" >&2; exit 2; }
    mkdir -p "$dest"
    echo "$SLURM_JOB_ID $(hostname -s)" >"$dest/task-${2%/*}-of-${2#*/}"
    sleep 1 ;;
downscale)
    n=$(ls "$dest" | grep -c '^task-' || true)
    for f in "$dest"/task-*; do t=${f##*/task-}; [ "${t#*-of-}" = "$n" ] || { echo "stand-in: $f" >&2; exit 1; }; done
    echo done >"$dest/final" ;;
*) exit 2 ;;
esac
EOF
    chmod +x "$JOB_NPREC"
fi

# Submits one case: the array of N tasks, then the downscale job that waits for it. Records
# both ids in JOBS and SUBMITTED[NAME] ("ARRAY FINAL").
submit_case() { # NAME OUT
    local name=$1 out=$2 array final
    array=$(sbatch --parsable --array="0-$((N - 1))" --job-name="pyr-$name" --chdir="$WORK/data" \
        --output="$WORK/log/job-$name-%A_%a.out" --export="ALL,NPREC=$JOB_NPREC,$MARK" \
        "$PYRAMID_SBATCH" "${CASE_PYRAMID[@]}" "$CASE_VOLUME" "$out")
    array=${array%%;*}
    final=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
        --job-name="down-$name" --chdir="$WORK/data" --output="$WORK/log/job-$name-%j.out" \
        --export="ALL,NPREC=$JOB_NPREC,$MARK" "$DOWNSCALE_SBATCH" "${CASE_DOWNSCALE[@]}" "$out")
    final=${final%%;*}
    JOBS+=("$array" "$final")
    SUBMITTED[$name]="$array $final"
}

# One line per job record (array tasks one each once started): NAME(JOBID) STATE EXITCODE,
# NAME being ARRAYID_TASK for array tasks.
job_records() {
    scontrol show job -o "$1" 2>/dev/null | awk -v job="$1" '{
        id = state = code = task = ""
        for (i = 1; i <= NF; i++) {
            k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
            if (k == "JobId") id = v; else if (k == "ArrayTaskId") task = v
            else if (k == "JobState") state = v; else if (k == "ExitCode") code = v
        }
        if (id != "") print job (task == "" ? "" : "_" task) "(" id ") " state " " code
    }'
}

finished() { # JOBID...: all records in a final state
    local j rec
    for j in "$@"; do
        rec=$(job_records "$j")
        [ -n "$rec" ] || return 1
        grep -Evq ' (COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) ' <<<"$rec" && return 1
    done
    return 0
}

# Reference runs, then every case submitted at once (they share the node's CPUs).
for c in "${CASES[@]}"; do
    parse_case "$c"
    mkdir -p "$WORK/data/$CASE_NAME"
    if [ "$STANDIN" != 1 ]; then
        "$NPREC_BIN" pyramid "${CASE_PYRAMID[@]}" "$CASE_VOLUME" "$WORK/data/$CASE_NAME/ref" \
            >"$WORK/log/ref-$CASE_NAME.log" 2>&1 || die "reference run of $CASE_NAME failed: $(tail -n 5 "$WORK/log/ref-$CASE_NAME.log")"
    fi
    submit_case "$CASE_NAME" "$WORK/data/$CASE_NAME/out"
    log "$CASE_NAME: submitted array ${SUBMITTED[$CASE_NAME]% *} (0-$((N - 1))) and downscale ${SUBMITTED[$CASE_NAME]#* }"
    [ "$STANDIN" != 1 ] || break # one case is enough for the stand-in
done

t0=$SECONDS
until finished "${JOBS[@]}"; do
    alive "$SLURMCTLD_PID" || die "slurmctld exited while jobs were running"
    alive "$SLURMD_PID" || die "slurmd exited while jobs were running"
    [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || {
        squeue >&2
        die "jobs not finished after $TIMEOUT s"
    }
    sleep 0.3
done
log "all jobs finished in $((SECONDS - t0)) s"

# ---- checks -----------------------------------------------------------------------------------
failures=0
summary=()
for c in "${CASES[@]}"; do
    parse_case "$c"
    [ -n "${SUBMITTED[$CASE_NAME]:-}" ] || continue
    read -r array final <<<"${SUBMITTED[$CASE_NAME]}"
    ok=1
    records=$(job_records "$array")
    tasks=$(grep -c '^[0-9]*_[0-9]' <<<"$records" || true)
    [ "$tasks" = "$N" ] || { log "$CASE_NAME: $tasks array task records, expected $N"; ok=0; }
    while read -r rec st code; do
        [ "$st $code" = "COMPLETED 0:0" ] || { log "$CASE_NAME: job $rec $st exit $code"; ok=0; }
    done < <(job_records "$array"; job_records "$final")
    out=$WORK/data/$CASE_NAME/out
    if [ "$STANDIN" = 1 ]; then
        expected=$(for ((i = 0; i < N; i++)); do echo "task-$i-of-$N"; done; echo final)
        [ "$(find "$out" -mindepth 1 -printf '%f\n' 2>/dev/null | LC_ALL=C sort)" = "$(LC_ALL=C sort <<<"$expected")" ] ||
            { log "$CASE_NAME: stand-in files: $(find "$out" -mindepth 1 -printf '%f ' 2>/dev/null)"; ok=0; }
        hosts=$(cat "$out"/task-* 2>/dev/null | awk '{print $1}' | sort -u | wc -l)
        [ "$hosts" = "$N" ] || { log "$CASE_NAME: $hosts distinct job ids among the tasks"; ok=0; }
    else
        log "$CASE_NAME: comparing with the single-process pyramid"
        compare_datasets "$WORK/data/$CASE_NAME/ref" "$out" || ok=0
    fi
    if [ "$ok" = 1 ]; then
        summary+=("  ok    $CASE_NAME")
    else
        summary+=("  FAIL  $CASE_NAME")
        failures=$((failures + 1))
        for f in "$WORK"/log/job-"$CASE_NAME"-*.out; do
            echo "----- ${f##*/}" >&2
            tail -n 20 "$f" >&2
        done
    fi
done

log "summary ($N tasks per case$([ "$STANDIN" = 1 ] && echo ', stand-in'), $((SECONDS - START)) s so far):"
printf '%s\n' "${summary[@]}" >&2
[ "$failures" = 0 ] || die "$failures of ${#summary[@]} case(s) failed"
