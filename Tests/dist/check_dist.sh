#!/usr/bin/env bash
# The tarball of `make dist`, unpacked in a temporary directory: its files; ldd finds every
# library and none of the Swift toolchain; the libraries it links directly are only those the
# README lists (libc family, the Debian C libraries); and it runs a pyramid and verifies it with
# a bare environment (env -i PATH=/usr/bin:/bin). Run by `make dist-check` (in `make test`).
# Usage: check_dist.sh dist/nprec-VERSION-linux-ARCH.tar.gz [COMMIT]
set -euo pipefail
cd "$(dirname "$0")/../.."
tarball=$1
commit=${2:-unknown}
[ -n "$commit" ] || commit=unknown
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "check_dist: $*" >&2
    exit 1
}

tar -xzf "$tarball" -C "$tmp"
name=$(basename "$tarball" .tar.gz)
[ "$(ls "$tmp")" = "$name" ] || fail "the tarball holds $(ls "$tmp"), not one directory $name"
dir="$tmp/$name"
for file in bin/nprec README.md LICENSE share/bash-completion/completions/nprec share/zsh/site-functions/_nprec \
    share/fish/vendor_completions.d/nprec.fish share/man/man1/nprec.1 share/man/man1/nprec-pyramid.1 \
    share/man/man1/nprec-mesh-convert.1; do
    [ -f "$dir/$file" ] || fail "no $file in $tarball"
done
bin="$dir/bin/nprec"
bare() { env -i PATH=/usr/bin:/bin "$@"; }

libraries=$(bare ldd "$bin")
if echo "$libraries" | grep -q 'not found'; then fail "ldd: $libraries"; fi
if echo "$libraries" | grep -Ei 'swift|Foundation|dispatch|BlocksRuntime'; then
    fail "needs a library of the Swift toolchain"
fi
# The README's list ("Installing from the tarball").
allowed='^(ld-linux(-x86-64|-aarch64)?|libc|libm|libdl|libpthread|librt|libutil|libgcc_s|libstdc\+\+|libz|libdeflate|libisal|libbz2|libpng16|libjpeg|libtiff|libhdf5_serial|libnetcdf|libxml2|libdraco|libmeshoptimizer)\.so'
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
for library in $needed; do
    [[ $library =~ $allowed ]] || fail "bin/nprec needs $library, which the README does not list"
done
if readelf -d "$bin" | grep -E 'R(UN)?PATH' | grep -q swift; then fail "an rpath into the Swift toolchain"; fi

version=$(bare "$bin" --version)
[[ $version =~ ^nprec\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ $commit\)$ ]] || fail "--version: $version (commit $commit)"
number=$(echo "$version" | cut -d' ' -f2)
[[ $name == "nprec-$number-linux-"* ]] || fail "$name does not carry the version $number"
cp Fixtures/sample/brain.nii.gz "$tmp/"
(cd "$tmp" && bare "$bin" pyramid --target-chunk-size 16 brain.nii.gz out >pyramid.log 2>&1) || { cat "$tmp/pyramid.log" >&2; fail "pyramid failed"; }
(cd "$tmp" && bare "$bin" verify out >verify.log 2>&1) || { cat "$tmp/verify.log" >&2; fail "verify failed"; }
scales=$(cd "$tmp" && bare "$bin" stats --json out | grep -c '"key"')
[ "$scales" -ge 2 ] || fail "the pyramid has $scales scales"
echo "check_dist: $name: $(du -h "$tarball" | cut -f1), links $(echo $needed | tr ' ' ','); pyramid of $scales scales verified in a bare environment"
