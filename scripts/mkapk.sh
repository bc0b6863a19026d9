#!/usr/bin/env bash
# Builds apk v3 packages (OpenWrt 25.12+) and a signed repository per OpenWrt
# arch, without the SDK and without apk-tools (our writer: scripts/mkapk):
#
#   OUT/<arch>/wgowrt-<version>.apk             the binary, like the .ipk
#   OUT/<arch>/luci-app-wgowrt-<version>.apk    noarch, in every arch's repo
#   OUT/<arch>/packages.adb                     the index, signed with KEY
#
#   scripts/mkapk.sh [-o OUT] [--key KEY.pem | --no-sign] [--no-build] [arch ...]
#
# OUT defaults to dist/apk; KEY to $WGOWRT_APK_KEY, else
# ~/.config/wgowrt/apk-key.pem (make it once with scripts/apk-key.sh; its
# public half goes to the router's /etc/apk/keys/). Metadata comes from
# package/Makefile, the payload from the same staging as scripts/mkipk.sh.
# What OpenWrt's package-pack.mk adds is added here too:
# /lib/apk/packages/<pkg>.list (every file, which default_postinst reads to
# enable and start init scripts) and .conffiles, and the scripts
# post-install / post-upgrade / pre-deinstall wrapping default_postinst and
# default_prerm. Every file is root:root with mtime SOURCE_DATE_EPOCH: same
# source, same bytes (the index too, for the same key: signatures are
# deterministic).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$ROOT_DIR/dist/apk build=1 sign=1
key=${WGOWRT_APK_KEY:-$HOME/.config/wgowrt/apk-key.pem}
while [[ $# -gt 0 ]]; do
	case $1 in
	-o) out=$2 && shift 2 ;;
	--key) key=$2 && shift 2 ;;
	--no-sign) sign=0 && shift ;;
	--no-build) build=0 && shift ;;
	-*) echo "usage: $0 [-o OUT] [--key KEY.pem | --no-sign] [--no-build] [arch ...]" >&2 && exit 2 ;;
	*) break ;;
	esac
done
if [[ $# -gt 0 ]]; then arches=("$@"); else mapfile -t arches < <(target_list); fi
for a in "${arches[@]}"; do target_goenv "$a" >/dev/null; done
if [[ $sign == 1 && ! -r $key ]]; then
	echo "no signing key '$key': make one with scripts/apk-key.sh, pass --key FILE, or --no-sign" >&2
	exit 1
fi

name=$(pkg_var PKG_NAME)
release=$(pkg_var PKG_RELEASE)
license=$(pkg_var PKG_LICENSE)
url=$(pkg_var URL)
maintainer=$(pkg_var PKG_MAINTAINER)
depends=$(pkg_var WGOWRT_DEPENDS | sed 's/+//g')
desc=$(pkg_description "$name" | tr '\n' ' ' | sed 's/ $//')
version=$(wgowrt_version)-r$release
epoch=$(source_date_epoch)

if [[ $build == 1 ]]; then
	WGOWRT_VERSION=${version%-r*} "$ROOT_DIR/scripts/build.sh" "${arches[@]}" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$ROOT_DIR" && go build -trimpath -o "$tmp/mkapk" ./scripts/mkapk)
# zlib's level 9 (gzip -9n, as the .ipk uses) packs ~1.5 % tighter than Go's.
export MKAPK_GZIP=gzip

# scripts PKG POSTINST_PKG PRERM_PKG: post-install, post-upgrade and
# pre-deinstall for PKG into $tmp/scripts-PKG/, as package-pack.mk writes
# them (the -pkg bodies appended).
scripts() {
	local d=$tmp/scripts-$1
	mkdir -p "$d"
	# shellcheck disable=SC2016 # expanded on the router, not here
	{
		printf '#!/bin/sh\n[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n'
		printf '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\n'
		printf 'export root="${IPKG_INSTROOT}"\nexport pkgname="%s"\nadd_group_and_user\ndefault_postinst\n' "$1"
		printf '%s' "$2"
	} >"$d/post-install"
	{ printf '#!/bin/sh\nexport PKG_UPGRADE=1\n' && cat "$d/post-install"; } >"$d/post-upgrade"
	# shellcheck disable=SC2016
	{
		printf '#!/bin/sh\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\n'
		printf 'export root="${IPKG_INSTROOT}"\nexport pkgname="%s"\ndefault_prerm\n' "$1"
		printf '%s' "$3"
	} >"$d/pre-deinstall"
}

# metadata DIR PKG CONFFILES...: /lib/apk/packages/PKG.list (every file and
# link, itself included, as package-pack.mk's find sees them) and .conffiles.
metadata() {
	local d=$1 pkg=$2
	shift 2
	mkdir -p "$d/lib/apk/packages"
	: >"$d/lib/apk/packages/$pkg.list"
	(cd "$d" && find . \( -type f -o -type l \) -printf '/%P\n' | LC_ALL=C sort) >"$tmp/list"
	mv "$tmp/list" "$d/lib/apk/packages/$pkg.list"
	if [[ $# -gt 0 ]]; then printf '%s\n' "$@" >"$d/lib/apk/packages/$pkg.conffiles"; fi
	find "$d/lib/apk" -type d -exec chmod 0755 {} +
	find "$d/lib/apk" -type f -exec chmod 0644 {} +
}

# mkpkg PKG ARCH DEPENDS DESCRIPTION DIR OUT
mkpkg() {
	"$tmp/mkapk" pkg -o "$6" --name "$1" --version "$version" --arch "$2" --depends "$3" \
		--description "$4" --license "$license" --origin "feeds/wgowrt/$1" --url "$url" \
		--maintainer "$maintainer" --mtime "$epoch" --files "$5" \
		--script post-install="$tmp/scripts-$1/post-install" \
		--script post-upgrade="$tmp/scripts-$1/post-upgrade" \
		--script pre-deinstall="$tmp/scripts-$1/pre-deinstall"
}

scripts "$name" "" ""
# shellcheck disable=SC2016
scripts "luci-app-$name" "$(cat "$ROOT_DIR/package/files/luci-app-wgowrt.postinst-pkg")
" ""

# The LuCI app once (noarch), copied into every arch's repository.
stage_luci "$tmp/luci"
metadata "$tmp/luci" "luci-app-$name"
luci_apk=$tmp/luci-app-$name-$version.apk
mkpkg "luci-app-$name" noarch "luci-base $name" \
	"LuCI support for wgowrt: overview, peers and setup pages; changes go through LuCI's Save & Apply with rollback." \
	"$tmp/luci" "$luci_apk"

for arch in "${arches[@]}"; do
	d=$tmp/data-$arch
	stage_wgowrt "$d" "$arch"
	metadata "$d" "$name" $WGOWRT_KEEP
	rm -rf "${out:?}/$arch"
	mkdir -p "$out/$arch"
	mkpkg "$name" "$arch" "$depends" "$desc" "$d" "$out/$arch/$name-$version.apk"
	cp "$luci_apk" "$out/$arch/"
	idx=(-o "$out/$arch/packages.adb" --description "wgowrt $version $arch")
	[[ $sign == 0 ]] || idx+=(--sign "$key")
	"$tmp/mkapk" index "${idx[@]}" "$out/$arch"/*.apk
	printf '%-26s %s\n' "$arch" "$(cd "$out/$arch" && echo *.apk packages.adb)"
done
