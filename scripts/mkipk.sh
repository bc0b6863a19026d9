#!/usr/bin/env bash
# Builds one opkg package (.ipk) per OpenWrt arch without the SDK, and an
# opkg feed index for each: OUT/<arch>/{wgowrt_<version>_<arch>.ipk,
# Packages, Packages.gz}, the layout of OpenWrt's own feeds
# (.../packages/<arch>/<feed>/).
#
#   scripts/mkipk.sh [-o OUT] [--no-build] [arch ...]
#   scripts/mkipk.sh [-o OUT] --luci     # OUT/all/luci-app-wgowrt_<version>_all.ipk
#
# OUT defaults to dist/feed. Package name, release, license, section, title,
# description, dependencies and install path are read from package/Makefile,
# so the SDK recipe and these packages cannot drift apart.
#
# Layout (openwrt-reference.md §7.1, as opkg-lede reads it): a gzip'd GNU tar
# (not ar) holding ./debian-binary, ./data.tar.gz, ./control.tar.gz in that
# order; every tar with --format=gnu --numeric-owner, owner 0:0, names sorted,
# mtimes = SOURCE_DATE_EPOCH; gzip -n. Same input, same bytes.
#
# On a router: add "src/gz wgowrt <url or file:// path of OUT/<arch>>" to
# /etc/opkg/customfeeds.conf (the index is not signed with usign: set
# "option check_signature 0" in /etc/opkg.conf, or install the .ipk file
# directly with opkg install ./wgowrt_*.ipk).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$ROOT_DIR/dist/feed build=1 luci=0
while [[ $# -gt 0 ]]; do
	case $1 in
	-o) out=$2 && shift 2 ;;
	--no-build) build=0 && shift ;;
	--luci) luci=1 && shift ;;
	-*) echo "usage: $0 [-o OUT] [--no-build] [arch ...]" >&2 && exit 2 ;;
	*) break ;;
	esac
done
if [[ $# -gt 0 ]]; then arches=("$@"); else mapfile -t arches < <(target_list); fi

# description NAME: Package/NAME/description as control continuation lines.
description() { pkg_description "$1" | awk '{ printf "%s%s\n", n++ ? " " : "", $0 }'; }

name=$(pkg_var PKG_NAME)
release=$(pkg_var PKG_RELEASE)
license=$(pkg_var PKG_LICENSE)
section=$(pkg_var SECTION)
url=$(pkg_var URL)
maintainer=$(pkg_var PKG_MAINTAINER)
depends=$(pkg_var WGOWRT_DEPENDS | sed 's/+//g; s/[[:space:]]\{1,\}/, /g')
desc=$(description "$name")
[[ -n $desc ]] || { echo "package/Makefile has no Package/$name/description" >&2 && exit 1; }
version=$(wgowrt_version)
epoch=$(source_date_epoch)
pkgversion=$version-r$release

# Every tar here: GNU format, root-owned by number, sorted, fixed mtimes.
TAR=(tar --format=gnu --numeric-owner --owner=0 --group=0 --mtime="@$epoch")

if [[ $build == 1 && $luci == 0 ]]; then
	WGOWRT_VERSION=$version "$ROOT_DIR/scripts/build.sh" "${arches[@]}" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# control_file ARCH INSTALLED_SIZE: the control fields, in OpenWrt's order.
# Replaces: luci-app-wgowrt shipped /etc/init.d/wgowrt until the service moved
# into this package; without it the real opkg refuses to upgrade wgowrt on a
# router that has the older luci-app (check_data_file_clashes) and then
# upgrades luci-app, whose removal of its obsolete file leaves no service
# (scripts/test-opkg.sh and test-pkg-boot.sh upgrade from that layout).
# OpenWrt's package-pack.mk writes no Replaces field, so an SDK build of
# package/Makefile lacks it: there, upgrade luci-app-wgowrt first.
control_file() {
	cat <<EOF
Package: $name
Version: $pkgversion
Depends: $depends
Replaces: luci-app-wgowrt
Source: feeds/wgowrt/package
SourceName: $name
License: $license
Section: $section
SourceDateEpoch: $epoch
URL: $url
Maintainer: $maintainer
Architecture: $1
Installed-Size: $2
Description: $desc
EOF
}

# scripts DIR: OpenWrt's default postinst and prerm wrappers (package-pack.mk
# writes them for every package: default_postinst enables and starts the
# package's init scripts, default_prerm stops and disables them).
scripts() {
	# shellcheck disable=SC2016 # the scripts expand on the router, not here
	printf '#!/bin/sh\n[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\ndefault_postinst $0 $@\n' >"$1/postinst"
	# shellcheck disable=SC2016
	printf '#!/bin/sh\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\ndefault_prerm $0 $@\n' >"$1/prerm"
	chmod 0755 "$1/postinst" "$1/prerm"
}

# mkipk ARCH: writes OUT/ARCH/<name>_<version>_<arch>.ipk.
mkipk() {
	local arch=$1 w=$tmp/$1
	mkdir -p "$w/data" "$w/control" "$out/$arch"
	stage_wgowrt "$w/data" "$arch"

	"${TAR[@]}" --sort=name -C "$w/data" -cf "$w/data.tar" .
	control_file "$arch" "$(stat -c %s "$w/data.tar")" >"$w/control/control"
	chmod 0644 "$w/control/control"
	scripts "$w/control"
	chmod 0755 "$w/control"
	"${TAR[@]}" --sort=name -C "$w/control" -cf - . | gzip -9n >"$w/control.tar.gz"
	gzip -9n <"$w/data.tar" >"$w/data.tar.gz"
	printf '2.0\n' >"$w/debian-binary"
	chmod 0644 "$w/debian-binary" "$w/data.tar.gz" "$w/control.tar.gz"

	local ipk=$out/$arch/${name}_${pkgversion}_${arch}.ipk
	"${TAR[@]}" -C "$w" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz | gzip -9n >"$ipk"
}

# index DIR: Packages and Packages.gz for every .ipk in DIR. Each stanza is
# the package's control file with Filename, Size and SHA256sum inserted
# before Description, as OpenWrt's ipkg-make-index.sh writes them.
index() {
	local dir=$1 ipk
	: >"$dir/Packages"
	for ipk in "$dir"/*.ipk; do
		tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control |
			awk -v f="$(basename "$ipk")" -v s="$(stat -c %s "$ipk")" \
				-v h="$(sha256sum "$ipk" | cut -d' ' -f1)" '
				/^Description:/ { print "Filename: " f; print "Size: " s; print "SHA256sum: " h }
				{ print }' >>"$dir/Packages"
		echo >>"$dir/Packages"
	done
	gzip -9n <"$dir/Packages" >"$dir/Packages.gz"
}

# mkipk_luci: the LuCI app (luci-app/, architecture all) as luci.mk lays
# it out: htdocs/ under /www, root/ under /; its postinst lets
# default_postinst run the uci-defaults, then package/files/
# luci-app-wgowrt.postinst-pkg (the service back after an upgrade from the
# layout that shipped it here; rpcd reload for the new ACL).
mkipk_luci() {
	local w=$tmp/luci name=luci-app-wgowrt
	mkdir -p "$w/data" "$w/control" "$out/all"
	stage_luci "$w/data"
	"${TAR[@]}" --sort=name -C "$w/data" -cf "$w/data.tar" .
	cat >"$w/control/control" <<EOC
Package: $name
Version: $pkgversion
Depends: luci-base, $name_bin
Source: feeds/wgowrt/luci-app
SourceName: $name
License: $license
Section: luci
SourceDateEpoch: $epoch
URL: $url
Maintainer: $maintainer
Architecture: all
Installed-Size: $(stat -c %s "$w/data.tar")
Description: LuCI support for wgowrt: overview, peers and setup pages; changes
 go through LuCI's Save & Apply with rollback.
EOC
	scripts "$w/control"
	cp "$ROOT_DIR/package/files/luci-app-wgowrt.postinst-pkg" "$w/control/postinst-pkg"
	chmod 0644 "$w/control/control"
	chmod 0755 "$w/control" "$w/control/postinst" "$w/control/postinst-pkg" "$w/control/prerm"
	"${TAR[@]}" --sort=name -C "$w/control" -cf - . | gzip -9n >"$w/control.tar.gz"
	gzip -9n <"$w/data.tar" >"$w/data.tar.gz"
	printf '2.0\n' >"$w/debian-binary"
	chmod 0644 "$w/debian-binary" "$w/data.tar.gz" "$w/control.tar.gz"
	"${TAR[@]}" -C "$w" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz | gzip -9n >"$out/all/${name}_${pkgversion}_all.ipk"
}

if [[ $luci == 1 ]]; then
	name_bin=$name
	rm -rf "${out:?}/all"
	mkipk_luci
	index "$out/all"
	printf '%-26s %s\n' all "$(cd "$out/all" && ls -- *.ipk)"
	exit 0
fi

for arch in "${arches[@]}"; do
	target_goenv "$arch" >/dev/null
	rm -rf "${out:?}/$arch"
	mkipk "$arch"
	index "$out/$arch"
	printf '%-26s %s\n' "$arch" "$(cd "$out/$arch" && ls -- *.ipk)"
done
