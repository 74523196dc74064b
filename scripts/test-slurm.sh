#!/usr/bin/env bash
# A real Slurm test of sharded runs: starts a one-node Slurm on this machine (munged, slurmctld,
# slurmd as root, no systemd), submits the report on the bundled model as a job array of 3
# shards plus a merge job that waits for them (--dependency=afterok), and checks that the merged
# report equals a single-process run: every JSON and CSV table byte for byte, summary.json but
# for its command line and wall time. The daemons it started are stopped by their pids on any
# exit; their logs are printed when something fails.
#
#   scripts/test-slurm.sh                    # builds hymba-lens (debug) if needed
#   HYMBA_LENS=.build/release/hymba-lens scripts/test-slurm.sh
#   KEEP=1 scripts/test-slurm.sh             # keep the work folder for a look
#
# The same run on another model and options, e.g. the 32-layer 1.5B shape with a few passages,
# one shard at a time on a 2-core machine (each needs the whole machine and ~7 GB):
#   hymba-lens init --config models/configs/hymba-1.5b-base.json --out /tmp/h32
#   cp models/hymba-tiny/tokenizer* models/hymba-tiny/special_tokens_map.json /tmp/h32/
#   MODEL=/tmp/h32 SHARD_CPUS=2 SHARD_MEMORY=9G RUN_OPTIONS="--max-passages 1 --max-tokens 128" \
#       SLURM_TEST_TIMEOUT=7200 HYMBA_LENS=.build/release/hymba-lens scripts/test-slurm.sh
# It prints each shard's passages and wall time (Slurm's start and end), the merge's and the
# single-process run's.
#
# Needs root. Installs slurm-wlm and munge from Debian when they are missing. It uses its own
# munge key, socket, ports and state folders under a temporary folder, so it neither needs nor
# touches a Slurm or munge already configured on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
timeout_seconds=${SLURM_TEST_TIMEOUT:-900}
started_at=$(date +%s)

say() { echo "test-slurm: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    say "needs root (it starts munged, slurmctld and slurmd)"
    exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null || ! command -v mungekey >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi

bin=${HYMBA_LENS:-}
if [ -z "$bin" ]; then
    swift build --product hymba-lens >&2
    bin="$(swift build --show-bin-path)/hymba-lens"
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { say "no hymba-lens at $bin"; exit 1; }

work=$(mktemp -d /tmp/hymba-lens-slurm.XXXXXX)
chmod 0711 "$work"
daemons=()         # "name:pid" of every daemon this script started
failed=1

stop_daemons() {
    local entry name pid i
    # Reverse order: slurmd, slurmctld, then munged.
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
        entry=${daemons[$i]}; name=${entry%%:*}; pid=${entry##*:}
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            if kill -0 "$pid" 2>/dev/null; then
                say "$name (pid $pid) did not stop on SIGTERM; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        wait "$pid" 2>/dev/null || true
    done
    daemons=()
}

finish() {
    local status=$?
    if [ "$failed" = 1 ]; then
        say "FAILED (exit $status); logs from $work:"
        for log in "$work"/*.log; do
            [ -f "$log" ] || continue
            echo "----- $(basename "$log") (last 40 lines)" >&2
            tail -n 40 "$log" >&2
        done
        if [ -n "${SLURM_CONF:-}" ] && command -v scontrol >/dev/null && [ ${#daemons[@]} -gt 0 ]; then
            echo "----- scontrol show job" >&2
            timeout 10 scontrol show job >&2 2>&1 || true
        fi
    fi
    stop_daemons
    if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
    exit "$status"
}
trap finish EXIT
trap 'say "interrupted"; exit 130' INT TERM

# Waits up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
    local limit=$1; shift
    local deadline=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

check_time() {
    if [ $(( $(date +%s) - started_at )) -gt "$timeout_seconds" ]; then
        say "took longer than ${timeout_seconds}s (SLURM_TEST_TIMEOUT)"
        exit 1
    fi
}

# --- munge: a private key and socket.
mungekey --create --keyfile="$work/munge.key" >/dev/null
chmod 0400 "$work/munge.key"
munged --foreground --force --key-file="$work/munge.key" --socket="$work/munge.socket" \
    --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munged.seed" 2>>"$work/munged.log" &
daemons+=("munged:$!")
wait_for 20 test -S "$work/munge.socket" || { say "munged did not create its socket"; exit 1; }
munge -S "$work/munge.socket" -n | unmunge -S "$work/munge.socket" >/dev/null || { say "munge round trip failed"; exit 1; }

# --- Slurm: one node, this host, its CPUs and most of its memory.
host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) * 9 / 10 ))
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<EOF
ClusterName=hymbalens
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge.socket
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=hymba Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld-stderr.log" 2>&1 &
daemons+=("slurmctld:$!")
wait_for 30 scontrol ping || { say "slurmctld did not answer"; exit 1; }
slurmd -D -f "$SLURM_CONF" >"$work/slurmd-stderr.log" 2>&1 &
daemons+=("slurmd:$!")
node_idle() { sinfo -h -n "$host" -o %T | grep -qx idle; }
wait_for 60 node_idle || { say "node $host did not become idle: $(sinfo -h -o '%n %T' 2>&1)"; exit 1; }
say "Slurm is up: node $host, $cpus CPUs, ${memory} MB (slurmctld port $port)"

# --- The run: the bundled model and domains, cut short to keep the test quick.
model=${MODEL:-models/hymba-tiny}
read -r -a run_options <<< "${RUN_OPTIONS:---max-passages 3 --max-tokens 40 --branch-ablation-passages 2 --head-ablation-passages 1 --permutations 200}"
run_options=("$model" "${run_options[@]}")
shard_cpus=${SHARD_CPUS:-1}
shard_memory=${SHARD_MEMORY:-1G}
cat > "$work/shard.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=hymba-shard
#SBATCH --cpus-per-task=$shard_cpus
#SBATCH --mem=$shard_memory
#SBATCH --output=$work/shard-%a.log
set -euo pipefail
cd "$root"
exec "$bin" report $(printf "%q " "${run_options[@]}")--shard auto --resume --out "$work/parts/\$SLURM_ARRAY_TASK_ID"
EOF
cat > "$work/merge.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=hymba-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --output=$work/merge.log
set -euo pipefail
cd "$root"
exec "$bin" merge "$work/parts/1" "$work/parts/2" "$work/parts/3" --out "$work/merged"
EOF

array=$(sbatch --parsable --array=1-3 "$work/shard.sbatch")
array=${array%%;*}
say "submitted shards as job array $array"
merge_start=$(date +%s)
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes "$work/merge.sbatch")
merge=${merge%%;*}
say "submitted the merge as job $merge, after the shards succeed"

# Polls scontrol (there is no accounting database) until the merge job has ended; a failed
# shard makes its dependency fail, which cancels the merge.
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
while true; do
    state=$(job_state "$merge")
    case "$state" in
        COMPLETED) break ;;
        FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)
            say "the merge job ended $state"
            for i in 1 2 3; do say "  shard $i: $(job_state "${array}_$i")"; done
            exit 1 ;;
    esac
    check_time
    sleep 1
done
check_time
say "shards and merge finished in $(( $(date +%s) - merge_start ))s"
# Wall time of a job from Slurm's own start and end times.
job_seconds() {
    local times start end
    times=$(scontrol show job "$1" | tr ' ' '\n' | sed -n 's/^\(StartTime\|EndTime\)=//p' | tr '\n' ' ')
    start=$(date -d "${times%% *}" +%s); end=$(date -d "$(echo "$times" | cut -d' ' -f2)" +%s)
    echo $((end - start))
}
for i in 1 2 3; do
    passages=$(sed -n 's/.*"passages": \([0-9]*\).*/\1/p' "$work/parts/$i/part.json" | head -n 1)
    say "  shard $i/3: ${passages:-?} passages, $(job_seconds "${array}_$i")s wall (job ${array}_$i)"
done
say "  merge: $(job_seconds "$merge")s wall (job $merge)"

# --- The single-process run to compare with.
single_start=$(date +%s)
"$bin" report "${run_options[@]}" --quiet --out "$work/single"
say "  single process: $(( $(date +%s) - single_start ))s wall"

cd "$work"
# The output marker lists the files each run wrote; the single run's also names view.html, which a
# merge does not write (it has no passages to trace), so the marker is left out of the comparison.
tables=$(cd single && find . -name '*.json' -o -name '*.csv' | grep -v -e '^./summary.json$' -e '^./.hymba-lens-output.json$' | sort)
[ "$(echo "$tables" | wc -l)" -ge 10 ] || { say "the single run wrote too few tables"; exit 1; }
for table in $tables; do
    cmp -s "single/$table" "merged/$table" || { say "merged $table differs from the single run's"; diff "single/$table" "merged/$table" | head -20 >&2; exit 1; }
done
summary() { grep -v -e '^  "command":' -e '^  "wall_seconds":' "$1/summary.json"; }
if ! diff <(summary single) <(summary merged) >&2; then
    say "merged summary.json differs from the single run's"
    exit 1
fi
[ -f merged/index.html ] || { say "the merge wrote no index.html"; exit 1; }

failed=0
say "passed: 3 shards under Slurm merged into the same report as one process ($(echo "$tables" | wc -l) tables and summary.json), $(( $(date +%s) - started_at ))s in all"
