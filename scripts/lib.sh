# shellcheck shell=bash
# Shared helpers for scripts/*.sh and test/qemu/*.sh. Source it; it defines
# functions and a few variables and runs nothing else.

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGETS_FILE="$ROOT_DIR/scripts/targets.txt"
GO_MODULE=github.com/wgowrt/wgowrt
VERSION_VAR=$GO_MODULE/internal/cli.Version
GO_TAGS= # build tags for go_build and size-report (none today)
GO_GCFLAGS=all=-l

# wgowrt_version prints the version to inject (without the package release
# -rN): $WGOWRT_VERSION if set; X.Y.Z when HEAD carries the tag vX.Y.Z; else
# X.Y.Z_git<YYYYMMDDhhmmss> from the last vX.Y.Z tag before HEAD (0.0.0 when
# there is none) and the last commit's time in UTC. One scheme for opkg, apk
# and the SDK: apk's syntax has no '~' or hash here (a `_git` suffix sorts
# after its release and before the next one under both apk's and opkg's
# rules: scripts/test-versions.sh checks it with the real tools), and it
# never depends on the time of the build, so two builds agree.
wgowrt_version() {
	if [[ -n ${WGOWRT_VERSION:-} ]]; then
		printf '%s\n' "$WGOWRT_VERSION"
		return
	fi
	local tag
	if tag=$(git -C "$ROOT_DIR" describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null); then
		printf '%s\n' "${tag#v}"
		return
	fi
	tag=$(git -C "$ROOT_DIR" describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null) || tag=v0.0.0
	local when
	if when=$(TZ=UTC git -C "$ROOT_DIR" log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null) &&
		[[ -n $when ]]; then
		printf '%s_git%s\n' "${tag#v}" "$when"
		return
	fi
	printf '0.0.0\n'
}

# source_date_epoch prints $SOURCE_DATE_EPOCH, else the last commit's time.
source_date_epoch() {
	if [[ -n ${SOURCE_DATE_EPOCH:-} ]]; then
		printf '%s\n' "$SOURCE_DATE_EPOCH"
		return
	fi
	git -C "$ROOT_DIR" log -1 --format=%ct 2>/dev/null || printf '0\n'
}

# target_list prints every OpenWrt arch in targets.txt, one per line.
target_list() {
	awk '!/^#/ && NF { print $1 }' "$TARGETS_FILE"
}

# target_goenv ARCH prints the Go environment for an OpenWrt arch, one
# VAR=value a line (GOARCH first); it fails for an unknown arch.
target_goenv() {
	awk -v a="$1" '!/^#/ && $1 == a { found = 1; print "GOARCH=" $2; for (i = 3; i <= NF; i++) print $i }
		END { exit !found }' "$TARGETS_FILE" || {
		echo "unknown OpenWrt arch '$1' (see $TARGETS_FILE)" >&2
		return 1
	}
}

# go_build OUT VERSION [VAR=value ...] builds ./cmd/wgowrt for linux with the
# given Go environment into OUT: static (no cgo), stripped, no build id, no
# VCS stamp, paths trimmed, so the bytes depend only on source, Go version
# and settings. GO_GCFLAGS: no inlining anywhere (-l): 9 % fewer bytes and
# 16 % less gzipped (mipsle 2334576 -> 1965605 bytes gzip -9, Go 1.26.8) for
# a command that runs for milliseconds; the router's flash is what is short.
go_build() {
	local out=$1 version=$2
	shift 2
	(cd "$ROOT_DIR" && env CGO_ENABLED=0 GOOS=linux GOFLAGS= GOAMD64=v1 GOARM= GOMIPS= GO386= "$@" \
		go build -trimpath -buildvcs=false -tags "$GO_TAGS" -gcflags "$GO_GCFLAGS" \
		-ldflags "-s -w -buildid= -X $VERSION_VAR=$version" \
		-o "$out" ./cmd/wgowrt)
}

# qemu_user_for GOARCH prints the qemu-user binary that runs it ("" = native).
# 386 runs natively on the x86-64 host (32-bit compat): Debian 12's
# qemu-i386-static 7.2 crashes Go 386 binaries at start-up (SIGSEGV or
# "morestack on g0" in the runtime's thread set-up).
qemu_user_for() {
	case $1 in
	mips) echo qemu-mips-static ;;
	mipsle) echo qemu-mipsel-static ;;
	arm) echo qemu-arm-static ;;
	arm64) echo qemu-aarch64-static ;;
	386) echo "" ;;
	amd64) echo "" ;;
	*) return 1 ;;
	esac
}

# need_or_skip WHAT HOWTO: when a prerequisite is missing, skip with the
# command that installs it, or fail when WGOWRT_REQUIRE_PRIVILEGED=1 (CI).
# Returns 0 for "skip" so callers can write: have X || { need_or_skip ...; exit 0; }
need_or_skip() {
	if [[ ${WGOWRT_REQUIRE_PRIVILEGED:-} == 1 ]]; then
		echo "FAIL: $1 is missing (WGOWRT_REQUIRE_PRIVILEGED=1); install with: $2" >&2
		exit 1
	fi
	echo "SKIP: $1 is missing; to run this, first: $2" >&2
}

# snapshot_tree DIR copies the working tree (tracked and untracked, not
# ignored files) to DIR, so a long build sees one consistent source even
# while people edit the shared tree.
snapshot_tree() {
	mkdir -p "$1"
	(cd "$ROOT_DIR" && git ls-files -z -co --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$1"
}

# Test bookkeeping: t_pass/t_fail MSG count results; t_summary prints the
# closing line 'N passed, N failed' and returns non-zero on any failure.
T_PASSED=0
T_FAILED=0
t_pass() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok   $*"
}
t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL $*"
}
t_summary() {
	echo "${T_PASSED} passed, ${T_FAILED} failed"
	[[ $T_FAILED -eq 0 ]]
}

# Package metadata, read from package/Makefile so the SDK recipe and the
# packages scripts/mkipk.sh and scripts/mkapk.sh make cannot drift apart.
PKG_MAKEFILE=$ROOT_DIR/package/Makefile

# pkg_var NAME: the value of a 'NAME:=value' line of package/Makefile.
pkg_var() {
	local v
	v=$(sed -n "s/^[[:space:]]*$1:=//p" "$PKG_MAKEFILE" | head -n1)
	[[ -n $v ]] || { echo "package/Makefile has no $1:=" >&2 && return 1; }
	printf '%s\n' "$v"
}

# pkg_description NAME: Package/NAME/description, one line per source line,
# leading blanks removed.
pkg_description() {
	awk -v d="define Package/$1/description" '
		$0 == d { on = 1; next }
		on && /^endef/ { exit }
		on { sub(/^[ \t]+/, ""); print }' "$PKG_MAKEFILE"
}

# Files both package formats carry besides the payload (what OpenWrt's
# package-pack.mk adds): sysupgrade keeps /etc/config/wgowrt, which no
# package ships (LuCI's uci-defaults creates it; the CLI writes it), through
# /lib/upgrade/keep.d/wgowrt; the WireGuard keys live in /etc/config/network,
# a base-files conffile that sysupgrade keeps anyway.
WGOWRT_KEEP="/etc/config/wgowrt"

# stage_wgowrt DIR ARCH: the wgowrt package's files under DIR (root-relative,
# modes set; owner is set by the packers).
# WGOWRT_PKG_LAYOUT=wave1 stages the layout released before the service moved
# into the base package (/etc/init.d/wgowrt shipped by luci-app-wgowrt): the
# upgrade tests build their "old" packages that way, since that is the
# upgrade routers in the field make.
stage_wgowrt() {
	local d=$1 bin=$ROOT_DIR/dist/$2/wgowrt bindir
	bindir=$(pkg_var GO_PKG_INSTALL_BIN_PATH)
	[[ -x $bin ]] || { echo "missing $bin (run scripts/build.sh $2)" >&2 && return 1; }
	mkdir -p "$d$bindir" "$d/usr/libexec/rpcd" "$d/lib/upgrade/keep.d" "$d/etc/init.d"
	install -m 0755 "$bin" "$d$bindir/wgowrt"
	ln -s "$bindir/wgowrt" "$d/usr/libexec/rpcd/wgowrt"
	install -m 0755 "$ROOT_DIR/package/files/wgowrt-rollback.init" "$d/etc/init.d/wgowrt-rollback"
	[[ ${WGOWRT_PKG_LAYOUT:-} == wave1 ]] ||
		install -m 0755 "$ROOT_DIR/package/files/wgowrt.init" "$d/etc/init.d/wgowrt"
	printf '%s\n' $WGOWRT_KEEP >"$d/lib/upgrade/keep.d/wgowrt"
	chmod 0644 "$d/lib/upgrade/keep.d/wgowrt"
	find "$d" -type d -exec chmod 0755 {} +
}

# stage_luci DIR: luci-app-wgowrt's files as luci.mk lays them out
# (htdocs/ under /www, root/ under /).
stage_luci() {
	local d=$1 app=$ROOT_DIR/luci-app
	mkdir -p "$d/www"
	cp -R "$app/htdocs/." "$d/www/"
	cp -R "$app/root/." "$d/"
	find "$d" -type d -exec chmod 0755 {} +
	find "$d" -type f -exec chmod 0644 {} +
	chmod 0755 "$d/etc/uci-defaults/"*
	if [[ ${WGOWRT_PKG_LAYOUT:-} == wave1 ]]; then
		mkdir -p "$d/etc/init.d"
		install -m 0755 "$ROOT_DIR/package/files/wgowrt.init" "$d/etc/init.d/wgowrt"
	fi
}
