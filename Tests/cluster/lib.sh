# shellcheck shell=bash disable=SC2034  # (variables used by the scripts that source this)
# Shared by slurm_test.sh and parallel_test.sh (sourced, bash): the test cases, package
# installation, the feature check and the byte-for-byte comparison of two datasets.

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$CLUSTER_DIR/../.." && pwd)
SAMPLE=$REPO/Fixtures/sample/brain.nii.gz   # 91 x 109 x 91 uint8
ODD=$REPO/Fixtures/nifti/uint8_4d.nii.gz     # 7 x 5 x 3, 3 channels

# One case a line: NAME|VOLUME|PYRAMID OPTIONS|DOWNSCALE OPTIONS (options split on spaces).
# The final `nprec downscale` takes the options of the tasks it shares with them (storage:
# --flat, --no-gzip, --compresslevel; --downscaling-method, ...): they are not in the info, and
# nprec stops if they differ. --target-chunk-size 16 gives the sample 252
# chunks and 4 scales, so every task has work at several scales.
CASES=(
    "default|$SAMPLE|--target-chunk-size 16|"
    "sharded-auto|$SAMPLE|--target-chunk-size 16 --sharding auto|"
    "sharded-16|$SAMPLE|--target-chunk-size 16 --sharding 1,4,0|"
    "flat-nogzip|$SAMPLE|--target-chunk-size 16 --flat --no-gzip|--flat --no-gzip"
    "segmentation|$SAMPLE|--target-chunk-size 16 --type segmentation --encoding compressed_segmentation --downscaling-method majority|--downscaling-method majority"
    "odd-4d|$ODD|--target-chunk-size 2|"
)

# Splits a CASES line into CASE_NAME, CASE_VOLUME, CASE_PYRAMID (array), CASE_DOWNSCALE (array).
parse_case() {
    local pyr down
    IFS='|' read -r CASE_NAME CASE_VOLUME pyr down <<<"$1"
    read -r -a CASE_PYRAMID <<<"$pyr"
    read -r -a CASE_DOWNSCALE <<<"$down"
}

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${LOG_TAG:-cluster}" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Fails unless NPREC_BIN has the distributed options.
require_task_option() {
    local help
    help=$("$1" pyramid --help 2>&1) || die "'$1 pyramid --help' failed"
    grep -q -- '--task' <<<"$help" ||
        die "$1 has no 'pyramid --task I/N' (see '$1 pyramid --help'): build nprec with distributed execution first"
}

# Installs the Debian packages named, those missing only: one apt-get update, then one
# apt-get install. Maintainer scripts must not start system services (munge's postinst runs
# 'invoke-rc.d munge start', which starts a system munged whenever /sbin/init exists, systemd
# running or not): if no /usr/sbin/policy-rc.d exists, a temporary one that denies every start
# ("exit 101", the Debian mechanism, honoured by invoke-rc.d and deb-systemd-invoke) is in
# place for the install and removed after it.
apt_install() {
    [ $# -gt 0 ] || return 0
    local sudo="" policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
    [ "$(id -u)" = 0 ] || sudo=sudo
    log "installing $*"
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# temporary, from nprec Tests/cluster: no service starts during apt-get install\nexit 101\n' |
            $sudo tee "$policy" >/dev/null
        $sudo chmod 755 "$policy"
        made_policy=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || rc=$?
    [ "$made_policy" = 0 ] || $sudo rm -f "$policy"
    [ "$rc" = 0 ] || die "apt-get install $* failed ($rc)"
}

# File list (type and path, hidden files included) of a dataset, sorted.
tree_listing() { (cd "$1" && find . -mindepth 1 -printf '%y %p\n' | LC_ALL=C sort); }

# Compares dataset OUT with the reference REF byte for byte: same files and directories, same
# bytes, no temporary files left (nprec writes .NAME.PID.RAND.tmp and renames it). Prints what
# differs; returns 1 on any difference.
compare_datasets() {
    local ref=$1 out=$2 bad=0 leftovers listing
    [ -d "$out" ] || { log "  $out: missing"; return 1; }
    leftovers=$(cd "$out" && find . -name '*.tmp' | LC_ALL=C sort)
    if [ -n "$leftovers" ]; then
        log "  $out: temporary files left:"; head -n 20 <<<"$leftovers" >&2; bad=1
    fi
    if ! listing=$(diff <(tree_listing "$ref") <(tree_listing "$out")); then
        log "  file lists differ (< reference, > distributed):"; head -n 20 <<<"$listing" >&2; bad=1
    fi
    if ! listing=$(diff -r -q "$ref" "$out" 2>&1); then
        log "  contents differ:"; head -n 20 <<<"$listing" >&2; bad=1
    fi
    [ "$bad" = 0 ] && log "  identical: $(find "$out" -type f | wc -l) files, $(du -sk "$out" | cut -f1) KiB"
    return "$bad"
}
