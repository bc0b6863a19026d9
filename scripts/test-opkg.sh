#!/usr/bin/env bash
# Proves the .ipk feeds of scripts/mkipk.sh with the REAL opkg of the
# OpenWrt oracle (../shared/oracle), for every arch, into an offline
# OpenWrt-like root (base-files' functions.sh and rc.common):
#   - `opkg update` reads our feed (and the LuCI one, arch all) and a stub
#     feed this test builds (kmod-wireguard, wireguard-tools, luci-base);
#   - `opkg install luci-app-wgowrt` pulls wgowrt and the stubs; the postinst
#     scripts run (--force-postinstall, IPKG_INSTROOT as OpenWrt's image
#     build sets it): default_postinst enables the init script
#     (/etc/rc.d/S99wgowrt); the binary is the one built;
#   - `opkg upgrade` from the previous version keeps /etc/config/wgowrt and
#     the keys in /etc/config/network byte for byte;
#   - `opkg remove` removes every file of ours and the rc.d link (prerm ran),
#     and leaves the user's config (opkg leaves empty directories).
#
#   scripts/test-opkg.sh [FEED]   (default: build a feed in a temp dir)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

O=${OWRT_ORACLE:-/opt/owrt-oracle}
OPKG=$O/usr/bin/opkg
if [[ ! -x $OPKG || ! -f $O/lib/functions.sh ]]; then
	need_or_skip "the OpenWrt oracle's opkg ($OPKG)" "../shared/oracle/install.sh"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SOURCE_DATE_EPOCH=$(source_date_epoch)
export SOURCE_DATE_EPOCH
release=$(pkg_var PKG_RELEASE)
if [[ -n ${WGOWRT_TEST_ARCHES:-} ]]; then read -r -a arches <<<"$WGOWRT_TEST_ARCHES"; else mapfile -t arches < <(target_list); fi
feed=${1:-}
if [[ -z $feed ]]; then
	feed=$tmp/feed
	"$ROOT_DIR/scripts/mkipk.sh" -o "$feed" "${arches[@]}" >/dev/null
	"$ROOT_DIR/scripts/mkipk.sh" -o "$feed" --luci >/dev/null
fi
feed=$(cd "$feed" && pwd) # opkg wants file:///absolute
f=$(cd "$feed/${arches[0]}" && echo wgowrt_*.ipk)
new=${f#wgowrt_} new=${new%_"${arches[0]}".ipk}
old_base=0.0.0_git20000101000000
old=$old_base-r$release
WGOWRT_PKG_LAYOUT=wave1 WGOWRT_VERSION=$old_base "$ROOT_DIR/scripts/mkipk.sh" --no-build -o "$tmp/old" "${arches[@]}" >/dev/null
WGOWRT_PKG_LAYOUT=wave1 WGOWRT_VERSION=$old_base "$ROOT_DIR/scripts/mkipk.sh" -o "$tmp/old" --luci >/dev/null

check() { if [[ $2 == "$3" ]]; then t_pass "$1"; else t_fail "$1: got '$2', want '$3'"; fi; }

# The stub feed: empty packages named like the dependencies.
stub=$tmp/stub
mkdir -p "$stub"
for dep in kmod-wireguard wireguard-tools luci-base; do
	s=$tmp/s-$dep
	mkdir -p "$s/data" "$s/control"
	printf 'Package: %s\nVersion: 1.0-r1\nArchitecture: all\nInstalled-Size: 0\nDescription: stub\n' "$dep" >"$s/control/control"
	printf '2.0\n' >"$s/debian-binary"
	tar --numeric-owner --owner=0 --group=0 -C "$s/data" -czf "$s/data.tar.gz" .
	tar --numeric-owner --owner=0 --group=0 -C "$s/control" -czf "$s/control.tar.gz" .
	tar --numeric-owner --owner=0 --group=0 -C "$s" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz |
		gzip -n >"$stub/${dep}_1.0-r1_all.ipk"
done
(cd "$stub" && for p in *.ipk; do
	tar -xzOf "$p" ./control.tar.gz | tar -xzO ./control
	printf 'Filename: %s\nSize: %s\nSHA256sum: %s\n\n' "$p" "$(stat -c %s "$p")" "$(sha256sum "$p" | cut -d' ' -f1)"
done >Packages && gzip -9nc Packages >Packages.gz)

# conf ROOT ARCH FEEDDIR: opkg.conf as on a router of ARCH, with our feed.
conf() {
	printf 'dest root /\nlists_dir ext /var/opkg-lists\noption overlay_root /overlay\narch all 1\narch noarch 1\narch %s 10\nsrc/gz wgowrt file://%s\nsrc/gz wgowrt_luci file://%s\nsrc/gz stub file://%s\n' \
		"$2" "$3/$2" "$3/all" "$stub" >"$1/etc/opkg.conf"
}
op() {
	local r=$1
	shift
	IPKG_INSTROOT=$r "$OPKG" --offline-root "$r" --conf "$r/etc/opkg.conf" "$@"
}

for arch in "${arches[@]}"; do
	r=$tmp/root-$arch
	mkdir -p "$r/lib" "$r/etc/rc.d" "$r/etc/config" "$r/var/lock" "$r/usr/share"
	cp "$O/lib/functions.sh" "$r/lib/"
	cp -R "$O/lib/functions" "$r/lib/"
	cp "$O/etc/rc.common" "$r/etc/"
	[[ ! -d $O/usr/share/libubox ]] || cp -R "$O/usr/share/libubox" "$r/usr/share/"

	conf "$r" "$arch" "$tmp/old"
	out=$(op "$r" update 2>&1) || { t_fail "$arch: opkg update: $out" && continue; }
	out=$(op "$r" --force-postinstall install luci-app-wgowrt 2>&1) ||
		{ t_fail "$arch: opkg install luci-app-wgowrt ($old): $out" && continue; }
	check "$arch: installed $old" "$(op "$r" list-installed 2>/dev/null | sed -n 's/^wgowrt - //p')" "$old"
	check "$arch: dependencies from the stub feed" "$(op "$r" list-installed 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')" \
		"kmod-wireguard luci-app-wgowrt luci-base wgowrt wireguard-tools "
	check "$arch: postinst ran (service enabled)" "$(readlink "$r/etc/rc.d/S99wgowrt")" ../init.d/wgowrt
	check "$arch: rpcd plugin link" "$(readlink "$r/usr/libexec/rpcd/wgowrt")" /usr/sbin/wgowrt
	check "$arch: sysupgrade keeps /etc/config/wgowrt" "$(cat "$r/lib/upgrade/keep.d/wgowrt")" /etc/config/wgowrt
	check "$arch: opkg files" "$(op "$r" files wgowrt 2>/dev/null | grep -c '/usr/sbin/wgowrt$')" 1

	printf "\nconfig wgowrt 'main'\n\toption note 'mine'\n" >"$r/etc/config/wgowrt"
	printf "\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key 'QxI7tFN2W1ubWXYRyo2vk/9eHE6hDsXTUsNPoHHNSE8='\n" >"$r/etc/config/network"
	sha_before=$(cd "$r/etc/config" && sha256sum wgowrt network)

	conf "$r" "$arch" "$feed"
	op "$r" update >/dev/null 2>&1 || t_fail "$arch: opkg update (new feed)"
	out=$(op "$r" --force-postinstall upgrade wgowrt luci-app-wgowrt 2>&1) || { t_fail "$arch: opkg upgrade: $out" && continue; }
	check "$arch: upgraded to $new" "$(op "$r" list-installed 2>/dev/null | sed -n 's/^wgowrt - //p')" "$new"
	check "$arch: binary is the new one" "$(cmp -s "$r/usr/sbin/wgowrt" "$ROOT_DIR/dist/$arch/wgowrt" && echo same)" same
	check "$arch: config and keys kept by the upgrade" "$(cd "$r/etc/config" && sha256sum wgowrt network)" "$sha_before"
	check "$arch: service still enabled" "$(readlink "$r/etc/rc.d/S99wgowrt")" ../init.d/wgowrt

	out=$(op "$r" --force-postinstall remove luci-app-wgowrt wgowrt 2>&1) || { t_fail "$arch: opkg remove: $out" && continue; }
	# opkg leaves directories; files, links and the rc.d link must go.
	check "$arch: removed cleanly" "$(cd "$r" && find . \( -path ./usr/lib/opkg -o -path ./var \) -prune -o ! -type d -name '*wgowrt*' -print | sort | tr '\n' ' ')" \
		"./etc/config/wgowrt "
	check "$arch: no file left in our directories" "$(find "$r/www" "$r/usr/share/luci" "$r/usr/share/rpcd" ! -type d 2>/dev/null | wc -l)" 0
	check "$arch: config kept after removal" "$(cd "$r/etc/config" && sha256sum wgowrt network)" "$sha_before"
	rm -rf "$r"
done
t_summary
