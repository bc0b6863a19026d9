#!/usr/bin/env bash
# Proves that scripts/mkipk.sh makes packages opkg-lede can install and feeds
# it can read, using only standard tools (tar, gzip, od) on every .ipk:
#   - outer container: gzip (no name, no timestamp) of a GNU tar with exactly
#     ./debian-binary, ./data.tar.gz, ./control.tar.gz in that order, 0/0,
#     mtime = SourceDateEpoch; debian-binary is "2.0";
#   - control.tar.gz: ./, ./control (0644) and OpenWrt's default postinst and
#     prerm wrappers (0755); every control field;
#     Installed-Size = size of the uncompressed data tar;
#   - data.tar.gz: the exact file list with modes, owners and the rpcd link;
#     the binary is the one scripts/build.sh made, an ELF for that arch;
#   - the feed: file name <Package>_<Version>_<Architecture>.ipk, Packages
#     stanza = control + Filename/Size/SHA256sum, Packages.gz = Packages;
#   - making the packages twice gives identical bytes.
#
#   scripts/test-ipk.sh [FEED]   (default: build a fresh feed in a temp dir)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Fix version and epoch once: others may commit while this runs.
WGOWRT_VERSION=$(wgowrt_version)
SOURCE_DATE_EPOCH=$(source_date_epoch)
export WGOWRT_VERSION SOURCE_DATE_EPOCH
feed=${1:-}
if [[ -z $feed ]]; then
	feed=$tmp/feed
	"$ROOT_DIR/scripts/mkipk.sh" -o "$feed" >/dev/null
fi

# Expected by the spec (openwrt-reference.md §7.1 and the package recipe),
# plus Replaces: luci-app-wgowrt (the init script moved; see mkipk.sh).
want_fields="Package Version Depends Replaces Source SourceName License Section SourceDateEpoch URL Maintainer Architecture Installed-Size Description"
want_data="drwxr-xr-x 0/0 ./
drwxr-xr-x 0/0 ./etc/
drwxr-xr-x 0/0 ./etc/init.d/
-rwxr-xr-x 0/0 ./etc/init.d/wgowrt
-rwxr-xr-x 0/0 ./etc/init.d/wgowrt-rollback
drwxr-xr-x 0/0 ./lib/
drwxr-xr-x 0/0 ./lib/upgrade/
drwxr-xr-x 0/0 ./lib/upgrade/keep.d/
-rw-r--r-- 0/0 ./lib/upgrade/keep.d/wgowrt
drwxr-xr-x 0/0 ./usr/
drwxr-xr-x 0/0 ./usr/libexec/
drwxr-xr-x 0/0 ./usr/libexec/rpcd/
lrwxrwxrwx 0/0 ./usr/libexec/rpcd/wgowrt -> /usr/sbin/wgowrt
drwxr-xr-x 0/0 ./usr/sbin/
-rwxr-xr-x 0/0 ./usr/sbin/wgowrt"
want_control="drwxr-xr-x 0/0 ./
-rw-r--r-- 0/0 ./control
-rwxr-xr-x 0/0 ./postinst
-rwxr-xr-x 0/0 ./prerm"
want_outer="-rw-r--r-- 0/0 ./debian-binary
-rw-r--r-- 0/0 ./data.tar.gz
-rw-r--r-- 0/0 ./control.tar.gz"

# check NAME GOT WANT
check() {
	if [[ $2 == "$3" ]]; then t_pass "$1"; else t_fail "$1: got '$2', want '$3'"; fi
}
# field FILE NAME: the value of a control field (first line only).
field() { sed -n "s/^$2: //p" "$1" | head -n1; }
# listing TARFILE.gz: "mode owner name[ -> target]" per member.
listing() { tar --numeric-owner -tvzf "$1" | awk '{ $3 = $4 = $5 = ""; print }' | tr -s ' '; }
# mtimes TARFILE.gz: the distinct member mtimes as epoch seconds.
mtimes() { tar --numeric-owner --full-time -tvzf "$1" | awk '{ print $4 " " $5 }' | sort -u | while read -r d; do date -d "$d" +%s; done; }
# gzip_clean FILE: 0 if the gzip header has no file name and mtime 0.
gzip_clean() { [[ $(od -An -tx1 -j3 -N5 "$1" | tr -d ' \n') == 0000000000 ]]; }
# elf_id FILE: "<class>-<endianness>-<machine>" from the ELF header.
elf_id() {
	local h
	read -r -a h < <(od -An -tu1 -N20 "$1" | tr -s ' \n' ' ')
	local m=$((h[5] == 1 ? h[18] + 256 * h[19] : h[19] + 256 * h[18]))
	echo "${h[4]}-${h[5]}-$m"
}
elf_want() {
	case $1 in
	mips) echo 1-2-8 ;; mipsle) echo 1-1-8 ;; arm) echo 1-1-40 ;; arm64) echo 2-1-183 ;;
	amd64) echo 2-1-62 ;; 386) echo 1-1-3 ;; *) echo "?" ;;
	esac
}

release=$(sed -n 's/^PKG_RELEASE:=//p' "$ROOT_DIR/package/Makefile")
epoch=$(source_date_epoch)
mapfile -t arches < <(target_list)
for arch in "${arches[@]}"; do
	dir=$feed/$arch
	ipks=("$dir"/*.ipk)
	check "$arch: one .ipk" "${#ipks[@]}" 1
	ipk=${ipks[0]}
	[[ -f $ipk ]] || continue
	w=$tmp/x/$arch
	mkdir -p "$w/data"
	tar -xzf "$ipk" -C "$w"

	check "$arch: outer gzip has no name/mtime" "$(gzip_clean "$ipk" && echo clean)" clean
	check "$arch: outer tar is GNU format" "$(gzip -dc "$ipk" | od -An -c -j257 -N8 | tr -d ' \n')" 'ustar\0'
	check "$arch: outer members" "$(listing "$ipk")" "$want_outer"
	check "$arch: outer mtimes" "$(mtimes "$ipk")" "$epoch"
	check "$arch: debian-binary" "$(od -An -c "$w/debian-binary" | tr -d ' ')" '2.0\n'
	for gz in control.tar.gz data.tar.gz; do
		check "$arch: $gz has no name/mtime" "$(gzip_clean "$w/$gz" && echo clean)" clean
		check "$arch: $gz mtimes" "$(mtimes "$w/$gz")" "$epoch"
	done
	check "$arch: control.tar.gz members" "$(listing "$w/control.tar.gz")" "$want_control"
	check "$arch: data.tar.gz members" "$(listing "$w/data.tar.gz")" "$want_data"

	tar -xzf "$w/control.tar.gz" -C "$w" ./control
	c=$w/control
	check "$arch: control field names" "$(sed -n 's/^\([A-Za-z-]*\):.*/\1/p' "$c" | tr '\n' ' ')" "$want_fields "
	version=$(field "$c" Version)
	check "$arch: Package" "$(field "$c" Package)" wgowrt
	check "$arch: Replaces" "$(field "$c" Replaces)" luci-app-wgowrt
	check "$arch: Version" "$version" "$WGOWRT_VERSION-r$release"
	check "$arch: Depends" "$(field "$c" Depends)" "kmod-wireguard, wireguard-tools"
	check "$arch: Architecture" "$(field "$c" Architecture)" "$arch"
	check "$arch: Section" "$(field "$c" Section)" net
	check "$arch: SourceDateEpoch" "$(field "$c" SourceDateEpoch)" "$epoch"
	check "$arch: Installed-Size" "$(field "$c" Installed-Size)" "$(gzip -dc "$w/data.tar.gz" | wc -c)"
	for f in Source License URL Maintainer Description; do
		check "$arch: $f is set" "$([[ -n $(field "$c" "$f") ]] && echo set)" set
	done
	check "$arch: file name" "$(basename "$ipk")" "wgowrt_${version}_${arch}.ipk"

	tar -xzf "$w/data.tar.gz" -C "$w/data"
	goarch=$(target_goenv "$arch" | sed -n 's/^GOARCH=//p')
	check "$arch: binary is an ELF for $goarch" "$(elf_id "$w/data/usr/sbin/wgowrt")" "$(elf_want "$goarch")"
	if [[ -f $ROOT_DIR/dist/$arch/wgowrt && -z ${1:-} ]]; then
		check "$arch: binary = dist/$arch/wgowrt" "$(cmp -s "$w/data/usr/sbin/wgowrt" "$ROOT_DIR/dist/$arch/wgowrt" && echo same)" same
	fi

	want_stanza=$(awk -v f="$(basename "$ipk")" -v s="$(stat -c %s "$ipk")" \
		-v h="$(sha256sum "$ipk" | cut -d' ' -f1)" '
		/^Description:/ { print "Filename: " f; print "Size: " s; print "SHA256sum: " h }
		{ print }' "$c")
	check "$arch: Packages stanza" "$(cat "$dir/Packages")" "$want_stanza"
	check "$arch: Packages ends with a blank line" "$(tail -c2 "$dir/Packages" | od -An -c | tr -d ' ')" '\n\n'
	check "$arch: Packages.gz = Packages" "$(gzip -dc "$dir/Packages.gz" | cmp -s - "$dir/Packages" && echo same)" same
done

# Reproducible: a second run over the same binaries gives the same bytes.
"$ROOT_DIR/scripts/mkipk.sh" --no-build -o "$tmp/again" "${arches[@]}" >/dev/null
"$ROOT_DIR/scripts/mkipk.sh" --no-build -o "$tmp/again2" "${arches[@]}" >/dev/null
check "mkipk twice: identical feeds" "$(diff -r "$tmp/again" "$tmp/again2" >/dev/null && echo same)" same
t_summary
