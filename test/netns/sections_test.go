package netns

import (
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// A router without WireGuard on the real netifd and fw4: the stock config
// plus the sections under test.
//
//	┌──────────────┐     ┌───────────────────────────┐     ┌──────────────────┐     ┌──────────────┐
//	│ lanhost      │     │ router (owrt-ns)          │     │ inet             │     │ client       │
//	│ 192.168.1.10 ├─────┤ br-lan 192.168.1.1        │     │ 203.0.113.1/24   │     │ 192.0.2.50   │
//	│ echo :7 :80  │     │ veth-wan 203.0.113.2 ─────┼─────┤ 192.0.2.1/24 ────┼─────┤ echo :7      │
//	└──────────────┘     └───────────────────────────┘     └──────────────────┘     └──────────────┘
func newPlainRouter(t *testing.T, extraFirewall string) (router, lanHost, client *lab.NS) {
	l := lab.New(t)
	cfg := plainConfig(t, string(stockFirewall(t))+extraFirewall)
	inet := internet(t, l)
	client = attach(t, l, "client", inet, "c1", "192.0.2.1/24", "192.0.2.50/24")
	site := buildSite(t, l, "router", cfg, handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	site.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	site.lanHost.ServeTCPEcho("0.0.0.0:80")
	client.ServeTCPEcho("0.0.0.0:" + echoPort)
	site.ns.ServeTCPEcho("0.0.0.0:" + echoPort)
	return site.ns, site.lanHost, client
}

// plainConfig is the recorded stock router's network (fw4/stock.txtar)
// with firewall as its firewall.
func plainConfig(t *testing.T, firewall string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "network"), get(conformanceCases(t, "fw4")["stock.txtar"], "in/network"))
	writeFile(t, filepath.Join(dir, "firewall"), firewall)
	return dir
}

func stockFirewall(t *testing.T) []byte {
	return []byte(get(conformanceCases(t, "fw4")["stock.txtar"], "in/firewall"))
}

func TestSectionsOnPlainRouter(t *testing.T) {
	t.Parallel()
	_, lanHost, client := newPlainRouter(t, `
config redirect
	option name 'web'
	option src 'wan'
	option proto 'tcp'
	option src_dport '8080'
	option dest 'lan'
	option dest_ip '192.168.1.10'
	option dest_port '80'
	option reflection '0'

config rule
	option name 'open-7-no-target'
	option src 'wan'
	option proto 'tcp'
	option dest_port '7'
`)
	// zone wan input REJECT: a connection to the router is refused (RST), and
	// a rule without target opens nothing.
	if r := client.TCP("203.0.113.2:"+echoPort, ""); r.Outcome != lab.Refused {
		t.Errorf("wan -> router:7 (input REJECT, targetless rule): %v, want refused", r)
	}
	// zone lan input ACCEPT.
	expectReached(t, "lan -> router:7", lanHost.TCP("192.168.1.1:"+echoPort, ""), "192.168.1.10")
	// redirect (DNAT): wan:8080 reaches the LAN host's port 80, source kept.
	expectReached(t, "wan:8080 redirect -> LAN host:80", client.TCP("203.0.113.2:8080", ""), "192.0.2.50")
	// forwarding lan->wan with wan masq: the client sees the router's wan address.
	expectReached(t, "lan -> internet (masq)", lanHost.TCP("192.0.2.50:"+echoPort, ""), "203.0.113.2")
	// no forwarding wan->lan: routed traffic to the LAN is rejected.
	expectBlocked(t, "wan -> LAN host without redirect", client.TCP("192.168.1.10:"+echoPort, ""))
}

func TestZoneInputDropTimesOut(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	cfg := plainConfig(t, `
config defaults
	option input 'DROP'
	option output 'ACCEPT'
	option forward 'DROP'
config zone
	option name 'wan'
	list network 'wan'
	option input 'DROP'
`)
	inet := internet(t, l)
	client := attach(t, l, "client", inet, "c1", "192.0.2.1/24", "192.0.2.50/24")
	site := buildSite(t, l, "router", cfg, handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	site.ns.ServeTCPEcho("0.0.0.0:" + echoPort)
	if r := client.TCP("203.0.113.2:"+echoPort, ""); r.Outcome != lab.TimedOut {
		t.Errorf("wan -> router:7 with input DROP: %v, want timeout (no RST)", r)
	}
}
