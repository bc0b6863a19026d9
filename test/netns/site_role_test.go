//go:build lab_realizer

package netns

import (
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/uci"
)

// Site-to-site links made by `wgowrt site add` on A and by the commands
// `wgowrt site invite` printed on A, run as printed on B and C. A is the
// hub: C reaches B through it. Every router was initialised with
// --lan-access none, so only the site rules let LAN traffic pass.
//
//	┌──────────────┐   ┌──────────────────────┐                 ┌──────────────────────┐   ┌──────────────┐
//	│ lan A        │   │ A (hub, realized)    │   ┌─────────┐   │ B (realized)         │   │ lan B        │
//	│ 192.168.1.10 ├───┤ br-lan 192.168.1.1   │   │ inet    │   │ br-lan 192.168.2.1   ├───┤ 192.168.2.10 │
//	└──────────────┘   │ wan 203.0.113.2 ─────┼───┤ .1 each ├───┼─ wan 198.51.100.2    │   └──────────────┘
//	                   │ wg0 sites B, C       │   │ segment │   │ wg0 site A           │
//	                   └──────────────────────┘   └────┬────┘   └──────────────────────┘
//	                                       ┌───────────┴──────────┐   ┌──────────────┐
//	                                       │ C (realized)         │   │ lan C        │
//	                                       │ wan 192.0.2.2        │   │ 192.168.3.10 │
//	                                       │ br-lan 192.168.3.1 ──┼───┤              │
//	                                       │ wg0 site A (PSK)     │   └──────────────┘
//	                                       └──────────────────────┘
func TestSiteRoleHub(t *testing.T) {
	lab.Require(t)
	a, b, c := siteRoots(t)
	l := lab.New(t)
	inet := internet(t, l)
	// Spokes first: the hub's first handshakes then find them listening.
	sb := buildRouter(t, l, "siteb", b.config(), inet, "rb", "198.51.100.1/24", "192.168.2.10/24", "192.168.2.1")
	sc := buildRouter(t, l, "sitec", c.config(), inet, "rc", "192.0.2.1/24", "192.168.3.10/24", "192.168.3.1")
	sa := buildRouter(t, l, "sitea", a.config(), inet, "ra", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1")
	for _, s := range []*routerSite{sa, sb, sc} {
		s.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	}
	hosts := map[string]*routerSite{"192.168.1.10": sa, "192.168.2.10": sb, "192.168.3.10": sc}
	for _, pair := range [][2]string{
		{"192.168.1.10", "192.168.2.10"}, {"192.168.2.10", "192.168.1.10"}, // A <-> B
		{"192.168.3.10", "192.168.1.10"}, {"192.168.1.10", "192.168.3.10"}, // C <-> A
		{"192.168.3.10", "192.168.2.10"}, {"192.168.2.10", "192.168.3.10"}, // C <-> B through the hub A
	} {
		from, to := hosts[pair[0]].lanHost, pair[1]
		eventually(t, pair[0]+" -> "+to+" keeps its address", func() lab.Result { return from.TCP(to+":"+echoPort, "") }, pair[0])
	}
	expectBlocked(t, "lan B reaches no other router's tunnel address (only LANs are routed)", sb.lanHost.TCP("10.8.0.1:"+echoPort, ""))
}

// siteRoots configures the three routers with wgowrt and returns them.
func siteRoots(t *testing.T) (a, b, c *wgowrtRoot) {
	a = newWgowrtRoot(t, "192.168.1", "203.0.113")
	b = newWgowrtRoot(t, "192.168.2", "198.51.100")
	c = newWgowrtRoot(t, "192.168.3", "192.0.2")
	for r, wan := range map[*wgowrtRoot]string{a: "203.0.113.2", b: "198.51.100.2", c: "192.0.2.2"} {
		r.run("server", "init", "--endpoint", wan, "--ipv6", "off", "--lan-access", "none")
	}
	a.run("site", "add", "siteb", "--endpoint", "198.51.100.2:51820", "--public-key", b.publicKey(), "--remote-subnet", "192.168.2.0/24")
	a.run("site", "add", "sitec", "--endpoint", "192.0.2.2:51820", "--public-key", c.publicKey(), "--remote-subnet", "192.168.3.0/24", "--psk")
	b.runLine(a.run("site", "invite", "siteb", "--as", "hub"))
	c.runLine(a.run("site", "invite", "sitec", "--as", "hub", "--psk-file", filepath.Join(t.TempDir(), "hub-sitec.psk")))
	return a, b, c
}

// TestSiteRoleHubNeedsRelayRule is the broken variant: without the hub's
// Allow-sites-via-wg0 rule the vpn zone's forward policy (REJECT) stops C
// at A, while C still reaches A's own LAN.
func TestSiteRoleHubNeedsRelayRule(t *testing.T) {
	lab.Require(t)
	a, b, c := siteRoots(t)
	cfg := a.config()
	fw, err := uci.Parse("firewall", cfg.Firewall)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.DeleteSection("wgowrt_wg0_sites"); err != nil {
		t.Fatalf("the hub has no relay rule: %v", err)
	}
	cfg.Firewall = fw.Export(false)
	l := lab.New(t)
	inet := internet(t, l)
	sb := buildRouter(t, l, "siteb", b.config(), inet, "rb", "198.51.100.1/24", "192.168.2.10/24", "192.168.2.1")
	sc := buildRouter(t, l, "sitec", c.config(), inet, "rc", "192.0.2.1/24", "192.168.3.10/24", "192.168.3.1")
	sa := buildRouter(t, l, "sitea", cfg, inet, "ra", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1")
	sa.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	sb.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	eventually(t, "control: lan C -> lan A", func() lab.Result { return sc.lanHost.TCP("192.168.1.10:"+echoPort, "") }, "192.168.3.10")
	eventually(t, "control: lan B -> lan A", func() lab.Result { return sb.lanHost.TCP("192.168.1.10:"+echoPort, "") }, "192.168.2.10")
	expectBlocked(t, "lan C -> lan B without the relay rule", sc.lanHost.TCP("192.168.2.10:"+echoPort, ""))
}
