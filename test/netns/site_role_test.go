package netns

import (
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Site-to-site links made by `wgowrt site add` on A and by the commands
// `wgowrt site invite` printed on A, run as printed on B and C, each by
// the router's own wgowrt on the real OpenWrt stack (owrt-ns: netifd, fw4,
// ubus). A is the hub: C reaches B through it. Every router was
// initialised with --lan-access none, so only the site rules let LAN
// traffic pass.
//
//	┌──────────────┐   ┌──────────────────────┐                 ┌──────────────────────┐   ┌──────────────┐
//	│ lan A        │   │ A (hub, owrt-ns)     │   ┌─────────┐   │ B (owrt-ns)          │   │ lan B        │
//	│ 192.168.1.10 ├───┤ br-lan 192.168.1.1   │   │ inet    │   │ br-lan 192.168.2.1   ├───┤ 192.168.2.10 │
//	└──────────────┘   │ wan 203.0.113.2 ─────┼───┤ .1 each ├───┼─ wan 198.51.100.2    │   └──────────────┘
//	                   │ wg0 sites B, C       │   │ segment │   │ wg0 site A           │
//	                   └──────────────────────┘   └────┬────┘   └──────────────────────┘
//	                                       ┌───────────┴──────────┐   ┌──────────────┐
//	                                       │ C (owrt-ns)          │   │ lan C        │
//	                                       │ wan 192.0.2.2        │   │ 192.168.3.10 │
//	                                       │ br-lan 192.168.3.1 ──┼───┤              │
//	                                       │ wg0 site A (PSK)     │   └──────────────┘
//	                                       └──────────────────────┘
func TestSiteRoleHub(t *testing.T) {
	t.Parallel()
	sa, sb, sc := siteLab(t)
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

// siteLab boots the three routers, configures them with their own wgowrt
// and returns them once every wg0 is up.
func siteLab(t *testing.T) (a, b, c *routerSite) {
	t.Helper()
	l := lab.New(t)
	inet := internet(t, l)
	b = buildSite(t, l, "siteb", stockConfig(t, "192.168.2", "198.51.100", ""), handler, inet, stockWiring("rb", "198.51.100.1/24", "192.168.2.10/24", "192.168.2.1"))
	c = buildSite(t, l, "sitec", stockConfig(t, "192.168.3", "192.0.2", ""), handler, inet, stockWiring("rc", "192.0.2.1/24", "192.168.3.10/24", "192.168.3.1"))
	a = buildSite(t, l, "sitea", stockConfig(t, "192.168.1", "203.0.113", ""), handler, inet, stockWiring("ra", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	for s, wan := range map[*routerSite]string{a: "203.0.113.2", b: "198.51.100.2", c: "192.0.2.2"} {
		s.r.Wgowrt("server", "init", "--endpoint", wan, "--ipv6", "off", "--lan-access", "none")
	}
	for _, s := range []*routerSite{a, b, c} {
		s.r.FollowAdvice()
		s.r.Settle("wg0")
	}
	a.r.Wgowrt("site", "add", "siteb", "--endpoint", "198.51.100.2:51820", "--public-key", publicKey(t, b.r), "--remote-subnet", "192.168.2.0/24")
	a.r.Wgowrt("site", "add", "sitec", "--endpoint", "192.0.2.2:51820", "--public-key", publicKey(t, c.r), "--remote-subnet", "192.168.3.0/24", "--psk")
	runLine(t, b.r, a.r.Wgowrt("site", "invite", "siteb", "--as", "hub"))
	invite := a.r.Wgowrt("site", "invite", "sitec", "--as", "hub", "--psk-file", "/tmp/hub-sitec.psk")
	// "copy it to the other router at the same path, then delete it"
	c.r.Copy(filepath.Join(a.r.StatePath(), "tmp", "hub-sitec.psk"), "/tmp/")
	a.r.MustExec("rm", "/tmp/hub-sitec.psk")
	runLine(t, c.r, invite)
	c.r.MustExec("rm", "/tmp/hub-sitec.psk")
	for _, s := range []*routerSite{a, b, c} {
		s.r.FollowAdvice()
		s.r.Settle("wg0")
	}
	return a, b, c
}

// TestSiteRoleHubNeedsRelayRule is the broken variant: without the hub's
// Allow-sites-via-wg0 rule (deleted with the real uci, firewall reloaded)
// the vpn zone's forward policy (REJECT) stops C at A, while C still
// reaches A's own LAN.
func TestSiteRoleHubNeedsRelayRule(t *testing.T) {
	t.Parallel()
	sa, sb, sc := siteLab(t)
	if out := sa.r.MustExec("uci", "show", "firewall.wgowrt_wg0_sites"); out == "" {
		t.Fatal("the hub has no relay rule")
	}
	sa.r.UCI("delete firewall.wgowrt_wg0_sites")
	if _, _, err := sa.r.Fw4("reload"); err != nil {
		t.Fatal(err)
	}
	sa.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	sb.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	eventually(t, "control: lan C -> lan A", func() lab.Result { return sc.lanHost.TCP("192.168.1.10:"+echoPort, "") }, "192.168.3.10")
	eventually(t, "control: lan B -> lan A", func() lab.Result { return sb.lanHost.TCP("192.168.1.10:"+echoPort, "") }, "192.168.2.10")
	expectBlocked(t, "lan C -> lan B without the relay rule", sc.lanHost.TCP("192.168.2.10:"+echoPort, ""))
}
