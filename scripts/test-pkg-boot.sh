#!/usr/bin/env bash
# Proves the x86_64 packages on a booted OpenWrt (the oracle's owrt-boot
# container: procd as PID 1, base-files' init scripts, rpcd, uhttpd + LuCI),
# as a user would install them on a router:
#   - opkg: our feed in /etc/opkg/customfeeds.conf, `opkg update`,
#     `opkg install luci-app-wgowrt` (its dependencies are the image's);
#     default_postinst enables and starts our service (/etc/rc.d/S99wgowrt,
#     procd lists "wgowrt" with its network reload trigger); the ubus object
#     wgowrt (rpcd) answers status, peers and doctor; LuCI's menu for a
#     logged-in root has VPN > WireGuard (wgowrt) and its Overview page
#     loads the view; `opkg remove` stops and disables the service, removes the
#     files, and the menu entry is gone;
#   - opkg upgrade from the layout released before the service moved into
#     wgowrt (luci-app-wgowrt shipped /etc/init.d/wgowrt): the upgrade goes
#     through, wgowrt owns the init script, the service is enabled and runs;
#   - apk: the same with the real apk from our signed repository (stub
#     dependencies from a signed stub repository): post-install enables and
#     starts the service, `apk del` stops and removes it.
#
#   scripts/test-pkg-boot.sh [FEED [APK_REPO]]   (defaults: dist/feed, dist/apk;
#                                                 root and the oracle needed)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

O=${OWRT_ORACLE:-/opt/owrt-oracle}
BOOT=${OWRT_BOOT:-$ROOT_DIR/../shared/oracle/bin/owrt-boot}
NS=${OWRT_NS:-$ROOT_DIR/../shared/oracle/bin/owrt-ns}
if [[ ! -x $BOOT || ! -x $NS ]] || ! "$NS" preflight >/dev/null 2>&1 || [[ ! -d $O/.boot-rootfs ]]; then
	need_or_skip "the OpenWrt oracle's boot tier (owrt-boot; root)" "../shared/oracle/install.sh, run as root"
	exit 0
fi
feed=${1:-$ROOT_DIR/dist/feed} repo=${2:-$ROOT_DIR/dist/apk}
for f in "$feed/x86_64/Packages" "$feed/all/Packages" "$repo/x86_64/packages.adb"; do
	[[ -f $f ]] || { echo "missing $f (scripts/mkipk.sh, scripts/mkipk.sh --luci, scripts/mkapk.sh)" >&2 && exit 1; }
done

tmp=$(mktemp -d)
name=pkg$$
old_base=0.0.0_git20000101000000
WGOWRT_PKG_LAYOUT=wave1 WGOWRT_VERSION=$old_base "$ROOT_DIR/scripts/mkipk.sh" --no-build -o "$tmp/in/old" x86_64 >/dev/null
WGOWRT_PKG_LAYOUT=wave1 WGOWRT_VERSION=$old_base "$ROOT_DIR/scripts/mkipk.sh" -o "$tmp/in/old" --luci >/dev/null
# down, then the state owrt-boot keeps of the container by design (once
# nothing is mounted there), and our files.
state=${OWRT_STATE:-/run/owrt-oracle}/.boot/$name
trap '"$BOOT" "$name" down >/dev/null 2>&1 || true
grep -q " ${state}[/ ]" /proc/mounts || rm -rf "$state"
rm -rf "$tmp"' EXIT
check() { if [[ $2 == "$3" ]]; then t_pass "$1"; else t_fail "$1: got '$2', want '$3'"; fi; }
has() { if grep -q -- "$2" <<<"$3"; then t_pass "$1"; else t_fail "$1: no '$2' in: $(head -c 600 <<<"$3")"; fi; }
hasnt() { if grep -q -- "$2" <<<"$3"; then t_fail "$1: '$2' still in: $(head -c 600 <<<"$3")"; else t_pass "$1"; fi; }
# ran WHAT CMD...: passes when CMD succeeds, else fails with its output.
ran() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then t_pass "$what"; else t_fail "$what: $out"; fi
}
inside() { "$BOOT" "$name" exec "$@"; }

# A signed copy of the apk repository and a stub repository (the image has
# no apk database): a throwaway key.
key=$tmp/key/apk-key.pem
"$ROOT_DIR/scripts/apk-key.sh" "$key" >/dev/null
mkapk() { (cd "$ROOT_DIR" && go run ./scripts/mkapk "$@"); }
mkdir -p "$tmp/apk" "$tmp/apkstub" "$tmp/empty"
cp "$repo/x86_64"/*.apk "$tmp/apk/"
mkapk index -o "$tmp/apk/packages.adb" --sign "$key" "$tmp/apk"/*.apk
for dep in kmod-wireguard wireguard-tools luci-base; do
	mkapk pkg -o "$tmp/apkstub/$dep-1.0-r1.apk" --name "$dep" --version 1.0-r1 --arch noarch --files "$tmp/empty"
done
mkapk index -o "$tmp/apkstub/packages.adb" --sign "$key" "$tmp/apkstub"/*.apk

"$BOOT" "$name" up >/dev/null
# Copy the feeds in (stdin through exec), as scp would.
mkdir -p "$tmp/in/feed" && cp -R "$feed/x86_64" "$feed/all" "$tmp/in/feed/"
cp -R "$tmp/apk" "$tmp/apkstub" "$tmp/in/" && cp "${key%.pem}.pub.pem" "$tmp/in/wgowrt.pem"
tar -C "$tmp/in" -cf - . | inside sh -c 'mkdir -p /tmp/in && tar -xf - -C /tmp/in'

# luci_menu: the LuCI menu JSON for a logged-in root (the harness password).
luci_menu() {
	inside sh -c 'rm -f /tmp/cj; curl -s -c /tmp/cj -o /dev/null -d "luci_username=root&luci_password=owrt-harness" http://127.0.0.1/cgi-bin/luci/ &&
		curl -s -b /tmp/cj http://127.0.0.1/cgi-bin/luci/admin/menu'
}
service() { inside ubus call service list '{"name":"wgowrt","verbose":true}' 2>&1 || true; }

# --- opkg
inside sh -c 'printf "src/gz wgowrt file:///tmp/in/feed/x86_64\nsrc/gz wgowrt_luci file:///tmp/in/feed/all\n" >>/etc/opkg/customfeeds.conf'
ran "opkg update" inside opkg update
ran "opkg install luci-app-wgowrt" inside opkg install luci-app-wgowrt
check "opkg: wgowrt installed" "$(inside opkg list-installed wgowrt 2>/dev/null | awk '{ print $1 }')" wgowrt
check "opkg: service enabled" "$(inside readlink /etc/rc.d/S99wgowrt)" ../init.d/wgowrt
s=$(service)
has "opkg: procd runs the service with its reload trigger" '"network"' "$s"
check "opkg: wgowrt runs" "$(inside wgowrt --version 2>&1 | cut -d' ' -f1)" wgowrt
check "opkg: /etc/config/wgowrt created by uci-defaults" "$(inside sh -c 'test -f /etc/config/wgowrt && echo yes')" yes
m=$(luci_menu)
has "opkg: LuCI menu has the app" '"wgowrt"' "$m"
page=$(inside sh -c 'curl -s -b /tmp/cj http://127.0.0.1/cgi-bin/luci/admin/vpn/wgowrt/overview')
has "opkg: LuCI overview page loads our view" 'wgowrt/overview' "$page"
# The ubus object (rpcd runs wgowrt as its exec plugin): other software on
# the router reads the tunnels with `ubus call wgowrt status|peers|doctor`.
ran "opkg: wgowrt server init" inside wgowrt server init --endpoint vpn.example.org
u=$(inside ubus -v list wgowrt 2>&1 || true)
for m in status peers doctor; do has "ubus: object wgowrt has $m" "\"$m\"" "$u"; done
has "ubus: call wgowrt status lists wg0" '"wg0"' "$(inside ubus call wgowrt status 2>&1 || true)"
ran "opkg: wgowrt server remove" inside wgowrt server remove --iface wg0
ran "opkg remove" inside opkg remove luci-app-wgowrt wgowrt
hasnt "opkg: service stopped" '"wgowrt"' "$(service)"
check "opkg: service disabled" "$(inside sh -c 'ls /etc/rc.d/ | grep -c wgowrt')" 0
check "opkg: files removed" "$(inside sh -c 'ls /usr/sbin/wgowrt /usr/libexec/rpcd/wgowrt /etc/init.d/wgowrt 2>/dev/null | wc -l')" 0
hasnt "opkg: LuCI menu entry gone" '"wgowrt"' "$(luci_menu)"

# --- opkg upgrade from the older layout (the service in luci-app-wgowrt)
inside sh -c 'cp /etc/opkg/customfeeds.conf /tmp/feeds.new && sed -i "s|/tmp/in/feed/|/tmp/in/old/|" /etc/opkg/customfeeds.conf'
ran "opkg update (old feed)" inside opkg update
ran "opkg install luci-app-wgowrt (old layout)" inside opkg install luci-app-wgowrt
check "old layout: luci-app-wgowrt owns the service" "$(inside opkg search /etc/init.d/wgowrt 2>/dev/null | awk '{ print $1 }')" luci-app-wgowrt
has "old layout: service runs" '"wgowrt"' "$(service)"
inside cp /tmp/feeds.new /etc/opkg/customfeeds.conf
ran "opkg update (new feed)" inside opkg update
ran "opkg upgrade wgowrt luci-app-wgowrt" inside opkg upgrade wgowrt luci-app-wgowrt
check "upgraded: wgowrt is the new version" "$(inside opkg list-installed wgowrt 2>/dev/null | awk '{ print $3 }')" \
	"$(sed -n 's/^Version: //p' "$feed/x86_64/Packages" | head -n1)"
check "upgraded: wgowrt owns the service" "$(inside opkg search /etc/init.d/wgowrt 2>/dev/null | awk '{ print $1 }')" wgowrt
check "upgraded: service enabled" "$(inside readlink /etc/rc.d/S99wgowrt)" ../init.d/wgowrt
has "upgraded: procd runs the service" '"network"' "$(service)"
ran "opkg remove (after the upgrade)" inside opkg remove luci-app-wgowrt wgowrt
check "upgraded then removed: files gone" "$(inside sh -c 'ls /usr/sbin/wgowrt /etc/init.d/wgowrt /etc/rc.d/S99wgowrt 2>/dev/null | wc -l')" 0

# --- apk (chrooted to / like on a router: scripts run as they are)
inside sh -c 'mkdir -p /etc/apk/keys && cp /tmp/in/wgowrt.pem /etc/apk/keys/wgowrt.pem'
ran "apk add luci-app-wgowrt" inside apk --initdb --no-network --repository /tmp/in/apk/packages.adb \
	--repository /tmp/in/apkstub/packages.adb add luci-app-wgowrt
check "apk: service enabled" "$(inside readlink /etc/rc.d/S99wgowrt)" ../init.d/wgowrt
has "apk: procd runs the service" '"network"' "$(service)"
has "apk: LuCI menu has the app" '"wgowrt"' "$(luci_menu)"
ran "apk del" inside apk --no-network del luci-app-wgowrt wgowrt
hasnt "apk: service stopped" '"wgowrt"' "$(service)"
check "apk: files removed" "$(inside sh -c 'ls /usr/sbin/wgowrt /usr/libexec/rpcd/wgowrt /etc/init.d/wgowrt /etc/rc.d/S99wgowrt 2>/dev/null | wc -l')" 0
t_summary
