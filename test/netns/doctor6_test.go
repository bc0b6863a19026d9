package netns

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// doctorFinding is one finding of `wgowrt doctor --json`.
type doctorFinding struct {
	Check, Iface, Peer, Problem, Evidence, Fix string
}

// doctor runs the router's own `wgowrt doctor --json`.
func doctor(t *testing.T, r *lab.Router) []doctorFinding {
	t.Helper()
	out, err := r.Exec("", "wgowrt", "doctor", "--json")
	var doc struct {
		Version  int
		Live     bool
		Findings []doctorFinding
	}
	if jerr := json.Unmarshal([]byte(out), &doc); jerr != nil || doc.Version != 1 || !doc.Live {
		t.Fatalf("doctor --json: %v %v\n%s", err, jerr, out)
	}
	if (err != nil) != (len(doc.Findings) > 0) {
		t.Errorf("doctor's exit status (%v) does not match its %d findings", err, len(doc.Findings))
	}
	return doc.Findings
}

func findingChecks(fs []doctorFinding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Check)
	}
	return strings.Join(s, ",")
}

// doctorSilent waits (up to 10 s: netifd re-adding addresses and routes,
// fw4 reloading) until doctor has no finding.
func doctorSilent(t *testing.T, r *lab.Router, after string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		fs := doctor(t, r)
		if len(fs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: doctor still finds [%s]: %+v", after, findingChecks(fs), fs)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestDoctorIPv6: on the real netifd and fw4, a dual-stack server
// (`server init --internet --lan-access masquerade`, its /64 from the
// stock ula_prefix) with a roadwarrior and a site routing an IPv6
// subnet: doctor is silent once healthy; each IPv6 problem made on
// purpose is named by its check, alone, and running the finding's fix
// line brings doctor back to silence. Cost: about 10 s.
func TestDoctorIPv6(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	site := dualStackRouter(t, l, inet, "192.168.1.1")
	r := site.r
	r.Wgowrt("server", "init", "--endpoint", "203.0.113.2", "--internet", "--lan-access", "masquerade")
	r.FollowAdvice()
	r.Settle("wg0")
	r.Wgowrt("peer", "add", "phone")
	r.FollowAdvice()
	r.Settle("wg0")
	if fs := doctor(t, r); len(fs) > 0 {
		t.Fatalf("healthy dual-stack server: [%s] %+v", findingChecks(fs), fs)
	}
	_, siteKey := labKey("siteb")
	r.Wgowrt("site", "add", "siteb", "--public-key", siteKey, "--remote-subnet", "fd12:3456:789b::/60")
	cases := []struct {
		name, breakIt, want, text string
	}{
		// The site's route comes with the interface (wgowrt says so).
		{"site's IPv6 subnet without its route", "", "route-missing", "fd12:3456:789b::/60 is not routed into wg0"},
		{"wan IPv6 masquerade of the ULA subnet removed", "uci delete firewall.wgowrt_wg0_wan_masq6 && uci commit firewall && fw4 reload",
			"masquerade6-missing", "towards wan"},
		{"IPv6 disabled on wg0", "sysctl -w net.ipv6.conf.wg0.disable_ipv6=1", "address6-missing", "net.ipv6.conf.wg0.disable_ipv6 = 1"},
		{"IPv6 forwarding off", "sysctl -w net.ipv6.conf.all.forwarding=0", "ipv6-forwarding-off", "net.ipv6.conf.all.forwarding = 0"},
	}
	for _, c := range cases {
		if c.breakIt != "" {
			r.MustExec("sh", "-c", c.breakIt)
			time.Sleep(500 * time.Millisecond)
		}
		fs := doctor(t, r)
		if len(fs) != 1 || fs[0].Check != c.want || !strings.Contains(fs[0].Problem+" | "+fs[0].Evidence, c.text) {
			t.Fatalf("%s: got [%s], want %s alone naming %q: %+v", c.name, findingChecks(fs), c.want, c.text, fs)
		}
		t.Logf("%s: %s | evidence: %s | fix: %s", fs[0].Check, fs[0].Problem, fs[0].Evidence, fs[0].Fix)
		r.MustExec("sh", "-c", fs[0].Fix)
		doctorSilent(t, r, c.name+", after the fix")
	}
	if out := r.MustRun("ip", "-6", "route", "get", "fd12:3456:789b::1"); !strings.Contains(out, "dev wg0") {
		t.Errorf("the site's IPv6 subnet is not routed into wg0 after the fixes: %s", out)
	}
}

// TestDoctorIPv6Leak: a full-tunnel client (`client import --mode full`
// of a dual-stack provider file, the provider a wg-quick peer) is healthy
// to doctor; its unreachable ::/0 deleted from the
// tunnel's table (what keeps the LAN's IPv6 off wan, TestClientFullTunnelIPv6
// shows the leak) is named ipv6-leak, and the fix line puts it back;
// the same with the route6 section itself deleted. Cost: about 6 s.
func TestDoctorIPv6Leak(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	site := dualStackRouter(t, l, inet, "192.168.1.1")
	r := site.r
	prov := attach(t, l, "prov", inet, "p1", "198.51.100.1/24", "198.51.100.7/24")
	provPriv, _ := labKey("provider")
	_, routerPub := labKey("router")
	wgQuick(t, prov, "wgp", "[Interface]\nPrivateKey = "+provPriv+"\nListenPort = 51820\nAddress = 10.64.0.1/24, fd00:64::1/64\n\n[Peer]\nPublicKey = "+
		routerPub+"\nAllowedIPs = 10.64.0.2/32, fd00:64::2/128\n")
	file := strings.Replace(providerFile("10.64.0.2/32, fd00:64::2/128"), "AllowedIPs = 0.0.0.0/0", "AllowedIPs = 0.0.0.0/0, ::/0", 1)
	path := t.TempDir() + "/wgc.conf"
	writeFile(t, path, file)
	r.Copy(path, "/tmp/")
	r.Wgowrt("client", "import", "/tmp/wgc.conf", "--mode", "full")
	r.Settle("wgc")
	doctorSilent(t, r, "healthy full tunnel (once it has handshaken)")
	table := strings.TrimSpace(r.MustExec("uci", "get", "network.wgc.ip6table"))
	for _, c := range []struct{ name, breakIt, fix string }{
		{"unreachable ::/0 deleted from the kernel", "ip -6 route del unreachable ::/0 table " + table + " metric 65535", "ifup loopback"},
		{"route6 section deleted", "uci delete network.wgowrt_wgc_ks6 && uci commit network && /etc/init.d/network reload", "uci set network.wgowrt_wgc_ks6=route6"},
	} {
		r.MustExec("sh", "-c", c.breakIt)
		time.Sleep(500 * time.Millisecond)
		fs := doctor(t, r)
		if len(fs) != 1 || fs[0].Check != "ipv6-leak" || !strings.HasPrefix(fs[0].Fix, c.fix) {
			t.Fatalf("%s: got [%s], want ipv6-leak alone with a fix starting %q: %+v", c.name, findingChecks(fs), c.fix, fs)
		}
		t.Logf("%s: %s | evidence: %s | fix: %s", fs[0].Check, fs[0].Problem, fs[0].Evidence, fs[0].Fix)
		r.MustExec("sh", "-c", fs[0].Fix)
		doctorSilent(t, r, c.name+", after the fix")
	}
	if out := r.MustRun("ip", "-6", "route", "show", "table", table); !strings.Contains(out, "unreachable default") {
		t.Errorf("table %s has no unreachable ::/0 after the fixes:\n%s", table, out)
	}
}
