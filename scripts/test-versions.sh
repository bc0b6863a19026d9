#!/usr/bin/env bash
# Proves the version scheme of scripts/lib.sh (wgowrt_version + -r<release>)
# with the real package managers of the OpenWrt oracle: every version below
# is valid for apk (`apk version -c`), and the table is in ascending order
# under both apk's (`apk version -t`) and opkg's (`opkg compare-versions`)
# rules, for every pair. Tags give X.Y.Z-rN; untagged builds X.Y.Z_git<UTC
# commit time>-rN after the last tag X.Y.Z, which must sort after that
# release and before the next one. The old scheme (0.0.0~git<date>.<hash>,
# opkg only) must sort before the new one so opkg upgrades from it.
#
#   scripts/test-versions.sh      (needs $OWRT_ORACLE, default /opt/owrt-oracle)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

O=${OWRT_ORACLE:-/opt/owrt-oracle}
APK=$O/usr/bin/apk OPKG=$O/usr/bin/opkg
if [[ ! -x $APK || ! -x $OPKG ]]; then
	need_or_skip "the OpenWrt oracle's apk and opkg ($O)" "../shared/oracle/install.sh"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'dest root /\narch all 1\n' >"$tmp/opkg.conf"

# Ascending. Releases, untagged builds between them, release bumps.
table=(
	0.0.0_git20261122080000-r1
	0.0.0_git20261122153012-r1
	0.0.0_git20261123000000-r1
	0.0.1-r1
	0.0.1-r2
	0.0.1_git20261201000000-r1
	0.1.0-r1
	0.9.0-r1
	0.10.0-r1
	1.0.0-r1
	1.0.0_git20270101000000-r1
	1.0.1-r1
	1.10.0-r1
	2.0.0-r1
)

apk_cmp() { "$APK" version -t "$1" "$2"; }
opkg_lt() { "$OPKG" -f "$tmp/opkg.conf" compare-versions "$1" '<<' "$2" 2>/dev/null; }

for v in "${table[@]}"; do
	if "$APK" version -c "$v" >/dev/null; then t_pass "apk accepts $v"; else t_fail "apk rejects $v"; fi
done
n=${#table[@]}
bad_apk=0 bad_opkg=0
for ((i = 0; i < n; i++)); do
	for ((j = i + 1; j < n; j++)); do
		a=${table[i]} b=${table[j]}
		[[ $(apk_cmp "$a" "$b") == "<" ]] || { t_fail "apk: $a < $b" && bad_apk=1; }
		opkg_lt "$a" "$b" || { t_fail "opkg: $a << $b" && bad_opkg=1; }
	done
done
[[ $bad_apk == 1 ]] || t_pass "apk: all $((n * (n - 1) / 2)) pairs in order"
[[ $bad_opkg == 1 ]] || t_pass "opkg: all $((n * (n - 1) / 2)) pairs in order"

old=0.0.0~git20261122.ef06bba4-r1
if opkg_lt "$old" "${table[0]}"; then t_pass "opkg upgrades $old -> ${table[0]}"; else t_fail "opkg: $old << ${table[0]}"; fi

# What this checkout produces, with the package release appended.
release=$(sed -n 's/^PKG_RELEASE:=//p' "$ROOT_DIR/package/Makefile")
v=$(wgowrt_version)-r$release
if "$APK" version -c "$v" >/dev/null; then t_pass "apk accepts this build's $v"; else t_fail "apk rejects this build's $v"; fi
t_summary
