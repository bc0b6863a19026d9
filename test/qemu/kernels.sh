#!/usr/bin/env bash
# Fetches Debian 12 kernels (with modules) for the qemu-system tier and builds
# the big-endian MIPS Malta kernel Debian does not ship. Everything lands in
# $WGOWRT_QEMU_CACHE (default ~/.cache/wgowrt-qemu); a second run only checks
# the cache.
#
#   test/qemu/kernels.sh [amd64|mipsel|armhf|arm64|mips ...]   (default: all)
#
# Prints, per arch, "<arch> <kernel image> <module dir or -> <kernel version>"
# to stdout; progress goes to stderr.
#
# Debian kernels come through a private apt configuration (own lists, cache and
# an empty dpkg status) so the host never gets foreign architectures added
# (test-tiers.md: `dpkg --add-architecture armhf` broke the host's apt here).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

CACHE=${WGOWRT_QEMU_CACHE:-$HOME/.cache/wgowrt-qemu}
HERE=$ROOT_DIR/test/qemu
mkdir -p "$CACHE"

log() { echo "kernels: $*" >&2; }

# debian_flavour ARCH: the Debian kernel flavour and package arch.
debian_flavour() {
	case $1 in
	amd64) echo "amd64 amd64" ;;
	mipsel) echo "4kc-malta mipsel" ;;
	armhf) echo "armmp armhf" ;;
	arm64) echo "arm64 arm64" ;;
	*) return 1 ;;
	esac
}

APT_DIR=$CACHE/apt
apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=mipsel \
		-o APT::Architectures::=armhf -o APT::Architectures::=arm64 "$@"
}
apt_cache_private() {
	apt-cache -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status=/dev/null \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=mipsel \
		-o APT::Architectures::=armhf -o APT::Architectures::=arm64 "$@"
}

# apt_setup: the host's Debian mirror (deb822 or one-line sources), for our
# arches. Only bookworm and bookworm-updates: the security suite's foreign
# indexes were seen out of sync here (armhf "File has unexpected size"), and
# the point release's kernel is good enough to test against.
apt_setup() {
	[[ -f $APT_DIR/lists/.updated ]] && return
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	local main
	main=$({ sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources
		sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list; } 2>/dev/null | grep -v security | head -n1 || true)
	main=${main:-http://deb.debian.org/debian}
	local opts="arch=amd64,mipsel,armhf,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg"
	printf 'deb [%s] %s bookworm main\ndeb [%s] %s bookworm-updates main\n' \
		"$opts" "$main" "$opts" "$main" >"$APT_DIR/sources.list"
	log "apt-get update (private lists for amd64 mipsel armhf arm64, from $main)"
	# A partly failed update (a mirror mid-sync) may still have fetched the
	# indexes we need; resolving the kernel below decides.
	apt_private update >&2 || log "apt-get update reported errors; going on with what it fetched"
	touch "$APT_DIR/lists/.updated"
}

# debian_kernel ARCH: download and unpack linux-image for ARCH, run depmod.
debian_kernel() {
	local arch=$1 flavour pkgarch dir
	read -r flavour pkgarch < <(debian_flavour "$arch")
	dir=$CACHE/debian-$arch
	if [[ ! -f $dir/ok ]]; then
		rm -rf "$dir" && mkdir -p "$dir/root"
		local pkg
		# Cached lists may name a kernel the mirror no longer has: on a
		# failed download, refresh them once and resolve again.
		if ! pkg=$(fetch_kernel "$flavour" "$pkgarch" "$dir"); then
			log "download failed; refreshing the package lists once"
			rm -f "$APT_DIR/lists/.updated"
			pkg=$(fetch_kernel "$flavour" "$pkgarch" "$dir")
		fi
		dpkg-deb -x "$dir"/*.deb "$dir/root"
		rm -f "$dir"/*.deb
		local kver=${pkg#linux-image-}
		depmod -b "$dir/root" "$kver"
		echo "$kver" >"$dir/ok"
	fi
	local kver image
	kver=$(cat "$dir/ok")
	image=$(ls "$dir/root/boot/"vmlinu[xz]-"$kver")
	echo "$arch $image $dir/root $kver"
}

# fetch_kernel FLAVOUR PKGARCH DIR: downloads the versioned linux-image the
# meta package linux-image-FLAVOUR depends on into DIR; prints its name.
fetch_kernel() {
	local flavour=$1 pkgarch=$2 dir=$3 pkg
	apt_setup
	pkg=$(apt_cache_private depends "linux-image-$flavour:$pkgarch" |
		sed -n 's/^ *Depends: \(linux-image-6[^:[:space:]]*\).*/\1/p' | head -n1)
	[[ -n $pkg ]] || { log "no linux-image-$flavour:$pkgarch in the archive" && return 1; }
	log "downloading $pkg:$pkgarch"
	(cd "$dir" && apt_private download "$pkg:$pkgarch" >&2) || return 1
	echo "$pkg"
}

# mips_kernel: big-endian MIPS Malta kernel from Debian's linux-source-6.1,
# configured from tinyconfig + test/qemu/mips-be.config, cached by the hash
# of the source tarball name and the fragment.
mips_kernel() {
	local src=/usr/src/linux-source-6.1.tar.xz
	[[ -f $src ]] || { log "missing $src (apt-get install linux-source-6.1)" && return 1; }
	command -v mips-linux-gnu-gcc >/dev/null || { log "missing mips-linux-gnu-gcc (apt-get install gcc-mips-linux-gnu)" && return 1; }
	local key out
	key=$( (readlink -f "$src" && stat -c %s "$src" && cat "$HERE/mips-be.config") | sha256sum | cut -c1-12)
	out=$CACHE/mips-be-$key
	if [[ ! -f $out/vmlinux ]]; then
		local b=$CACHE/mips-be-build
		rm -rf "$b" && mkdir -p "$b"
		log "unpacking $src"
		tar -xJf "$src" -C "$b"
		local k
		k=$(echo "$b"/linux-source-*)
		local mk=(make -C "$k" -s ARCH=mips CROSS_COMPILE=mips-linux-gnu- "-j$(nproc)")
		"${mk[@]}" tinyconfig >&2
		cat "$HERE/mips-be.config" >>"$k/.config"
		"${mk[@]}" olddefconfig >&2
		# Every option asked for must have survived olddefconfig.
		local missing
		missing=$(grep '^CONFIG_' "$HERE/mips-be.config" | while read -r l; do
			grep -qx "$l" "$k/.config" || echo "$l"
		done)
		[[ -z $missing ]] || { log "kernel config lost: $missing" && return 1; }
		log "building big-endian MIPS vmlinux (about 2 minutes on 2 cores)"
		"${mk[@]}" vmlinux >&2
		mkdir -p "$out"
		mips-linux-gnu-strip -o "$out/vmlinux" "$k/vmlinux"
		cp "$k/.config" "$out/config"
		rm -rf "$b"
	fi
	echo "mips $out/vmlinux - $(strings "$out/vmlinux" | sed -n 's/^Linux version \([^ ]*\).*/\1/p' | head -n1)"
}

if [[ $# -gt 0 ]]; then arches=("$@"); else arches=(amd64 mipsel armhf arm64 mips); fi
for a in "${arches[@]}"; do
	case $a in
	mips) mips_kernel ;;
	*) debian_kernel "$a" ;;
	esac
done
