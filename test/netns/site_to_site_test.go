package netns

import (
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Site-to-site on the real netifd and fw4 (testdata/site-a, testdata/site-b): two routers whose wg0
// peers carry each other's LAN, route_allowed_ips 1, no masquerading.
//
//	┌──────────────┐   ┌──────────────────────┐   ┌──────────────────┐   ┌──────────────────────┐   ┌──────────────┐
//	│ lan A        │   │ site-a (owrt-ns)     │   │ inet             │   │ site-b (owrt-ns)     │   │ lan B        │
//	│ 192.168.1.10 ├───┤ br-lan 192.168.1.1   │   │ 203.0.113.1/24   │   │ br-lan 192.168.2.1   ├───┤ 192.168.2.10 │
//	└──────────────┘   │ wan 203.0.113.2 ─────┼───┤ 198.51.100.1/24 ─┼───┼─ wan 198.51.100.2    │   └──────────────┘
//	                   │ wg0 10.9.9.1 ->B     │   └──────────────────┘   │ wg0 10.9.9.2         │
//	                   └──────────────────────┘                          └──────────────────────┘
func TestSiteToSite(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	// B (no endpoint, answers only) first: A's first handshake goes out as
	// soon as wg0 is up, and WireGuard waits 5 s before retrying a lost one.
	b := buildSite(t, l, "siteb", testdataConfig(t, "site-b"), handler, inet, stockWiring("rb", "198.51.100.1/24", "192.168.2.10/24", "192.168.2.1"))
	a := buildSite(t, l, "sitea", testdataConfig(t, "site-a"), handler, inet, stockWiring("ra", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	b.r.Wait("wg0")
	a.r.Wait("wg0")
	a.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	b.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)

	eventually(t, "lan A -> lan B keeps its address", func() lab.Result { return a.lanHost.TCP("192.168.2.10:"+echoPort, "") }, "192.168.1.10")
	eventually(t, "lan B -> lan A keeps its address", func() lab.Result { return b.lanHost.TCP("192.168.1.10:"+echoPort, "") }, "192.168.2.10")
	expectBlocked(t, "site B's router is not reachable from lan A on a closed zone (vpn input REJECT)",
		a.lanHost.TCP("10.9.9.2:"+echoPort, ""))
}
