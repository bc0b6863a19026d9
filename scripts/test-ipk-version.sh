#!/usr/bin/env bash
# Proves that the binary inside each .ipk prints the package's version, as
# the packages feed's CI checks: `wgowrt --version` must print
# "wgowrt <Version without -r<release>>". Foreign arches run under qemu-user.
#
#   scripts/test-ipk-version.sh [FEED]   (default: build a fresh feed)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for q in qemu-mips-static qemu-mipsel-static qemu-arm-static qemu-aarch64-static; do
	command -v "$q" >/dev/null || { need_or_skip "$q" "apt-get install -y qemu-user-static"; exit 0; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
feed=${1:-}
if [[ -z $feed ]]; then
	feed=$tmp/feed
	"$ROOT_DIR/scripts/mkipk.sh" -o "$feed" >/dev/null
fi

mapfile -t arches < <(target_list)
for arch in "${arches[@]}"; do
	ipk=$(echo "$feed/$arch"/*.ipk)
	[[ -f $ipk ]] || { t_fail "$arch: no .ipk in $feed/$arch" && continue; }
	w=$tmp/$arch
	mkdir -p "$w"
	tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control >"$w/control"
	tar -xzOf "$ipk" ./data.tar.gz | tar -xzf - -C "$w" ./usr/sbin/wgowrt
	version=$(sed -n 's/^Version: //p' "$w/control")
	goarch=$(target_goenv "$arch" | sed -n 's/^GOARCH=//p')
	qemu=$(qemu_user_for "$goarch")
	got=$($qemu "$w/usr/sbin/wgowrt" --version 2>&1) || true
	if [[ $got == "wgowrt ${version%-r*}" ]]; then
		t_pass "$arch: ${qemu:-native} wgowrt --version = '$got'"
	else
		t_fail "$arch: ${qemu:-native} wgowrt --version = '$got', want 'wgowrt ${version%-r*}'"
	fi
done
t_summary
