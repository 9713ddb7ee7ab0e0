#!/usr/bin/env bash
# `make install` and `make uninstall` into a temporary DESTDIR: the binary, the completions and
# one man page per command (the pages the installed binary generates, whatever its commands);
# the manifest lists exactly the files installed; installing twice is fine; uninstalling removes
# every installed file and nothing else. Run by `make install-check` (in `make test`).
set -euo pipefail
cd "$(dirname "$0")/../.."
# $MAKE may carry arguments (MAKE="make -o release RELEASE_BIN=..." tests another binary).
read -ra make <<<"${MAKE:-make}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "check_install: $*" >&2
    exit 1
}

dest="$tmp/dest"
prefix=/usr/local
root="$dest$prefix"
# A file of someone else's, where nprec installs its man pages: it must survive.
mkdir -p "$root/share/man/man1"
echo foreign >"$root/share/man/man1/other.1"

"${make[@]}" --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log" >&2; fail "make install failed"; }
for file in bin/nprec share/bash-completion/completions/nprec share/zsh/site-functions/_nprec \
    share/fish/vendor_completions.d/nprec.fish share/man/man1/nprec.1 share/man/man1/nprec-pyramid.1 \
    share/man/man1/nprec-mesh-convert.1 share/nprec/install-manifest; do
    [ -f "$root/$file" ] || fail "make install wrote no $file"
done
[ -x "$root/bin/nprec" ] || fail "bin/nprec is not executable"
"$root/bin/nprec" --version | grep -q '^nprec [0-9.]* (commit ' || fail "bin/nprec --version: $("$root/bin/nprec" --version)"

# One page per command and subcommand: those that the binary generates from its registry.
"$root/bin/nprec" help --man "$tmp/pages" >/dev/null
expected=$( (cd "$tmp/pages" && ls) | sort)
installed=$( (cd "$root/share/man/man1" && ls | grep -v '^other\.1$') | sort)
[ "$expected" = "$installed" ] || fail "man pages installed: $installed; expected: $expected"
pages=$(echo "$expected" | wc -l)
commands=$("$root/bin/nprec" help | sed -n '/^Commands:/,/^$/p' | grep -c '^  [a-z]')
[ "$pages" -gt "$commands" ] || fail "$pages pages for $commands commands"
for page in "$root"/share/man/man1/nprec*.1; do
    grep -q '^\.SH OPTIONS' "$page" || fail "$page has no OPTIONS"
    if command -v groff >/dev/null 2>&1; then
        warnings=$(groff -man -ww -z "$page" 2>&1)
        [ -z "$warnings" ] || fail "groff warns about $page: $warnings"
    fi
done
for shell in bash zsh fish; do
    case $shell in
    bash) file=share/bash-completion/completions/nprec ;;
    zsh) file=share/zsh/site-functions/_nprec ;;
    fish) file=share/fish/vendor_completions.d/nprec.fish ;;
    esac
    "$root/bin/nprec" completion $shell | cmp -s - "$root/$file" || fail "$file is not 'nprec completion $shell'"
done

# The manifest lists the files installed, no more, no less.
listed=$(sort "$root/share/nprec/install-manifest")
present=$( (cd "$root" && find . -type f ! -path ./share/man/man1/other.1 | sed 's|^\./||') | sort)
[ "$listed" = "$present" ] || fail "the manifest lists $listed; installed: $present"

# Again, over the first installation: the same files.
"${make[@]}" --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install2.log" ||
    { cat "$tmp/install2.log" >&2; fail "make install over an installation failed"; }
[ "$(sort "$root/share/nprec/install-manifest")" = "$listed" ] || fail "the second install's manifest differs"

"${make[@]}" --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/uninstall.log" ||
    { cat "$tmp/uninstall.log" >&2; fail "make uninstall failed"; }
left=$( (cd "$dest" && find . -type f) | sort)
[ "$left" = "./usr/local/share/man/man1/other.1" ] || fail "after make uninstall, files left: $left"
[ "$(cat "$root/share/man/man1/other.1")" = foreign ] || fail "make uninstall changed another file"
if "${make[@]}" --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix" >/dev/null 2>&1; then
    fail "make uninstall without an installation succeeded"
fi
echo "check_install: make install wrote $(echo "$listed" | wc -l) files ($pages man pages), make uninstall removed them all"
