#!/usr/bin/env bash
# Proves the apk v3 packages and repositories of scripts/mkapk.sh with the
# REAL apk-tools v3 of the OpenWrt oracle (../shared/oracle), for every arch:
#   - `apk verify` accepts each signed packages.adb with our public key only,
#     `apk adbdump` shows the fields we meant (name, version, arch, depends,
#     scripts, the file list, /lib/apk/packages/<pkg>.list);
#   - into an offline OpenWrt-like root (base-files' functions.sh and
#     rc.common from the oracle): `apk add luci-app-wgowrt` from our signed
#     repository, dependencies (kmod-wireguard, wireguard-tools, luci-base)
#     from a stub repository this test builds with the same writer; the
#     post-install scripts run (default_postinst enables the init script:
#     /etc/rc.d/S99wgowrt), the binary is the one built, `apk info -L` lists
#     the files;
#   - `apk upgrade` from the previous version keeps /etc/config/wgowrt and
#     the keys in /etc/config/network byte for byte, and the service enabled;
#   - `apk del` removes every file of ours and the rc.d link, and leaves the
#     user's config;
#   - the README's single-file install: `apk add --allow-untrusted ./wgowrt-*.apk`;
#   - the repositories are byte-identical when made twice.
#
#   scripts/test-apk.sh [REPO_DIR]   (default: build into a temp dir)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

O=${OWRT_ORACLE:-/opt/owrt-oracle}
APK=$O/usr/bin/apk
if [[ ! -x $APK || ! -f $O/lib/functions.sh ]]; then
	need_or_skip "the OpenWrt oracle's apk ($APK)" "../shared/oracle/install.sh"
	exit 0
fi
command -v openssl >/dev/null || { need_or_skip openssl "apt-get install -y openssl" && exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
WGOWRT_VERSION=$(wgowrt_version)
SOURCE_DATE_EPOCH=$(source_date_epoch)
export SOURCE_DATE_EPOCH
release=$(pkg_var PKG_RELEASE)
new=$WGOWRT_VERSION-r$release
old_base=0.0.0_git20000101000000
old=$old_base-r$release
if [[ -n ${WGOWRT_TEST_ARCHES:-} ]]; then read -r -a arches <<<"$WGOWRT_TEST_ARCHES"; else mapfile -t arches < <(target_list); fi

key=$tmp/key/apk-key.pem
"$ROOT_DIR/scripts/apk-key.sh" "$key" >/dev/null
repo=${1:-}
if [[ -z $repo ]]; then
	repo=$tmp/repo
	WGOWRT_VERSION=$WGOWRT_VERSION "$ROOT_DIR/scripts/mkapk.sh" -o "$repo" --key "$key" "${arches[@]}" >/dev/null
else # re-sign the given repository's packages with this test's key
	repo=$(cd "$repo" && pwd)
	f=$(cd "$repo/${arches[0]}" && echo wgowrt-*.apk)
	new=${f#wgowrt-} new=${new%.apk}
	for arch in "${arches[@]}"; do
		go run "$ROOT_DIR/scripts/mkapk" index -o "$repo/$arch/packages.adb" --sign "$key" \
			--description "wgowrt $new $arch" "$repo/$arch"/*.apk
	done
fi
WGOWRT_PKG_LAYOUT=wave1 WGOWRT_VERSION=$old_base "$ROOT_DIR/scripts/mkapk.sh" --no-build -o "$tmp/old" --key "$key" "${arches[@]}" >/dev/null

check() { if [[ $2 == "$3" ]]; then t_pass "$1"; else t_fail "$1: got '$2', want '$3'"; fi; }
mkapk() { (cd "$ROOT_DIR" && go run ./scripts/mkapk "$@"); }

# The stub repository: empty noarch packages for the dependencies.
mkdir -p "$tmp/stub" "$tmp/empty"
for dep in kmod-wireguard wireguard-tools luci-base; do
	mkapk pkg -o "$tmp/stub/$dep-1.0-r1.apk" --name "$dep" --version 1.0-r1 --arch noarch --files "$tmp/empty"
done
mkapk index -o "$tmp/stub/packages.adb" --sign "$key" "$tmp/stub"/*.apk

# An offline OpenWrt-like root: what default_postinst/prerm need, our key.
mkroot() {
	local r=$1
	mkdir -p "$r/lib" "$r/etc/rc.d" "$r/etc/init.d" "$r/etc/config" "$r/etc/apk/keys" "$r/usr/share"
	cp "$O/lib/functions.sh" "$r/lib/"
	cp -R "$O/lib/functions" "$r/lib/"
	cp "$O/etc/rc.common" "$r/etc/"
	[[ ! -d $O/usr/share/libubox ]] || cp -R "$O/usr/share/libubox" "$r/usr/share/"
	cp "${key%.pem}.pub.pem" "$r/etc/apk/keys/test-key.pem"
}
# apkr ROOT ARCH ARGS...: the real apk on that root, offline, scripts run on
# the host with IPKG_INSTROOT pointing at the root (as OpenWrt's image build).
apkr() {
	local r=$1 arch=$2
	shift 2
	IPKG_INSTROOT=$r "$APK" --root "$r" --arch "$arch" --no-network --force-no-chroot --no-cache \
		--no-logfile "$@"
}

# runscripts ROOT KIND: apk runs package scripts with a cleared environment
# (only APK_SCRIPT, APK_PACKAGE, PATH), so offline, without a chroot, they
# cannot find the root's functions.sh and exit 0; run the KIND scripts apk
# stored in ROOT/lib/apk/db/scripts.tar.gz with IPKG_INSTROOT=ROOT instead,
# as an offline image build does. (On a router apk chroots to / and they run
# as they are: test/owrt-boot/pkg.sh checks that.)
runscripts() {
	local s=$tmp/scripts
	rm -rf "$s" && mkdir -p "$s"
	tar -xzf "$1/lib/apk/db/scripts.tar.gz" -C "$s"
	for f in "$s"/*."$2"; do
		[[ -f $f ]] || continue
		IPKG_INSTROOT=$1 sh "$f" >/dev/null 2>&1 || return 1
	done
}

# ndx_fields INDEX: what apk adbdump shows of an index but the signature
# and the description.
ndx_fields() { "$APK" adbdump "$1" 2>/dev/null | grep -v '^#\|^description:'; }

dump_field() { "$APK" adbdump --allow-untrusted "$1" | sed -n "s/^  $2: //p" | head -n1; }

for arch in "${arches[@]}"; do
	d=$repo/$arch
	pkg=$d/wgowrt-$new.apk luci=$d/luci-app-wgowrt-$new.apk
	check "$arch: repository files" "$(cd "$d" && echo *)" "luci-app-wgowrt-$new.apk packages.adb wgowrt-$new.apk"

	# Signed index: our key verifies it, no key does not.
	if "$APK" --keys-dir "$(dirname "$key")" verify "$d/packages.adb" >/dev/null 2>&1; then
		t_pass "$arch: apk verify packages.adb with our key"
	else t_fail "$arch: apk verify packages.adb with our key"; fi
	if "$APK" --keys-dir "$tmp/empty" verify "$d/packages.adb" >/dev/null 2>&1; then
		t_fail "$arch: packages.adb verifies without the key"
	else t_pass "$arch: packages.adb untrusted without the key"; fi

	check "$arch: name" "$(dump_field "$pkg" name)" wgowrt
	check "$arch: version" "$(dump_field "$pkg" version)" "$new"
	check "$arch: arch" "$(dump_field "$pkg" arch)" "$arch"
	check "$arch: depends" "$("$APK" adbdump --allow-untrusted "$pkg" | sed -n '/^  depends:/,/^  [a-z]/s/^    - //p' | tr '\n' ' ')" "kmod-wireguard wireguard-tools "
	check "$arch: luci depends" "$("$APK" adbdump --allow-untrusted "$luci" | sed -n '/^  depends:/,/^  [a-z]/s/^    - //p' | tr '\n' ' ')" "luci-base wgowrt "
	check "$arch: luci arch" "$(dump_field "$luci" arch)" noarch
	check "$arch: scripts" "$("$APK" adbdump --allow-untrusted "$pkg" | sed -n '/^scripts:/,$s/^  \([a-z-]*\): |$/\1/p' | tr '\n' ' ')" "post-install pre-deinstall post-upgrade "
	"$APK" mkndx --allow-untrusted --output "$tmp/mkndx.adb" "$d"/*.apk >/dev/null 2>&1 ||
		t_fail "$arch: apk mkndx failed on our packages"
	check "$arch: our packages.adb = apk mkndx's (fields)" "$(ndx_fields "$d/packages.adb")" "$(ndx_fields "$tmp/mkndx.adb")"
	check "$arch: index lists both packages" "$("$APK" adbdump "$d/packages.adb" | sed -n 's/^  - name: //p' | tr '\n' ' ')" "luci-app-wgowrt wgowrt "

	# Install into an offline root from the OLD repository first.
	r=$tmp/root-$arch
	mkroot "$r"
	out=$(apkr "$r" "$arch" --initdb --repository "$tmp/old/$arch/packages.adb" \
		--repository "$tmp/stub/packages.adb" add luci-app-wgowrt 2>&1) ||
		{ t_fail "$arch: apk add luci-app-wgowrt ($old): $out" && continue; }
	check "$arch: installed version $old" "$(apkr "$r" "$arch" info -e wgowrt 2>&1 | head -n1)" wgowrt
	runscripts "$r" post-install || t_fail "$arch: post-install scripts failed"
	check "$arch: post-install ran (service enabled)" "$(readlink "$r/etc/rc.d/S99wgowrt")" ../init.d/wgowrt
	check "$arch: binary installed" "$(cmp -s "$r/usr/sbin/wgowrt" "$ROOT_DIR/dist/$arch/wgowrt" && echo same)" same
	check "$arch: rpcd plugin link" "$(readlink "$r/usr/libexec/rpcd/wgowrt")" /usr/sbin/wgowrt
	check "$arch: sysupgrade keeps /etc/config/wgowrt" "$(cat "$r/lib/upgrade/keep.d/wgowrt")" /etc/config/wgowrt
	check "$arch: apk info -L" "$(apkr "$r" "$arch" info -L wgowrt 2>/dev/null | grep -c '^usr/sbin/wgowrt$')" 1

	# The user's state, then the upgrade.
	printf "\nconfig wgowrt 'main'\n\toption note 'mine'\n" >"$r/etc/config/wgowrt"
	printf "\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key 'QxI7tFN2W1ubWXYRyo2vk/9eHE6hDsXTUsNPoHHNSE8='\n" >"$r/etc/config/network"
	sha_before=$(cd "$r/etc/config" && sha256sum wgowrt network)
	out=$(apkr "$r" "$arch" --repository "$d/packages.adb" --repository "$tmp/stub/packages.adb" upgrade 2>&1) ||
		{ t_fail "$arch: apk upgrade: $out" && continue; }
	check "$arch: upgraded to $new" "$(apkr "$r" "$arch" list --installed wgowrt 2>/dev/null | awk '{ print $1 }')" "wgowrt-$new"
	check "$arch: config and keys kept by the upgrade" "$(cd "$r/etc/config" && sha256sum wgowrt network)" "$sha_before"
	runscripts "$r" post-upgrade || t_fail "$arch: post-upgrade scripts failed"
	check "$arch: service still enabled after the upgrade" "$(readlink "$r/etc/rc.d/S99wgowrt")" ../init.d/wgowrt
	check "$arch: .list (the service moved into wgowrt)" "$(tr '\n' ' ' <"$r/lib/apk/packages/wgowrt.list")" \
		"/etc/init.d/wgowrt /etc/init.d/wgowrt-rollback /lib/apk/packages/wgowrt.list /lib/upgrade/keep.d/wgowrt /usr/libexec/rpcd/wgowrt /usr/sbin/wgowrt "
	check "$arch: luci-app no longer owns the service" "$(grep -c init.d "$r/lib/apk/packages/luci-app-wgowrt.list")" 0

	# Remove: nothing of ours left, the user's config stays.
	runscripts "$r" pre-deinstall || t_fail "$arch: pre-deinstall scripts failed"
	out=$(apkr "$r" "$arch" del luci-app-wgowrt wgowrt 2>&1) || { t_fail "$arch: apk del: $out" && continue; }
	check "$arch: removed cleanly" "$(cd "$r" && find . \( -path ./lib/apk/db -prune \) -o -name '*wgowrt*' -print | sort | tr '\n' ' ')" \
		"./etc/config/wgowrt "
	check "$arch: config kept after removal" "$(cd "$r/etc/config" && sha256sum wgowrt network)" "$sha_before"

	# README: one file, untrusted.
	r1=$tmp/one-$arch
	mkroot "$r1"
	if out=$(apkr "$r1" "$arch" --initdb --repository "$tmp/stub/packages.adb" add --allow-untrusted "$pkg" 2>&1); then
		t_pass "$arch: apk add --allow-untrusted ./wgowrt-$new.apk"
	else t_fail "$arch: apk add --allow-untrusted ./wgowrt-$new.apk: $out"; fi
	rm -rf "$r" "$r1"
done

# Reproducible: the same binaries, key and epoch give the same bytes.
WGOWRT_VERSION=$WGOWRT_VERSION "$ROOT_DIR/scripts/mkapk.sh" --no-build -o "$tmp/again" --key "$key" "${arches[0]}" >/dev/null
WGOWRT_VERSION=$WGOWRT_VERSION "$ROOT_DIR/scripts/mkapk.sh" --no-build -o "$tmp/again2" --key "$key" "${arches[0]}" >/dev/null
check "mkapk twice: identical repositories" "$(diff -r "$tmp/again" "$tmp/again2" >/dev/null && echo same)" same
t_summary
