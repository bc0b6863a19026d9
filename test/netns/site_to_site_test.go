//go:build lab_realizer

package netns

import (
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Site-to-site (testdata/site-a, testdata/site-b): two routers whose wg0
// peers carry each other's LAN, route_allowed_ips 1, no masquerading.
//
//	┌──────────────┐   ┌──────────────────────┐   ┌──────────────────┐   ┌──────────────────────┐   ┌──────────────┐
//	│ lan A        │   │ site-a (realized)    │   │ inet             │   │ site-b (realized)    │   │ lan B        │
//	│ 192.168.1.10 ├───┤ br-lan 192.168.1.1   │   │ 203.0.113.1/24   │   │ br-lan 192.168.2.1   ├───┤ 192.168.2.10 │
//	└──────────────┘   │ wan 203.0.113.2 ─────┼───┤ 198.51.100.1/24 ─┼───┼─ wan 198.51.100.2    │   └──────────────┘
//	                   │ wg0 10.9.9.1 ->B     │   └──────────────────┘   │ wg0 10.9.9.2         │
//	                   └──────────────────────┘                          └──────────────────────┘
func TestSiteToSite(t *testing.T) {
	l := lab.New(t)
	inet := internet(t, l)
	// B (no endpoint, answers only) first: A's first handshake goes out as
	// soon as wg0 is up, and WireGuard waits 5 s before retrying a lost one.
	b := buildRouter(t, l, "siteb", readConfig(t, "site-b"), inet, "rb", "198.51.100.1/24", "192.168.2.10/24", "192.168.2.1")
	a := buildRouter(t, l, "sitea", readConfig(t, "site-a"), inet, "ra", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1")
	a.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	b.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)

	expectReached(t, "lan A -> lan B keeps its address", a.lanHost.TCP("192.168.2.10:"+echoPort, ""), "192.168.1.10")
	expectReached(t, "lan B -> lan A keeps its address", b.lanHost.TCP("192.168.1.10:"+echoPort, ""), "192.168.2.10")
	expectBlocked(t, "site B's router is not reachable from lan A on a closed zone (vpn input REJECT)",
		a.lanHost.TCP("10.9.9.2:"+echoPort, ""))
}
