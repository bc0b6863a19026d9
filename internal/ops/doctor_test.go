package ops

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
)

// doctorState is a server wg0 (port open, routed LAN access) with a
// roadwarrior and a site that has an endpoint.
func doctorState(t *testing.T) (plan.State, wgtypes.Key) {
	o := testOps(t)
	if _, err := o.PeerAdd(peerAdd("phone")); err != nil {
		t.Fatal(err)
	}
	site, _ := wg.ParseKey("a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	ep, _ := wg.ParseEndpoint("203.0.113.7:51820")
	if _, err := o.SiteAdd(SiteAdd{Intent: plan.SiteIntent{Name: "office", PublicKey: site, Remote: []string{"10.20.0.0/24"}, Endpoint: &ep}}); err != nil {
		t.Fatal(err)
	}
	st, _, err := o.Read("", "wg0")
	if err != nil {
		t.Fatal(err)
	}
	return st, wgtypes.Key(site)
}

// healthyFacts is a live router where wg0 runs with both peers, the
// site's session fresh.
func healthyFacts(st plan.State, site wgtypes.Key, now time.Time) DoctorFacts {
	dev := &wgtypes.Device{Name: "wg0", ListenPort: 51820, Peers: []wgtypes.Peer{
		{PublicKey: site, LastHandshakeTime: now.Add(-30 * time.Second), PersistentKeepaliveInterval: 25 * time.Second},
	}}
	return DoctorFacts{State: st, Live: true, Module: true, Now: now, Devices: map[string]*wgtypes.Device{"wg0": dev},
		Up: map[string]bool{"wg0": true}, InputWan: "udp dport 51820 counter accept comment \"!fw4: Allow-WireGuard-wg0\"",
		UDPPorts: map[int]bool{51820: true}, Unresolvable: map[string]string{}, WanAddrs: []netip.Addr{netip.MustParseAddr("192.0.2.2")}}
}

// TestDiagnose: each cause the lab cannot make real (no kernel modules,
// a fixed clock, no NAT) as facts, named by the right check; the healthy
// facts give no finding.
func TestDiagnose(t *testing.T) {
	st, site := doctorState(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		break_ func(f *DoctorFacts)
		want   string
		fix    string
	}{
		{"healthy", func(f *DoctorFacts) {}, "", ""},
		{"module missing", func(f *DoctorFacts) { f.Module = false; delete(f.Devices, "wg0"); f.Up["wg0"] = false }, "module-missing", "kmod-wireguard"},
		{"port in use", func(f *DoctorFacts) { delete(f.Devices, "wg0"); f.Up["wg0"] = false }, "port-in-use", "listen_port=51821"},
		{"clock not set", func(f *DoctorFacts) { f.Now = time.Date(1970, 1, 1, 0, 5, 0, 0, time.UTC) }, "clock", "sysntpd"},
		{"stale with keepalive", func(f *DoctorFacts) {
			f.Devices["wg0"].Peers[0].LastHandshakeTime = now.Add(-10 * time.Minute)
		}, "stale-handshake", "wg show wg0"},
		{"never, idle without keepalive", func(f *DoctorFacts) {
			f.Devices["wg0"].Peers[0] = wgtypes.Peer{PublicKey: site}
		}, "", ""},
		{"never, behind NAT without keepalive", func(f *DoctorFacts) {
			f.Devices["wg0"].Peers[0] = wgtypes.Peer{PublicKey: site, TransmitBytes: 148}
			f.WanAddrs = []netip.Addr{netip.MustParseAddr("100.64.3.4")}
		}, "no-handshake", "persistent_keepalive=25"},
		{"never, own key", func(f *DoctorFacts) {
			f.Devices["wg0"].Peers[0] = wgtypes.Peer{PublicKey: site, PersistentKeepaliveInterval: 25 * time.Second}
			f.Devices["wg0"].PublicKey = site
		}, "no-handshake", "router's own"},
		{"route behind a site missing", func(f *DoctorFacts) {
			f.RouteDev = map[netip.Prefix]string{netip.MustParsePrefix("10.20.0.0/24"): "eth1"}
		}, "route-missing", "ifup wg0"},
		{"port closed in the ruleset", func(f *DoctorFacts) { f.InputWan = "tcp dport 22 accept\njump reject_from_wan" }, "port-closed", "dest_port='51820'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := healthyFacts(st, site, now)
			c.break_(&f)
			got := Diagnose(f)
			if c.want == "" {
				if len(got) > 0 {
					t.Fatalf("false alarm: %+v", got)
				}
				return
			}
			if len(got) == 0 || got[0].Check != c.want || !strings.Contains(got[0].Fix, c.fix) {
				t.Fatalf("got %+v, want %s with a fix naming %q", got, c.want, c.fix)
			}
		})
	}
}

// TestDiagnoseFullTunnel: a full-tunnel client whose interface names no
// DNS leaks names through wan; its endpoint routed into the tunnel loops.
func TestDiagnoseFullTunnel(t *testing.T) {
	o := testOps(t)
	st := fullTunnel(t, o, "10.66.0.2/32", "0.0.0.0/0")
	ep := netip.MustParseAddr("198.51.100.4")
	f := DoctorFacts{State: st, Only: "wgc", Live: true, Module: true, Now: time.Now(), Up: map[string]bool{"wgc": true},
		Devices: map[string]*wgtypes.Device{"wgc": {Name: "wgc"}}, EndpointDev: map[netip.Addr]string{ep: "eth1"}}
	if got := Diagnose(f); len(got) > 0 {
		t.Fatalf("healthy full tunnel: %+v", got)
	}
	f.EndpointDev[ep] = "wgc"
	if got := Diagnose(f); len(got) != 1 || got[0].Check != "endpoint-route-loop" {
		t.Errorf("endpoint routed into the tunnel: %+v", got)
	}
	f.EndpointDev[ep] = "eth1"
	st.Network.Section("wgc").Option("dns").Values = nil
	if got := Diagnose(f); len(got) != 1 || got[0].Check != "dns-leak" {
		t.Errorf("no DNS: %+v", got)
	}
}

const testPrivate = "QxI7tFN2W1ubWXYRyo2vk/9eHE6hDsXTUsNPoHHNSE8="

// TestDiagnoseMTU: a peer reached by small but not full-size packets
// with don't-fragment: the fix sets the largest size that got through.
func TestDiagnoseMTU(t *testing.T) {
	st, site := doctorState(t)
	now := time.Now()
	f := healthyFacts(st, site, now)
	f.MTUProbes = map[string][]PathMTU{"wg0": {{Peer: "office", Section: "wgowrt_wg0_office", Addr: netip.MustParseAddr("10.20.0.1"), MTU: 1420, Largest: 1340}}}
	got := Diagnose(f)
	if len(got) != 1 || got[0].Check != "mtu" || !strings.Contains(got[0].Fix, "network.wg0.mtu=1340") {
		t.Fatalf("%+v", got)
	}
}

// TestDiagnoseMTU6: the same for a peer probed over IPv6; the evidence
// counts IPv6's 40-byte header (ping -s is the MTU less 48).
func TestDiagnoseMTU6(t *testing.T) {
	st, site := doctorState(t)
	f := healthyFacts(st, site, time.Now())
	f.MTUProbes = map[string][]PathMTU{"wg0": {{Peer: "office", Section: "wgowrt_wg0_office", Addr: netip.MustParseAddr("fd00:20::1"), MTU: 1420, Largest: 1340}}}
	got := Diagnose(f)
	if len(got) != 1 || got[0].Check != "mtu" || !strings.Contains(got[0].Fix, "network.wg0.mtu=1340") ||
		!strings.Contains(got[0].Evidence, "-s 1372 fd00:20::1: no answer") || !strings.Contains(got[0].Evidence, "-s 1292 answers") {
		t.Fatalf("%+v", got)
	}
}

// TestPeerHostAddr: IPv4 first (a /32, else a subnet's first host), IPv6
// only for a peer without IPv4; a default route is never probed.
func TestPeerHostAddr(t *testing.T) {
	for allowed, want := range map[string]string{
		"10.8.0.2/32, fd00:8::2/128":    "10.8.0.2",
		"fd00:8::2/128, 192.168.2.0/24": "192.168.2.1",
		"fd00:8::2/128":                 "fd00:8::2",
		"fd00:20::/64, fd00:8::2/128":   "fd00:8::2",
		"fd00:20::/64":                  "fd00:20::1",
		"0.0.0.0/0, ::/0":               "",
		"10.9.0.0/31, fd00:20::/127":    "",
	} {
		a, ok := peerHostAddr(plan.Peer{AllowedIPs: strings.Split(allowed, ", ")})
		if got := map[bool]string{true: a.String(), false: ""}[ok]; got != want {
			t.Errorf("%s: %q, want %q", allowed, got, want)
		}
	}
}

// TestPingDF: the don't-fragment ping gets loopback's reply over IPv4 and
// IPv6, and a source of the other family gets none (root only: a raw
// socket; loopback only: no packet leaves the host).
func TestPingDF(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a raw ICMP socket needs root")
	}
	lo, lo6 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")
	if !pingDF(netip.Addr{}, lo, 56) || !pingDF(lo, lo, 1400) {
		t.Error("no reply from 127.0.0.1")
	}
	if !pingDF(netip.Addr{}, lo6, 56) || !pingDF(lo6, lo6, 1400) {
		t.Error("no reply from ::1")
	}
	if pingDF(lo, lo6, 56) || pingDF(lo6, lo, 56) {
		t.Error("a source of the other family got a reply")
	}
}

// TestPingDFPathMTU: across a 1300-byte link between two namespaces the
// test makes, the don't-fragment ping passes at exactly the link's MTU
// and not one byte over, in both families (IPv4 payload 1272, IPv6 1252).
// The test runs itself again inside the first namespace (root only).
func TestPingDFPathMTU(t *testing.T) {
	if dst := os.Getenv("WGOWRT_PMTU_DST"); dst != "" {
		a := netip.MustParseAddr(dst)
		fit := 1300 - pingOverhead(a)
		if !pingDF(netip.Addr{}, a, fit) || pingDF(netip.Addr{}, a, fit+1) {
			t.Fatalf("%s: payload %d should pass and %d not", a, fit, fit+1)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("namespaces and a raw ICMP socket need root")
	}
	a, b := fmt.Sprintf("wgpmtu%da", os.Getpid()), fmt.Sprintf("wgpmtu%db", os.Getpid())
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	run("netns", "add", a)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", a).Run() })
	run("netns", "add", b)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", b).Run() })
	run("-n", a, "link", "add", "pm0", "mtu", "1300", "type", "veth", "peer", "name", "pm1", "mtu", "1300", "netns", b)
	for ns, dev := range map[string]string{a: "pm0", b: "pm1"} {
		run("-n", ns, "link", "set", dev, "up")
	}
	run("-n", a, "addr", "add", "10.99.0.1/24", "dev", "pm0")
	run("-n", b, "addr", "add", "10.99.0.2/24", "dev", "pm1")
	run("-n", a, "addr", "add", "fd99::1/64", "dev", "pm0", "nodad")
	run("-n", b, "addr", "add", "fd99::2/64", "dev", "pm1", "nodad")
	for _, dst := range []string{"10.99.0.2", "fd99::2"} {
		cmd := exec.Command("ip", "netns", "exec", a, os.Args[0], "-test.run", "^TestPingDFPathMTU$")
		cmd.Env = append(os.Environ(), "WGOWRT_PMTU_DST="+dst)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("to %s: %v\n%s", dst, err, out)
		}
	}
}

// TestRuleAccepts reads fw4's ways of writing a port.
func TestRuleAccepts(t *testing.T) {
	for chain, want := range map[string]bool{
		`udp dport 51820 counter packets 0 bytes 0 accept`:          true,
		`meta l4proto udp th dport { 500, 51820 } counter accept`:   true,
		`udp dport 51800-51830 accept`:                              true,
		`udp dport 51821 accept`:                                    false,
		`tcp dport 51820 accept`:                                    false,
		`udp dport 51820 counter jump reject_to_wan comment "drop"`: false,
	} {
		if got := ruleAccepts(chain, 51820); got != want {
			t.Errorf("%q: %v, want %v", chain, got, want)
		}
	}
}

// fullTunnel imports a full-tunnel client wgc with address and allowed
// IPs (as a wg-quick file writes them) and returns the state after it.
func fullTunnel(t *testing.T, o *Ops, address, allowed string) plan.State {
	t.Helper()
	conf, err := wgquick.Parse([]byte("[Interface]\nPrivateKey = " + testPrivate + "\nAddress = " + address + "\nDNS = 10.66.0.1\n\n" +
		"[Peer]\nPublicKey = a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=\nEndpoint = 198.51.100.4:51820\nAllowedIPs = " + allowed + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.ClientImport(ClientImport{Intent: plan.ClientIntent{Iface: "wgc", Mode: "full", Conf: conf}}); err != nil {
		t.Fatal(err)
	}
	st, _, err := o.Read("", "wgc")
	if err != nil {
		t.Fatal(err)
	}
	return st
}
