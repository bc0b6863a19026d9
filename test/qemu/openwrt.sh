#!/usr/bin/env bash
# Tier 4, a real OpenWrt image (never run in CI): boots the image given in
# WGOWRT_OPENWRT_IMAGE (x86-64 or armsr) under qemu-system (TCG), installs
# the .ipk that scripts/mkipk.sh builds with opkg, runs the README's quick
# start and checks it (test/qemu/owrtdrive drives the serial console).
#
#   WGOWRT_OPENWRT_IMAGE=openwrt-24.10.x-x86-64-generic-ext4-combined.img test/qemu/openwrt.sh
#
# WGOWRT_OPENWRT_IMAGE  the image (.img or .img.gz); it is copied, never modified
# WGOWRT_OPENWRT_TARGET x86-64 or armsr (default: from the file name)
# WGOWRT_OPENWRT_FEED   a directory of .ipk files (kmod-wireguard, wireguard-tools
#                       and their dependencies, for this image's kernel) to
#                       install with wgowrt when the image lacks them
# WGOWRT_QEMU_CACHE     logs go to $WGOWRT_QEMU_CACHE/logs/openwrt-<target>.log
#                       (default ~/.cache/wgowrt-qemu)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

img=${WGOWRT_OPENWRT_IMAGE:-}
if [[ -z $img ]]; then
	# Skipped even with WGOWRT_REQUIRE_PRIVILEGED=1: no OpenWrt image is reachable from CI.
	echo "SKIP: real-OpenWrt tier: set WGOWRT_OPENWRT_IMAGE to an OpenWrt x86-64 or armsr image, e.g." \
		"WGOWRT_OPENWRT_IMAGE=openwrt-24.10.x-x86-64-generic-ext4-combined.img test/qemu/openwrt.sh" \
		"(see test/qemu/README.md; not run in CI)"
	exit 0
fi
[[ -f $img ]] || { echo "FAIL: WGOWRT_OPENWRT_IMAGE=$img is not a file" >&2 && exit 1; }

target=${WGOWRT_OPENWRT_TARGET:-}
if [[ -z $target ]]; then
	case $(basename "$img") in
	*x86-64* | *x86_64*) target=x86-64 ;;
	*armsr* | *armvirt*) target=armsr ;;
	*) echo "FAIL: cannot tell the target from '$img'; set WGOWRT_OPENWRT_TARGET=x86-64 or armsr" >&2 && exit 1 ;;
	esac
fi

# The user asked for this tier: a missing tool is a failure, not a skip.
need() {
	command -v "$1" >/dev/null || { echo "FAIL: $1 is missing; install with: apt-get install -y $2" >&2 && exit 1; }
}
case $target in
x86-64)
	arch=x86_64
	need qemu-system-x86_64 qemu-system-x86
	# Root disk and package disk on the PC's IDE bus: /dev/sda and /dev/sdb.
	# shellcheck disable=SC2054 # the commas belong to qemu's option syntax
	qemu=(qemu-system-x86_64 -accel tcg -m "${WGOWRT_OPENWRT_MEM:-256}" -nographic -no-reboot
		-drive "file=@ROOT@,format=raw,if=ide,index=0" -drive "file=@PKG@,format=raw,if=ide,index=1"
		-nic user,model=e1000)
	if [[ $(basename "$img") == *-efi* ]]; then
		[[ -f /usr/share/ovmf/OVMF.fd ]] || { echo "FAIL: $img is an EFI image; install with: apt-get install -y ovmf" >&2 && exit 1; }
		qemu+=(-bios /usr/share/ovmf/OVMF.fd)
	fi
	;;
armsr)
	arch=aarch64_generic
	need qemu-system-aarch64 "qemu-system-arm qemu-efi-aarch64"
	efi=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
	[[ -f $efi ]] || { echo "FAIL: $efi is missing; install with: apt-get install -y qemu-efi-aarch64" >&2 && exit 1; }
	# virtio disks: /dev/vda and /dev/vdb.
	# shellcheck disable=SC2054
	qemu=(qemu-system-aarch64 -M virt -cpu cortex-a53 -accel tcg -m "${WGOWRT_OPENWRT_MEM:-512}" -nographic -no-reboot
		-bios "$efi" -drive "file=@ROOT@,format=raw,if=virtio" -drive "file=@PKG@,format=raw,if=virtio,readonly=on"
		-nic user,model=virtio-net-pci)
	;;
*) echo "FAIL: WGOWRT_OPENWRT_TARGET=$target: want x86-64 or armsr" >&2 && exit 1 ;;
esac

CACHE=${WGOWRT_QEMU_CACHE:-$HOME/.cache/wgowrt-qemu}
mkdir -p "$CACHE/logs"
log=$CACHE/logs/openwrt-$target.log
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A private copy of the image: the guest writes to its root disk.
case $img in
*.gz)
	# OpenWrt's .img.gz carry trailing metadata: gzip says "trailing garbage ignored" and exits 2.
	rc=0
	gzip -dc "$img" >"$work/root.img" 2>"$work/gzip.err" || rc=$?
	[[ $rc -eq 0 || $rc -eq 2 ]] || { cat "$work/gzip.err" >&2 && exit 1; }
	;;
*) cp --sparse=always "$img" "$work/root.img" ;;
esac

"$ROOT_DIR/scripts/mkipk.sh" -o "$work/feed" "$arch" >/dev/null
ipk=$(ls "$work/feed/$arch/"*.ipk)
pkgversion=$(tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control | sed -n 's/^Version: //p')

# The package disk: a plain tar on a raw drive, read in the guest with tar -xf /dev/sdb (or vdb).
mkdir -p "$work/disk"
echo "wgowrt package disk $pkgversion" >"$work/disk/WGOWRT-DISK"
cp "$ipk" "$work/disk/"
if [[ -n ${WGOWRT_OPENWRT_FEED:-} ]]; then
	mkdir "$work/disk/feed"
	cp "$WGOWRT_OPENWRT_FEED"/*.ipk "$work/disk/feed/"
fi
tar --format=ustar --owner=0 --group=0 -C "$work/disk" -cf "$work/pkg.img" .
# Whole MiB (a disk is whole sectors), at least one MiB of zeros after the archive.
truncate -s $((($(stat -c %s "$work/pkg.img") / 1048576 + 2) * 1048576)) "$work/pkg.img"

(cd "$ROOT_DIR" && go build -o "$work/owrtdrive" ./test/qemu/owrtdrive)
qemu=("${qemu[@]//@ROOT@/$work/root.img}")
qemu=("${qemu[@]//@PKG@/$work/pkg.img}")
echo "== OpenWrt $target: $(basename "$img"), wgowrt $pkgversion; console log $log"
echo "   ${qemu[*]}"
start=$SECONDS
if timeout "${WGOWRT_OPENWRT_TIMEOUT:-1800}" "$work/owrtdrive" -log "$log" -pkgversion "$pkgversion" -- "${qemu[@]}"; then
	t_pass "OpenWrt $target: opkg install, quick start, status in $((SECONDS - start)) s"
else
	t_fail "OpenWrt $target (console log: $log)"
fi
t_summary
