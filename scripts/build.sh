#!/usr/bin/env bash
# Cross-builds wgowrt for OpenWrt architectures into $DIST/<arch>/wgowrt.
#
#   scripts/build.sh                 every arch in scripts/targets.txt
#   scripts/build.sh mips_24kc ...   only these
#
# Env: DIST (default ./dist), WGOWRT_VERSION (default: see scripts/lib.sh).
# Arches that share Go settings (e.g. aarch64_cortex-a53 and aarch64_generic)
# are compiled once and copied: the bytes would be identical anyway.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIST=${DIST:-$ROOT_DIR/dist}
version=$(wgowrt_version)
if [[ $# -gt 0 ]]; then
	arches=("$@")
else
	mapfile -t arches < <(target_list)
fi

declare -A built # Go settings -> first binary built with them
for arch in "${arches[@]}"; do
	mapfile -t goenv < <(target_goenv "$arch")
	key="${goenv[*]}"
	out="$DIST/$arch/wgowrt"
	mkdir -p "$DIST/$arch"
	if [[ ${built[$key]:-$out} != "$out" ]]; then
		cp "${built[$key]}" "$out"
	elif [[ -n ${built[$key]:-} ]]; then
		continue # the same arch named twice
	else
		go_build "$out" "$version" "${goenv[@]}"
		built[$key]=$out
	fi
	printf '%-26s %-32s %9d bytes\n' "$arch" "$key" "$(stat -c %s "$out")"
done
echo "version $version -> $DIST"
