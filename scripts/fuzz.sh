#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ with -sanitize=fuzzer,address and runs them.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     e.g. scripts/fuzz.sh all 60, scripts/fuzz.sh FuzzConfig 600
#
# Each target starts from its committed seeds (Fuzz/Corpus/TARGET) plus what earlier runs on
# this machine found (.build-fuzz/corpus/TARGET, not committed), with its dictionary
# (Fuzz/Dictionaries/TARGET.dict), a 2 GiB memory limit and a 10 s per-input limit. Any crash,
# sanitizer report, out-of-memory or timeout fails the script; the input is kept in
# .build-fuzz/findings/TARGET/ and its path printed. FUZZ_JOBS=N runs N targets at once.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-all}"
seconds="${2:-60}"
scratch=.build-fuzz
all_targets=$(ls Fuzz/Sources | grep '^Fuzz' | grep -v '^FuzzSupport$')
if [ "$target" = all ]; then targets=$all_targets; else
    echo "$all_targets" | grep -qx "$target" || { echo "unknown target $target; targets: $(echo $all_targets)" >&2; exit 2; }
    targets=$target
fi

mkdir -p "$scratch"
echo "building the fuzz targets (release, -sanitize=fuzzer,address)…" >&2
# swiftc keeps only the last -sanitize= it is given, and SwiftPM's --sanitize options arrive in
# no fixed order, so the two sanitizers go in as one flag after them. --sanitize=fuzzer stays:
# it tells SwiftPM that libFuzzer supplies each executable's main.
build=(swift build --package-path Fuzz --scratch-path "$scratch/build" -c release
       --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)
"${build[@]}" >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; exit 1; }
bin=$("${build[@]}" --show-bin-path)

# One target: runs it and writes its table row (and, on failure, the log's evidence) to
# $scratch/TARGET.result; exits non-zero when the target failed.
run_target() {
    local t=$1 corpus="$scratch/corpus/$1" findings="$scratch/findings/$1" log="$scratch/$1.log" rc result
    mkdir -p "$corpus" "$findings"
    local dict=(); [ -f "Fuzz/Dictionaries/$t.dict" ] && dict=(-dict="Fuzz/Dictionaries/$t.dict")
    set +e
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$bin/$t" "$corpus" "Fuzz/Corpus/$t" "${dict[@]}" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1
    rc=$?
    set -e
    local runs speed cov ft
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
    local failed=0
    if ! grep -q 'Loaded 1 modules' "$log"; then
        result="FAILED: the harness is not instrumented for coverage (see $log)"; failed=1
    elif [ $rc -eq 0 ]; then result=ok; else
        result="FAILED (exit $rc): $(ls -t "$findings" | head -1 | sed "s#^#$findings/#")"; failed=1
    fi
    {
        printf '%-20s %12s %10s %8s %8s  %s\n' "$t" "$runs" "$speed" "$cov" "$ft" "$result"
        if [ $rc -ne 0 ]; then grep -E 'ERROR|Fatal error|SUMMARY|==[0-9]+==|deadly signal|out-of-memory|timeout' "$log" | head -20 || true; fi
    } >"$scratch/$t.result"
    return $failed
}

# Up to FUZZ_JOBS targets at once (each libFuzzer process is one thread); rows print in target order.
jobs=${FUZZ_JOBS:-1}
case "$jobs" in ''|*[!0-9]*|0) echo "FUZZ_JOBS must be a whole number ≥ 1, not '$jobs'" >&2; exit 2 ;; esac
[ "$jobs" -gt 1 ] && echo "running $jobs targets at once, ${seconds}s each…" >&2
status=0
running=0
for t in $targets; do
    rm -f "$scratch/$t.result"
    if [ "$running" -ge "$jobs" ]; then wait -n || status=1; running=$((running - 1)); fi
    echo "fuzzing $t for ${seconds}s…" >&2
    run_target "$t" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do wait -n || status=1; running=$((running - 1)); done

printf '%-20s %12s %10s %8s %8s  %s\n' target executions exec/s cov ft result
for t in $targets; do
    if [ -f "$scratch/$t.result" ]; then
        head -n 1 "$scratch/$t.result"
        tail -n +2 "$scratch/$t.result" >&2
    else
        printf '%-20s %12s %10s %8s %8s  %s\n' "$t" 0 0 0 0 "FAILED: no result (see $scratch/$t.log)"; status=1
    fi
done
exit $status
