package confirm

import (
	"encoding/json"
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

type finding struct {
	Check, Iface, Peer, Problem, Evidence, Fix string
}

// router is one OpenWrt namespace with real netifd, fw4 and rpcd, and
// wgowrt installed.
type router struct {
	t    *testing.T
	tool string
	name string
	ns   func(args ...string) string
}

func newRouter(t *testing.T) *router {
	r := &router{t: t, tool: testenv.OracleTool(t, "owrt-ns"), name: fmt.Sprintf("cfd%d", os.Getpid())}
	r.ns = testenv.Runner(t, r.tool)
	t.Cleanup(func() { testenv.NSDown(r.tool, r.name) })
	r.ns("up", r.name)
	bootForwarding(r.ns, r.name)
	r.ns("cp", r.name, bin, "/usr/sbin/")
	r.ns("start", r.name, "rpcd", "firewall", "netifd")
	r.ns("wait", r.name, "lan", "wan")
	return r
}

func (r *router) sh(cmd string) string { r.t.Helper(); return r.ns("exec", r.name, "sh", "-c", cmd) }

// doctor runs `wgowrt doctor --json` in the router.
func (r *router) doctor() []finding {
	r.t.Helper()
	out, err := exec.Command(r.tool, "exec", r.name, "wgowrt", "doctor", "--json").Output()
	var doc struct {
		Version  int
		Live     bool
		Findings []finding
	}
	if jerr := json.Unmarshal(out, &doc); jerr != nil || doc.Version != 1 || !doc.Live {
		r.t.Fatalf("doctor --json: %v %v\n%s", err, jerr, out)
	}
	if (err != nil) != (len(doc.Findings) > 0) {
		r.t.Errorf("doctor's exit status (%v) does not match its %d findings", err, len(doc.Findings))
	}
	return doc.Findings
}

func checks(fs []finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Check)
	}
	return strings.Join(s, ",")
}

// TestDoctorLab: on healthy routers (no WireGuard; a server with a
// roadwarrior that has not connected yet) doctor reports nothing; each
// broken topology, made real on netifd and fw4, is named by the right
// check; where the fix is a command that needs no choice of the user, running it
// brings the router back to no finding. Cost: about 25 s.
func TestDoctorLab(t *testing.T) {
	r := newRouter(t)
	if fs := r.doctor(); len(fs) > 0 {
		t.Fatalf("a stock router has findings: %+v", fs)
	}
	r.sh("wgowrt server init --endpoint 192.0.2.2 --lan-access masquerade >/dev/null 2>&1")
	r.sh("wgowrt peer add phone >/dev/null 2>&1")
	r.ns("wait", r.name, "wg0")
	settle()
	if fs := r.doctor(); len(fs) > 0 {
		t.Fatalf("a healthy server has findings: %+v", fs)
	}
	cases := []struct {
		name, breakIt, want string
		// fixable: the finding's fix is run and must clear it.
		fixable bool
		undo    string
	}{
		{"port closed on wan", "uci set firewall.wgowrt_wg0_port.enabled=0 && uci commit firewall && fw4 reload", "port-closed", true, ""},
		{"forwarding to the LAN removed", "uci delete firewall.wgowrt_wg0_lan && uci commit firewall && fw4 reload", "forwarding-missing", true, ""},
		{"masquerade removed", "uci delete firewall.wgowrt_wg0_masq && uci commit firewall && fw4 reload", "masquerade-missing", true, ""},
		{"AllowedIPs overlap the LAN", "uci add_list network.wgowrt_wg0_phone.allowed_ips=192.168.1.0/25 && uci commit network && wgowrt sync", "allowedips-overlap-lan", true, ""},
		{"two peers claim one address", "wgowrt peer add laptop >/dev/null 2>&1 && uci add_list network.wgowrt_wg0_laptop.allowed_ips=10.8.0.2/32 && uci commit network && wgowrt sync",
			"allowedips-overlap-peer", true, "wgowrt peer remove laptop"},
		{"site whose endpoint does not answer", "wgowrt site add office --public-key " + officeKey + " --remote-subnet 10.20.0.0/24 --endpoint 192.0.2.77:51820 --keepalive 5 >/dev/null 2>&1 && sleep 6",
			"no-handshake", false, "wgowrt site remove office"},
		{"site endpoint name that does not resolve", "wgowrt site add office --public-key " + officeKey + " --remote-subnet 10.20.0.0/24 --endpoint nowhere.invalid:51820 >/dev/null 2>&1; ifup wg0; sleep 3",
			"endpoint-unresolvable", false, "wgowrt site remove office; ifup wg0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r.t = t
			r.sh(c.breakIt)
			settle()
			fs := r.doctor()
			if len(fs) == 0 || fs[0].Check != c.want {
				t.Fatalf("got [%s], want %s first: %+v", checks(fs), c.want, fs)
			}
			t.Logf("%s: %s | evidence: %s | fix: %s", fs[0].Check, fs[0].Problem, fs[0].Evidence, fs[0].Fix)
			if c.fixable {
				r.sh(fs[0].Fix)
			}
			if c.undo != "" {
				r.sh(c.undo + " >/dev/null 2>&1")
				r.ns("wait", r.name, "wg0")
			}
			settle()
			if fs := r.doctor(); len(fs) > 0 {
				t.Fatalf("after the fix: [%s] %+v", checks(fs), fs)
			}
		})
	}
}

// bootForwarding turns forwarding on as base-files'
// /etc/sysctl.d/10-default.conf does at boot (owrt-ns applies no sysctl):
// doctor names IPv6 forwarding off on a server with IPv6.
func bootForwarding(ns func(args ...string) string, name string) {
	ns("exec", name, "sh", "-c", "for k in ipv4/ip_forward ipv6/conf/default/forwarding ipv6/conf/all/forwarding; do echo 1 > /proc/sys/net/$k; done")
}

// settle waits for the oracle's procd stand-in, which reloads fw4 1 s
// after a config.change.
func settle() { time.Sleep(1500 * time.Millisecond) }

// officeKey is a public key of nobody's.
const officeKey = "a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw="

// TestDoctorHealthySiteLink: two routers, wan to wan, linked site to
// site with live sessions (keepalive): doctor on both reports nothing,
// the handshake, port and MTU probes included (full-size don't-fragment
// pings to the other side's tunnel address get through). Cost: about
// 15 s.
func TestDoctorHealthySiteLink(t *testing.T) {
	nsTool := testenv.OracleTool(t, "owrt-ns")
	ns := testenv.Runner(t, nsTool)
	a, b := fmt.Sprintf("cfsa%d", os.Getpid()), fmt.Sprintf("cfsb%d", os.Getpid())
	t.Cleanup(func() { testenv.NSDown(nsTool, a); testenv.NSDown(nsTool, b) })
	cfgB := t.TempDir()
	os.WriteFile(cfgB+"/network", []byte(siteBNetwork), 0644)
	ns("up", a)
	ns("up", b, "--config", cfgB)
	ns("link", a, "eth1", b, "eth1")
	for _, r := range []string{a, b} {
		bootForwarding(ns, r)
		ns("cp", r, bin, "/usr/sbin/")
		ns("start", r, "rpcd", "firewall", "netifd")
		ns("wait", r, "lan", "wan")
	}
	sh := func(r, cmd string) string { t.Helper(); return ns("exec", r, "sh", "-c", cmd) }
	sh(a, "wgowrt server init --endpoint 192.0.2.2 --subnet 10.8.0.0/24 >/dev/null 2>&1")
	sh(b, "wgowrt server init --endpoint 192.0.2.3 --subnet 10.9.0.0/24 >/dev/null 2>&1")
	ns("wait", a, "wg0")
	ns("wait", b, "wg0")
	keyA := strings.TrimSpace(sh(a, "wg show wg0 public-key"))
	keyB := strings.TrimSpace(sh(b, "wg show wg0 public-key"))
	sh(a, "wgowrt site add b --public-key "+keyB+" --remote-subnet 192.168.2.0/24 --endpoint 192.0.2.3:51820 2>&1")
	sh(b, "wgowrt site add a --public-key "+keyA+" --remote-subnet 192.168.1.0/24 --endpoint 192.0.2.2:51820 2>&1")
	// The routes behind a site come with the interface (wgowrt says so):
	// until then doctor names them, and its fix installs them.
	for _, name := range []string{a, b} {
		r := &router{t: t, tool: nsTool, name: name, ns: ns}
		if fs := r.doctor(); len(fs) != 1 || fs[0].Check != "route-missing" {
			t.Fatalf("site without its routes on %s: [%s] %+v", name, checks(fs), fs)
		} else {
			t.Logf("%s: %s | evidence: %s | fix: %s", fs[0].Check, fs[0].Problem, fs[0].Evidence, fs[0].Fix)
			sh(name, fs[0].Fix)
		}
		ns("wait", name, "wg0")
	}
	up := false
	for i := 0; i < 40 && !up; i++ {
		hs := sh(a, "wg show wg0 latest-handshakes")
		up = strings.Contains(hs, keyB) && !strings.Contains(hs, keyB+"\t0")
		if !up {
			time.Sleep(250 * time.Millisecond)
		}
	}
	if !up {
		t.Fatalf("no handshake between the sites:\n%s\n%s", sh(a, "wg show"), sh(b, "wg show"))
	}
	settle()
	for _, r := range []string{a, b} {
		out, err := exec.Command(nsTool, "exec", r, "wgowrt", "doctor").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "no problem found") {
			t.Errorf("doctor on healthy %s: %v\n%s", r, err, out)
		}
	}

	// An MTU black hole, made real: a's wan link is narrower (1400), so a
	// full-size tunnel packet leaves it in fragments, and b's side of the
	// path drops fragments (as some ISPs' NAT does). Small pings through
	// the tunnel answer, full-size ones vanish.
	sh(a, "ip link set eth1 mtu 1400")
	sh(b, "nft add table ip cfmtu && nft add chain ip cfmtu pre '{ type filter hook prerouting priority -400; }' && nft add rule ip cfmtu pre ip frag-off '&' 0x3fff != 0 drop")
	r := &router{t: t, tool: nsTool, name: a, ns: ns}
	fs := r.doctor()
	// 1328: what fits 1400 with WireGuard's 60 bytes and its padding to 16.
	if len(fs) != 1 || fs[0].Check != "mtu" || !strings.Contains(fs[0].Fix, "mtu=1328") {
		t.Fatalf("MTU black hole: [%s] %+v", checks(fs), fs)
	}
	t.Logf("%s: %s | evidence: %s | fix: %s", fs[0].Check, fs[0].Problem, fs[0].Evidence, fs[0].Fix)
	sh(a, fs[0].Fix)
	ns("wait", a, "wg0")
	for i := 0; i < 40; i++ {
		if hs := sh(a, "wg show wg0 latest-handshakes"); !strings.Contains(hs, keyB+"\t0") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if fs := r.doctor(); len(fs) > 0 {
		t.Errorf("after the MTU fix: [%s] %+v", checks(fs), fs)
	}
}

// siteBNetwork is the second router: its own LAN and wan address.
const siteBNetwork = `
config interface 'loopback'
	option device 'lo'
	option proto 'static'
	option ipaddr '127.0.0.1'
	option netmask '255.0.0.0'

config globals 'globals'
	option ula_prefix 'fd00:db8:2::/48'

config device
	option name 'br-lan'
	option type 'bridge'
	list ports 'eth0'

config interface 'lan'
	option device 'br-lan'
	option proto 'static'
	option ipaddr '192.168.2.1'
	option netmask '255.255.255.0'

config interface 'wan'
	option device 'eth1'
	option proto 'static'
	option ipaddr '192.0.2.3'
	option netmask '255.255.255.0'
`
