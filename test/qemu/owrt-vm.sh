#!/usr/bin/env bash
# Tier 5, an OpenWrt VM with kernel WireGuard: boots the oracle's OpenWrt root
# filesystem (../shared/oracle, installed at $OWRT_ORACLE/.boot-rootfs: procd
# as init, netifd, firewall4, opkg ...) as the initramfs of Debian's amd64
# kernel (the one vm.sh uses) under qemu-system-x86_64 -accel tcg, so netifd
# drives the kernel's WireGuard and wgowrt talks to it over generic netlink.
# test/qemu/owrtvm drives the console: opkg install from our feed, the
# README's quick start, a phone on the host side that handshakes through
# qemu's user-mode network, and the hitless-peer proof. See README.md.
#
#   test/qemu/owrt-vm.sh
#
# Root (the driver runs in a network namespace of its own). Settings:
# OWRT_ORACLE (default /opt/owrt-oracle), WGOWRT_QEMU_CACHE (kernel cache and
# logs, default ~/.cache/wgowrt-qemu), WGOWRT_OWRT_VM_TIMEOUT (whole session,
# default 900 s), WGOWRT_OWRT_VM_SMP (guest CPUs, default 2).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

APT_PKGS="qemu-system-x86 cpio kmod iputils-ping wireguard-tools iproute2 util-linux"
ORACLE=${OWRT_ORACLE:-/opt/owrt-oracle}
ROOTFS=${OWRT_BOOT_ROOTFS:-$ORACLE/.boot-rootfs}
CACHE=${WGOWRT_QEMU_CACHE:-$HOME/.cache/wgowrt-qemu}

if [[ $(id -u) != 0 ]]; then
	need_or_skip "root (the driver runs in its own network namespace)" "sudo $0"
	exit 0
fi
for tool in qemu-system-x86_64 cpio depmod modprobe ping wg ip unshare; do
	command -v "$tool" >/dev/null || { need_or_skip "$tool" "apt-get install -y $APT_PKGS"; exit 0; }
done
if [[ ! -x $ROOTFS/usr/sbin/procd ]]; then
	need_or_skip "the OpenWrt oracle's boot root filesystem ($ROOTFS)" "../shared/oracle/install.sh (see its README)"
	exit 0
fi
# The phone on the host: kernel WireGuard if the host has it, else the oracle's wireguard-go.
wggo=$ORACLE/usr/bin/wireguard-go
[[ -x $wggo ]] || wggo=$ROOTFS/usr/bin/wireguard-go
if [[ ! -c /dev/net/tun ]]; then
	need_or_skip "/dev/net/tun (for the host-side WireGuard peer)" "modprobe tun"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$CACHE/logs"
log=$CACHE/logs/owrt-vm.log
start=$SECONDS

read -r _ kernel moddir kver < <("$ROOT_DIR/test/qemu/kernels.sh" amd64)
"$ROOT_DIR/scripts/mkipk.sh" -o "$work/feed" x86_64 >/dev/null
ipk=$(ls "$work/feed/x86_64/"*.ipk)
pkgversion=$(tar -xzOf "$ipk" ./control.tar.gz | tar -xzOf - ./control | sed -n 's/^Version: //p')
(cd "$ROOT_DIR" && go build -o "$work/owrtvm" ./test/qemu/owrtvm)
t_build=$SECONDS

# The root filesystem: the oracle's, as owrt-boot boots it, with what
# owrt-boot takes from the host at run time carried inside.
r=$work/root
cp -a "$ROOTFS/." "$r/"
# 1. Debian's glibc and the libraries its binaries link (owrt-boot bind-mounts
#    the host's /usr/lib/x86_64-linux-gnu): every ELF file's closure, from ldd.
mkdir -p "$r/usr/lib/x86_64-linux-gnu"
missing=$(find "$r" -type f \( -perm -u+x -o -name '*.so*' \) -exec sh -c 'for f; do
		head -c4 "$f" | grep -q ELF && LD_LIBRARY_PATH='"$r"'/usr/lib ldd "$f" 2>/dev/null; done' sh {} + |
	awk '/not found/ { print $1 > "/dev/stderr"; next } $2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib64\// { print $1 }' 2>"$work/notfound" |
	sort -u) || true
[[ ! -s $work/notfound ]] || { echo "FAIL: libraries the oracle's binaries need are missing on this host: $(sort -u "$work/notfound" | tr '\n' ' ')(apt-get install the packages in ../shared/oracle/README.md)" >&2 && exit 1; }
# libgcc_s: glibc dlopens it for pthread_cancel.
for l in $missing /lib/x86_64-linux-gnu/libgcc_s.so.1; do
	[[ $l == /lib64/* || $l == "$r"/* ]] && continue
	cp -L "$l" "$r/usr/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$r/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
# 2. Kernel modules, flat in /lib/modules/KVER with an /etc/modules.d list, the
#    way OpenWrt's kmod packages install them: kmodloader (S10boot) loads them
#    and resolves their dependencies, and is the kernel's modprobe for nft's
#    on-demand loads. The NIC, WireGuard, what firewall4's ruleset uses, the
#    bridge of br-lan.
mods="e1000 wireguard nf_tables nft_ct nft_chain_nat nft_nat nft_masq nft_redir nft_reject_inet nft_fib_inet
	nft_limit nft_log nf_log_syslog bridge"
mkdir -p "$r/lib/modules/$kver" "$r/etc/modules.d"
for m in $mods; do
	modprobe -d "$moddir" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | grep -v -e crc32c-intel >"$work/modules" # crc32c-intel: no SSE4.2 on qemu's CPU model
while read -r m; do
	cp "$m" "$r/lib/modules/$kver/"
	basename "$m" .ko
done <"$work/modules" >"$r/etc/modules.d/50-owrt-vm"
# 3. A router's wan gets its address by DHCP (the oracle's image default is a
#    static 192.0.2.2 for namespaces without a DHCP server): here qemu's.
cat >"$r/etc/uci-defaults/90-owrt-vm-wan" <<'EOF'
uci -q delete network.wan.ipaddr
uci -q delete network.wan.netmask
uci set network.wan.proto=dhcp
uci commit network
EOF
# 4. /init as in OpenWrt's initramfs images; the feed.
printf '#!/bin/sh\nexport INITRAMFS=1\nexec /sbin/init\n' >"$r/init"
chmod 755 "$r/init"
mkdir "$r/wgowrt-feed"
cp "$work/feed/x86_64/"* "$r/wgowrt-feed/"
(cd "$r" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$work/initrd.gz"
echo "== OpenWrt VM: kernel $kver, wgowrt $pkgversion, $(wc -l <"$work/modules") modules," \
	"initramfs $(($(stat -c %s "$work/initrd.gz") / 1048576)) MiB; builds $((t_build - start)) s, root $((SECONDS - t_build)) s; console log $log"

# Two NICs as on an x86 router: eth0 = lan (br-lan; qemu network without
# outside access), eth1 = wan (qemu's user-mode network with DHCP and the
# phone's UDP port forwarded from 127.0.0.1:51820 of the driver's namespace).
# shellcheck disable=SC2054 # the commas belong to qemu's option syntax
qemu=(qemu-system-x86_64 -M pc -accel tcg -smp "${WGOWRT_OWRT_VM_SMP:-2}" -m 512 -nodefaults -nographic -no-reboot
	-serial stdio -kernel "$kernel" -initrd "$work/initrd.gz" -append "console=ttyS0 panic=-1 quiet"
	-netdev user,id=lan,restrict=on,net=192.168.1.0/24,host=192.168.1.2 -device e1000,netdev=lan,romfile=
	-netdev user,id=wan,hostfwd=udp:127.0.0.1:51820-:51820 -device e1000,netdev=wan,romfile=)
t_run=$SECONDS
if timeout "${WGOWRT_OWRT_VM_TIMEOUT:-900}" unshare --net -- sh -c 'ip link set lo up && exec "$@"' owrtvm \
	"$work/owrtvm" -log "$log" -pkgversion "$pkgversion" -wireguard-go "$wggo" -- "${qemu[@]}"; then
	t_pass "OpenWrt VM: opkg install, quick start, kernel WireGuard handshake from the host, hitless peers, opkg remove ($((SECONDS - t_run)) s in the VM, $((SECONDS - start)) s in all)"
else
	t_fail "OpenWrt VM (console log: $log)"
fi
t_summary
