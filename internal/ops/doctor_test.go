package ops

import (
	"net/netip"
	"os"
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

// TestPingDF: the don't-fragment ping gets loopback's reply (root only:
// a raw socket; loopback only: no packet leaves the host).
func TestPingDF(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a raw ICMP socket needs root")
	}
	lo := netip.MustParseAddr("127.0.0.1")
	if !pingDF(netip.Addr{}, lo, 56) || !pingDF(lo, lo, 1400) {
		t.Error("no reply from 127.0.0.1")
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
