#!/usr/bin/env bash
# Proves that scripts/build.sh is reproducible: the same source, copied to two
# different directories, built once with the usual Go build cache and once
# with an empty one, gives byte-identical binaries for every arch, and from
# them byte-identical .ipk feeds and .apk repositories (unsigned: the index
# signature depends on the user's key, deterministically).
#
#   scripts/test-reproducible.sh [arch ...]
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
WGOWRT_VERSION=$(wgowrt_version)
SOURCE_DATE_EPOCH=$(source_date_epoch)
export WGOWRT_VERSION SOURCE_DATE_EPOCH
snapshot_tree "$tmp/a/src"
snapshot_tree "$tmp/b/source-elsewhere"

a=$tmp/a/src b=$tmp/b/source-elsewhere
"$a/scripts/build.sh" "$@" >/dev/null
GOCACHE=$tmp/b/gocache "$b/scripts/build.sh" "$@" >/dev/null

for bin in "$a"/dist/*/wgowrt; do
	arch=$(basename "$(dirname "$bin")")
	if cmp -s "$bin" "$b/dist/$arch/wgowrt"; then
		t_pass "$arch: identical ($(sha256sum <"$bin" | cut -c1-16))"
	else
		t_fail "$arch: the two builds differ"
	fi
done
[[ $((T_PASSED + T_FAILED)) -gt 0 ]] || t_fail "no binary was built"

# The packages made from the two trees: .ipk feeds and unsigned .apk
# repositories, byte for byte.
for t in "$a" "$b"; do
	"$t/scripts/mkipk.sh" --no-build -o "$t/dist/feed" "$@" >/dev/null
	"$t/scripts/mkipk.sh" -o "$t/dist/feed" --luci >/dev/null
	GOCACHE=$tmp/b/gocache "$t/scripts/mkapk.sh" --no-build --no-sign -o "$t/dist/apk" "$@" >/dev/null
done
for d in feed apk; do
	if diff -r "$a/dist/$d" "$b/dist/$d" >/dev/null; then
		t_pass "$d: identical packages from both trees ($(find "$a/dist/$d" -name "*.${d/feed/ipk}" | wc -l) files)"
	else
		t_fail "$d: the packages of the two trees differ"
	fi
done
t_summary
