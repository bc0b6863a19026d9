#!/usr/bin/env bash
# The LuCI views in a real LuCI (issue 12 item 3): an OpenWrt container
# booted by the oracle's owrt-boot (procd as PID 1, rpcd, uhttpd + LuCI,
# netifd, fw4), wgowrt and luci-app-wgowrt installed from our .ipk files
# with its opkg, driven by headless Chromium from the container's LAN side
# (the "wire" namespace, 192.168.1.100 -> LuCI at 192.168.1.1).
#
#   test/luci/real/run.sh                      skips without root/oracle/chromium
#   WGOWRT_REQUIRE_PRIVILEGED=1 test/luci/real/run.sh   fails instead (CI)
#   WGOWRT_LUCI_NO_ROLLBACK=1                  leaves out the rollback case (~95 s)
#   WGOWRT_SCREENSHOTS=DIR                     keep the screenshots in DIR
#
# Finds owrt-boot via $OWRT_BOOT or ../shared/oracle/bin/owrt-boot beside
# the repository, the oracle via $OWRT_ORACLE (default /opt/owrt-oracle).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

export OWRT_ORACLE=${OWRT_ORACLE:-/opt/owrt-oracle}
export OWRT_BOOT=${OWRT_BOOT:-$root/../shared/oracle/bin/owrt-boot}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

skip() {
	if [[ -n ${WGOWRT_REQUIRE_PRIVILEGED:-} ]]; then
		echo "test/luci/real: cannot run: $*" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "SKIP: test/luci/real: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[[ $(id -u) == 0 ]] || skip "needs root (owrt-boot)"
[[ -x $OWRT_BOOT ]] || skip "no owrt-boot (set OWRT_BOOT; ../shared/oracle/bin/owrt-boot)"
[[ -d $OWRT_ORACLE/.boot-rootfs ]] || skip "no oracle boot rootfs in $OWRT_ORACLE (../shared/oracle/install.sh)"
[[ -x $CHROMIUM ]] || skip "no chromium (apt-get install -y chromium)"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node/npm (apt-get install -y nodejs npm)"
command -v zbarimg >/dev/null || skip "no zbarimg (apt-get install -y zbar-tools)"
command -v wg >/dev/null || skip "no wg (apt-get install -y wireguard-tools)"

start=$(date +%s)
(cd "$here/.." && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

work=$(mktemp -d "${TMPDIR:-/tmp}/wgowrt-luci-real-XXXXXX")
name=luci$$
export WGOWRT_LUCI_BOX=${name:0:16}
cleanup() {
	"$OWRT_BOOT" "$WGOWRT_LUCI_BOX" down >/dev/null 2>&1 || true
	# owrt-boot keeps the container's state (overlay, console log) after down
	local st
	st=$("$OWRT_BOOT" "$WGOWRT_LUCI_BOX" status 2>&1 || true)
	if [[ $st == *"not running"* ]]; then
		rm -rf "${OWRT_STATE:-/run/owrt-oracle}/.boot/$WGOWRT_LUCI_BOX"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# the packages, as a router gets them
"$root/scripts/mkipk.sh" -o "$work/feed" x86_64 >/dev/null
"$root/scripts/mkipk.sh" -o "$work/feed" --luci >/dev/null
built=$(date +%s)

"$OWRT_BOOT" "$WGOWRT_LUCI_BOX" up >/dev/null
for f in "$work"/feed/x86_64/wgowrt_*.ipk "$work"/feed/all/luci-app-wgowrt_*.ipk; do
	"$OWRT_BOOT" "$WGOWRT_LUCI_BOX" exec sh -c "cat > /tmp/${f##*/}" <"$f"
done
"$OWRT_BOOT" "$WGOWRT_LUCI_BOX" exec sh -c 'opkg install /tmp/wgowrt_*.ipk /tmp/luci-app-wgowrt_*.ipk' >"$work/opkg.log" 2>&1 ||
	{ cat "$work/opkg.log" >&2; exit 1; }
booted=$(date +%s)

export WGOWRT_SCREENSHOTS=${WGOWRT_SCREENSHOTS:-$(mktemp -d "${TMPDIR:-/tmp}/wgowrt-luci-real-shots-XXXXXX")}
# In the wire namespace (the LAN side): wait until LuCI answers a logged-in
# page, then the browser tests. (real.test.js logs in on our own page: LuCI's
# Status -> Overview calls luci-rpc getHostHints, which blocks rpcd for 60 s
# in the oracle container, and every session check with it.)
set +e
"$OWRT_BOOT" "$WGOWRT_LUCI_BOX" wire sh -c 'ip addr add 192.168.1.100/24 dev eth0 && ip link set lo up &&
	c=$(mktemp); t0=$(date +%s); ok=0
	while [ $(( $(date +%s) - t0 )) -lt 120 ]; do
		curl -s -m 5 -c "$c" -b "$c" -o /dev/null -d "luci_username=root&luci_password=owrt-harness" http://192.168.1.1/cgi-bin/luci/ &&
		[ "$(curl -s -m 5 -b "$c" -o /dev/null -w %{http_code} http://192.168.1.1/cgi-bin/luci/admin/vpn/wgowrt/overview)" = 200 ] &&
		{ ok=1; break; }
		sleep 1
	done
	rm -f "$c"
	[ $ok = 1 ] || echo "LuCI did not answer a logged-in page within 120 s" >&2
	echo "LuCI ready after $(( $(date +%s) - t0 )) s"
	cd "$1" && node --test --test-concurrency=1 --test-reporter=spec real.test.js' sh "$here" 2>&1 | tee "$work/out"
rc=${PIPESTATUS[0]}
set -e

if ((rc != 0)); then
	echo "--- logread (last 60 lines)"
	"$OWRT_BOOT" "$WGOWRT_LUCI_BOX" exec logread 2>/dev/null | tail -n 60
fi
pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$work/out" || true)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$work/out" || true)
if [[ -z $pass || -z $fail ]]; then
	pass=${pass:-0} fail=$((${fail:-0} + 1))
fi
((rc == 0 || fail > 0)) || fail=1
end=$(date +%s)
echo "cost: build $((built - start)) s, boot+install $((booted - built)) s, browser $((end - booted)) s, total $((end - start)) s"
echo "screenshots: $WGOWRT_SCREENSHOTS"
echo "$pass passed, $fail failed"
exit $rc
