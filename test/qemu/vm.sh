#!/usr/bin/env bash
# Tier 3, real kernels: boots Debian 12 kernels (amd64, mipsel Malta, armhf,
# arm64) and a self-built big-endian MIPS Malta kernel under qemu-system
# (TCG), each with an initramfs whose /init is test/qemu/vminit plus the
# cross-built wgowrt. The guest loads kernel WireGuard, configures two links
# through internal/wgdev (wgctrl over generic netlink), sends a packet
# through the tunnel between two namespaces, runs `wgowrt status --json`, and
# powers off; test/qemu/vmcheck judges the console log.
#
#   test/qemu/vm.sh [amd64|mipsel|armhf|arm64|mips ...]   (default: all)
#
# Kernels are cached in $WGOWRT_QEMU_CACHE (default ~/.cache/wgowrt-qemu) by
# test/qemu/kernels.sh; logs of the last run stay in $WGOWRT_QEMU_CACHE/logs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

APT_PKGS="qemu-system-x86 qemu-system-mips qemu-system-arm cpio kmod gcc libc6-dev make gcc-mips-linux-gnu linux-source-6.1 flex bison bc xz-utils"
CACHE=${WGOWRT_QEMU_CACHE:-$HOME/.cache/wgowrt-qemu}
BOOT_TIMEOUT=${WGOWRT_QEMU_TIMEOUT:-180}
if [[ $# -gt 0 ]]; then arches=("$@"); else arches=(amd64 mipsel armhf arm64 mips); fi

# guest ARCH: "<GOARCH> <Go settings> <qemu binary> <console> <qemu args...>"
guest() {
	case $1 in
	amd64) echo "amd64 GOAMD64=v1 qemu-system-x86_64 ttyS0 -M pc" ;;
	mipsel) echo "mipsle GOMIPS=softfloat qemu-system-mipsel ttyS0 -M malta -cpu 24Kc" ;;
	mips) echo "mips GOMIPS=softfloat qemu-system-mips ttyS0 -M malta -cpu 24Kc" ;;
	armhf) echo "arm GOARM=7 qemu-system-arm ttyAMA0 -M virt -cpu cortex-a15" ;;
	arm64) echo "arm64 GOARM64=v8.0 qemu-system-aarch64 ttyAMA0 -M virt -cpu cortex-a53" ;;
	*) echo "unknown guest arch '$1'" >&2 && return 1 ;;
	esac
}

for a in "${arches[@]}"; do
	read -r _ _ qemu _ < <(guest "$a")
	command -v "$qemu" >/dev/null || { need_or_skip "$qemu" "apt-get install -y $APT_PKGS"; exit 0; }
done
for tool in cpio depmod modprobe; do
	command -v "$tool" >/dev/null || { need_or_skip "$tool" "apt-get install -y $APT_PKGS"; exit 0; }
done
if [[ " ${arches[*]} " == *" mips "* ]] && { [[ ! -f /usr/src/linux-source-6.1.tar.xz ]] || ! command -v mips-linux-gnu-gcc >/dev/null; }; then
	need_or_skip "linux-source-6.1 / gcc-mips-linux-gnu" "apt-get install -y $APT_PKGS"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$CACHE/logs"
version=$(wgowrt_version)

start=$SECONDS
mapfile -t kernels < <("$ROOT_DIR/test/qemu/kernels.sh" "${arches[@]}")
echo "kernels ready in $((SECONDS - start)) s"
(cd "$ROOT_DIR" && go build -o "$work/vmcheck" ./test/qemu/vmcheck)

# initramfs ARCH GOARCH MODDIR KVER SETTINGS...: writes $work/ARCH.cpio.gz.
initramfs() {
	local arch=$1 goarch=$2 moddir=$3 kver=$4
	shift 4
	local s=$work/$arch-root
	mkdir -p "$s/modules" "$s/dev" "$s/proc" "$s/sys" "$s/tmp"
	(cd "$ROOT_DIR" && env CGO_ENABLED=0 GOOS=linux GOARCH="$goarch" "$@" \
		go build -trimpath -o "$s/init" ./test/qemu/vminit)
	go_build "$s/wgowrt" "$version" GOARCH="$goarch" "$@"
	: >"$s/modules/order"
	if [[ $moddir != - ]]; then
		local m
		while read -r _ m; do
			cp "$m" "$s/modules/"
			echo "/modules/$(basename "$m")" >>"$s/modules/order"
		done < <(modprobe -d "$moddir" -S "$kver" --show-depends wireguard | grep '^insmod ')
	fi
	(cd "$s" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$work/$arch.cpio.gz"
}

failed=0
for line in "${kernels[@]}"; do
	read -r arch kernel moddir kver <<<"$line"
	read -r goarch settings qemu con qargs < <(guest "$arch")
	t0=$SECONDS
	# shellcheck disable=SC2086 # settings and qargs are word lists
	initramfs "$arch" "$goarch" "$moddir" "$kver" $settings
	log=$CACHE/logs/$arch.log
	t1=$SECONDS
	# shellcheck disable=SC2086
	timeout "$BOOT_TIMEOUT" "$qemu" $qargs -accel tcg -m 256 -nodefaults -nographic -no-reboot \
		-serial stdio -kernel "$kernel" -initrd "$work/$arch.cpio.gz" \
		-append "console=$con panic=-1 quiet" </dev/null >"$log" 2>&1 || true
	echo "== $arch: kernel $kver, initramfs $((t1 - t0)) s, boot to power-off $((SECONDS - t1)) s"
	builtin=()
	[[ $moddir == - ]] && builtin=(-builtin)
	if ! "$work/vmcheck" -goarch "$goarch" -version "$version" "${builtin[@]}" "$log"; then
		failed=$((failed + 1))
		echo "--- last lines of $log:"
		tail -n 30 "$log"
	fi
done
echo "qemu-system tier took $((SECONDS - start)) s"
echo "qemu-system: $((${#kernels[@]} - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
