package supervise

// Boot with an endpoint name that does not resolve yet.
//
// TestStockHandlersUnresolvable records, with real netifd and each
// WireGuard proto handler of the oracle (24.10: `wg setconf` from a file;
// 25.12-style: `wg syncconf` from stdin; the oracle has no ucode handler),
// what a router does with wg0 = a peer "good" at an IP address plus a peer
// "bad" named by a host that does not resolve (no reachable DNS, as at
// boot before wan is up): wg0 is not up, and its device carries no peer at
// all, the good one included (`wg` resolves every endpoint first and,
// while the resolver answers "temporary failure", retries for about a
// minute before failing; the handler then fails the whole interface).
// Then the same router with `wgowrt supervise --boot` run before netifd
// (what /etc/init.d/wgowrt-rollback does at S15): wg0 is up at once with
// the good peer at its endpoint and the bad one without, and `uci show
// network` is unchanged (the hold is a delta in /var/state).
//
// TestBootHeldEndpoint is the lab "boot": an OpenWrt container (procd,
// the image's boot order) with wgowrt installed and enabled, rebooted with
// srv.test unknown: wg0 comes up at boot and peer "other" passes traffic
// while "srv" has no endpoint; the supervisor is killed (procd respawns
// it); then the server's dnsmasq (the client's DNS server) learns srv.test
// and srv joins: traffic through it, the endpoint set, the hold gone,
// other's session untouched. While srv is held, `wgowrt status` (text and
// --json) and `wgowrt doctor` say so (heldReads); once released, nothing.
//
// Cost: about 20 s for the first (two namespaces in parallel), 40 s for
// the second (two containers, one reboot).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/testenv"
)

func stockNetwork(k keys) string {
	return fmt.Sprintf(wanHead+`	option ipaddr '10.0.0.1'
	option netmask '255.255.255.0'

config interface 'wg0'
	option proto 'wireguard'
	option private_key '%s'
	list addresses '10.9.0.2/24'

config wireguard_wg0 'good'
	option public_key '%s'
	option endpoint_host '10.0.0.3'
	list allowed_ips '10.9.1.1/32'

config wireguard_wg0 'bad'
	option public_key '%s'
	option endpoint_host 'bad.test'
	list allowed_ips '10.9.0.1/32'
`, k.c, k.s1.PublicKey(), k.s0.PublicKey())
}

func TestStockHandlersUnresolvable(t *testing.T) {
	ns := testenv.OracleTool(t, "owrt-ns")
	k := newKeys(t)
	cfg := t.TempDir()
	if err := os.WriteFile(filepath.Join(cfg, "network"), []byte(stockNetwork(k)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"24.10", "25.12"} {
		h := h
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			run := testenv.Runner(t, ns)
			name := fmt.Sprintf("bootrace%d-%s", os.Getpid(), strings.ReplaceAll(h, ".", ""))
			up := func() {
				run("up", name, "--config", cfg, "--wireguard-handler", h)
				t.Cleanup(func() { testenv.NSDown(ns, name) })
			}
			up()
			run("start", name, "netifd")
			time.Sleep(8 * time.Second)
			st := run("exec", name, "ubus", "call", "network.interface.wg0", "status")
			peers, _ := exec.Command(ns, "exec", name, "wg", "show", "wg0", "peers").CombinedOutput()
			t.Logf("%s, stock: wg0 up=%v, peers in the device: %d", h, strings.Contains(st, `"up": true`), strings.Count(string(peers), "="))
			if strings.Contains(st, `"up": true`) || strings.Contains(string(peers), k.s1.PublicKey().String()) {
				t.Fatalf("%s: wg0 came up or carries the good peer although bad.test does not resolve: the stock handler changed\n%s\n%s", h, st, peers)
			}
			testenv.NSDown(ns, name)

			up()
			run("cp", name, bin, "/usr/sbin/")
			out := run("exec", name, "sh", "-c", "wgowrt supervise --boot 2>&1")
			run("start", name, "netifd")
			run("wait", name, "wg0", "--timeout", "10")
			eps := run("exec", name, "wg", "show", "wg0", "endpoints")
			if !strings.Contains(eps, k.s1.PublicKey().String()+"\t10.0.0.3:51820") ||
				!strings.Contains(eps, k.s0.PublicKey().String()+"\t(none)") {
				t.Errorf("%s, held: wg0's endpoints are not good=10.0.0.3:51820, bad=(none):\n%s\n%s", h, eps, out)
			}
			if got := run("exec", name, "uci", "get", "network.bad.endpoint_host"); got != "bad.test\n" {
				t.Errorf("%s: uci get network.bad.endpoint_host = %q, want the user's bad.test", h, got)
			}
			if !strings.Contains(out, "wg0/bad: bad.test:51820 does not resolve yet") {
				t.Errorf("%s: --boot said:\n%s", h, out)
			}
		})
	}
}

func TestBootHeldEndpoint(t *testing.T) {
	l := newLab(t, "bts", "btc")
	b, k := l.b, l.k
	b(l.srv, "up", "--config", configDir(t, map[string]string{"network": serverNetwork(k), "firewall": openFirewall}))
	clCfg := configDir(t, map[string]string{"network": clientNetwork(k), "firewall": openFirewall, "wgowrt": fastSupervise})
	b(l.cl, "up", "--config", clCfg, "--link", "eth1="+l.srv+":eth1")
	testenv.Install(t, l.boot, l.cl, map[string]string{
		"usr/sbin/wgowrt":            bin,
		"etc/init.d/wgowrt":          "../../package/files/wgowrt.init",
		"etc/init.d/wgowrt-rollback": "../../package/files/wgowrt-rollback.init",
	})
	b(l.cl, "exec", "sh", "-c", "/etc/init.d/wgowrt enable && /etc/init.d/wgowrt-rollback enable")
	// Boot order: the holds (S15) before netifd (S20), the supervisor last.
	if rc := b(l.cl, "exec", "sh", "-c", "ls /etc/rc.d | grep -E '^S.*(wgowrt|network)' | tr '\\n' ' '"); rc != "S15wgowrt-rollback S20network S99wgowrt " {
		t.Errorf("boot order: %q", rc)
	}
	// The client's resolver is the server's dnsmasq (the image's, which
	// knows no srv.test yet: .test is not forwarded, so NXDOMAIN).
	b(l.cl, "exec", "sh", "-c", "rm /etc/resolv.conf && echo 'nameserver 10.0.0.2' > /etc/resolv.conf")
	if out, err := testenv.BootStop(l.boot, l.cl); err != nil {
		t.Fatalf("owrt-boot %s down: %v\n%s", l.cl, err, out)
	}
	booted := time.Now()
	b(l.cl, "up", "--keep", "--config", clCfg, "--link", "eth1="+l.srv+":eth1")

	waitFor(t, "traffic to other after boot", 30*time.Second, func() bool { return ping(l.boot, l.cl, "10.9.1.1") })
	t.Logf("boot with srv.test unknown: peer other passed traffic %.1f s after the boot began", time.Since(booted).Seconds())
	if eps := b(l.cl, "exec", "wg", "show", "wg0", "endpoints"); !strings.Contains(eps, k.s0.PublicKey().String()+"\t(none)") {
		t.Errorf("srv is not in wg0 without an endpoint:\n%s", eps)
	}
	if got := b(l.cl, "exec", "uci", "get", "network.srv.endpoint_host"); got != "srv.test\n" {
		t.Errorf("uci get network.srv.endpoint_host = %q: the user's config changed", got)
	}
	if st := b(l.cl, "exec", "cat", "/var/state/network"); !strings.Contains(st, "-network.srv.endpoint_host") {
		t.Errorf("no hold in /var/state/network:\n%s", st)
	}
	heldReads(t, l, true)
	otherBefore := handshake(t, b, l.cl, k.s1.PublicKey())

	// A kill at any moment: procd respawns the supervisor, which finds the hold.
	pid := strings.TrimSpace(b(l.cl, "exec", "sh", "-c", "pgrep -f 'wgowrt supervise' | head -n1"))
	b(l.cl, "exec", "kill", "-9", pid)
	time.Sleep(time.Second)
	if out, err := exec.Command(l.boot, l.cl, "exec", "nslookup", "srv.test").CombinedOutput(); err == nil {
		t.Fatalf("srv.test resolves before the server's DNS knows it:\n%s", out)
	}
	b(l.srv, "exec", "sh", "-c", "uci add_list dhcp.@dnsmasq[0].address='/srv.test/10.0.0.5' && uci commit dhcp && /etc/init.d/dnsmasq restart")
	named := time.Now()
	waitFor(t, "traffic to srv once its name resolves", 40*time.Second, func() bool { return ping(l.boot, l.cl, "10.9.0.1") })
	t.Logf("srv joined %.1f s after srv.test resolved (supervisor killed just before; procd respawns it after 5 s)", time.Since(named).Seconds())
	if eps := b(l.cl, "exec", "wg", "show", "wg0", "endpoints"); !strings.Contains(eps, k.s0.PublicKey().String()+"\t10.0.0.5:51820") {
		t.Errorf("srv's endpoint is not 10.0.0.5:51820:\n%s", eps)
	}
	waitFor(t, "hold released", 10*time.Second, func() bool {
		return !strings.Contains(b(l.cl, "exec", "sh", "-c", "cat /var/state/network 2>/dev/null || true"), "endpoint_host")
	})
	heldReads(t, l, false)
	if after := handshake(t, b, l.cl, k.s1.PublicKey()); after != otherBefore {
		t.Errorf("other's handshake changed (%s -> %s): its session was touched", otherBefore, after)
	}
	log := b(l.cl, "exec", "sh", "-c", "logread -e wgowrt")
	for _, re := range []string{`wg0/srv: srv.test:51820 does not resolve yet`, `endpoint.changed wg0/srv srv.test:51820: none -> 10.0.0.5:51820`,
		`wg0/srv: srv.test:51820 resolves now, hold released`} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("logread lacks %q:\n%s", re, log)
		}
	}
}

// heldReads checks what the client's user reads of srv's hold on the
// real router: `wgowrt status` (text, --json) and `wgowrt doctor` name it
// while it is held (doctor: the warning endpoint-held, not srv's missing
// handshake nor a broken endpoint), and nothing of it once released.
func heldReads(t *testing.T, l *lab, held bool) {
	t.Helper()
	const note = "peer srv: endpoint srv.test: held, name does not resolve yet (the supervisor sets it once it does)"
	if st := l.b(l.cl, "exec", "wgowrt", "status"); strings.Contains(st, note) != held || !held && strings.Contains(st, "held") {
		t.Errorf("wgowrt status (held %v):\n%s", held, st)
	}
	js := l.b(l.cl, "exec", "wgowrt", "--json", "status")
	var st struct {
		Interfaces []struct {
			Peers []ops.PeerStatus `json:"peers"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal([]byte(js), &st); err != nil || len(st.Interfaces) != 1 {
		t.Fatalf("wgowrt --json status: %v\n%s", err, js)
	}
	for _, p := range st.Interfaces[0].Peers {
		if want := held && p.Name == "srv"; p.EndpointHeld != want || want != (p.EndpointHost == "srv.test") {
			t.Errorf("wgowrt --json status (held %v): peer %s endpoint_held %v endpoint_host %q", held, p.Name, p.EndpointHeld, p.EndpointHost)
		}
	}
	out, _ := exec.Command(l.boot, l.cl, "exec", "wgowrt", "doctor").CombinedOutput()
	doc := string(out)
	if strings.Contains(doc, "endpoint-held [wg0 peer srv] (warning)") != held || strings.Contains(doc, "[wg0 peer srv]") && !held ||
		strings.Contains(doc, "no-handshake [wg0 peer srv]") || strings.Contains(doc, "endpoint-unresolvable") {
		t.Errorf("wgowrt doctor (held %v):\n%s", held, doc)
	}
}
