#!/usr/bin/env bash
# The one-machine recipe with GNU parallel: N processes of `nprec pyramid --task I/N -j 1`, then
# `nprec downscale`, checked byte for byte against one `nprec pyramid` run, for every case of
# lib.sh:
#
#   parallel -j N nprec pyramid [OPTIONS] --task {}/N -j 1 VOLUME out/ ::: $(seq 0 $((N-1)))
#   nprec downscale [STORAGE OPTIONS] out/
#
# usage: Tests/cluster/parallel_test.sh NPREC_BIN     (installs Debian's parallel if missing)
# Environment: NPREC_CLUSTER_TASKS=4 (N), NPREC_CLUSTER_KEEP=1 keeps the work directory (it is
# always kept on failure).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 NPREC_BIN" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2034 # (read by lib.sh)
LOG_TAG=parallel
NPREC_BIN=$(realpath -e "$1") || die "$1: not found"
N=${NPREC_CLUSTER_TASKS:-4}
START=$SECONDS

require_task_option "$NPREC_BIN"
if ! command -v parallel >/dev/null 2>&1; then apt_install parallel; fi
parallel --version 2>/dev/null | grep -q 'GNU parallel' || die "'parallel' is not GNU parallel (moreutils?)"

WORK=$(mktemp -d /tmp/nprec-parallel.XXXXXX)
finish() {
    local rc=$?
    if [ "$rc" = 0 ] && [ -z "${NPREC_CLUSTER_KEEP:-}" ]; then rm -rf "$WORK"; else log "work directory kept: $WORK"; fi
    log "$([ "$rc" = 0 ] && echo PASS || echo FAIL) in $((SECONDS - START)) s"
}
trap finish EXIT

failures=0
summary=()
for c in "${CASES[@]}"; do
    parse_case "$c"
    dir=$WORK/$CASE_NAME
    mkdir -p "$dir"
    ok=1
    "$NPREC_BIN" pyramid "${CASE_PYRAMID[@]}" "$CASE_VOLUME" "$dir/ref" >"$dir/ref.log" 2>&1 ||
        die "$CASE_NAME: reference run failed: $(tail -n 5 "$dir/ref.log")"
    # --halt now,fail=1: one failed task stops the others and fails the run, as a scheduler would.
    if ! parallel --will-cite --halt now,fail=1 -j "$N" --joblog "$dir/joblog" \
        "$NPREC_BIN" pyramid "${CASE_PYRAMID[@]}" --task '{}'/"$N" -j 1 "$CASE_VOLUME" "$dir/out" \
        ::: $(seq 0 $((N - 1))) >"$dir/tasks.log" 2>&1; then
        log "$CASE_NAME: a task failed:"; cat "$dir/joblog" >&2; tail -n 20 "$dir/tasks.log" >&2; ok=0
    elif ! "$NPREC_BIN" downscale "${CASE_DOWNSCALE[@]}" "$dir/out" >"$dir/downscale.log" 2>&1; then
        log "$CASE_NAME: the final downscale failed:"; tail -n 20 "$dir/downscale.log" >&2; ok=0
    else
        log "$CASE_NAME: $N tasks and the final downscale done; comparing"
        compare_datasets "$dir/ref" "$dir/out" || ok=0
    fi
    if [ "$ok" = 1 ]; then summary+=("  ok    $CASE_NAME"); else summary+=("  FAIL  $CASE_NAME"); failures=$((failures + 1)); fi
done

log "summary ($N tasks per case):"
printf '%s\n' "${summary[@]}" >&2
[ "$failures" = 0 ] || die "$failures of ${#summary[@]} case(s) failed"
