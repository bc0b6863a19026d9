#!/usr/bin/env bash
# Proves that scripts/build.sh is reproducible: the same source, copied to two
# different directories, built once with the usual Go build cache and once
# with an empty one, gives byte-identical binaries for every arch.
#
#   scripts/test-reproducible.sh [arch ...]
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
WGOWRT_VERSION=$(wgowrt_version)
export WGOWRT_VERSION
snapshot_tree "$tmp/a/src"
snapshot_tree "$tmp/b/source-elsewhere"

DIST=$tmp/a/dist "$tmp/a/src/scripts/build.sh" "$@" >/dev/null
GOCACHE=$tmp/b/gocache DIST=$tmp/b/dist "$tmp/b/source-elsewhere/scripts/build.sh" "$@" >/dev/null

for bin in "$tmp"/a/dist/*/wgowrt; do
	arch=$(basename "$(dirname "$bin")")
	if cmp -s "$bin" "$tmp/b/dist/$arch/wgowrt"; then
		t_pass "$arch: identical ($(sha256sum <"$bin" | cut -c1-16))"
	else
		t_fail "$arch: the two builds differ"
	fi
done
[[ $((T_PASSED + T_FAILED)) -gt 0 ]] || t_fail "no binary was built"
t_summary
