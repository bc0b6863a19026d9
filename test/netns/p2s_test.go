package netns

import (
	"encoding/json"

	"regexp"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Point-to-site strategies, each configured by the router's own wgowrt
// on the real OpenWrt stack (owrt-ns: netifd, fw4, ubus), on a router
// initialised with --lan-access none, so that only the peer's own strategy
// opens anything. The LAN host's gateway is NOT the router (it points at
// 192.168.1.254, which does not answer): it knows nothing about the tunnel.
//
//	┌────────────────────┐       ┌───────────────────────────┐       ┌──────────────────┐       ┌────────────────────┐
//	│ lanhost            │       │ router (owrt-ns)          │       │ inet             │       │ laptop (wg-quick)  │
//	│ 192.168.1.10       ├───────┤ br-lan 192.168.1.1        │       │ 203.0.113.1/24   │       │ wg 10.8.0.2/32     │
//	│ gw 192.168.1.254 ✗ │       │ veth-wan 203.0.113.2 ─────┼───────┤ 198.51.100.1/24 ─┼───────┤ eth0 198.51.100.10 │
//	│ echo :7            │       │ wg0 10.8.0.1/24 :51820    │       └──────────────────┘       │ echo :7            │
//	└────────────────────┘       └───────────────────────────┘                                  └────────────────────┘
//
// The laptop always routes the LAN into the tunnel (the AllowedIPs `wgowrt
// access` prints), so every failure below is the router's decision or the
// LAN host's missing route, never the laptop's routing.
type p2sLab struct {
	site   *routerSite
	laptop *lab.NS
}

const laptopEcho = "10.8.0.2:" + echoPort

// newP2S boots the stock router and runs, with its own wgowrt, `server
// init`, `peer add laptop` and then the given commands; then brings the
// laptop up.
func newP2S(t *testing.T, commands ...[]string) *p2sLab {
	l := lab.New(t)
	inet := internet(t, l)
	site := buildSite(t, l, "router", stockConfig(t, "192.168.1", "203.0.113", ""), handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.254"))
	r := site.r
	r.Wgowrt("server", "init", "--endpoint", "203.0.113.2", "--ipv6", "off", "--lan-access", "none")
	r.FollowAdvice()
	r.Settle("wg0")
	conf := r.Wgowrt("peer", "add", "laptop")
	allowed := laptopAllowedIPs(t, r)
	for _, c := range commands {
		r.Wgowrt(c...)
	}
	r.FollowAdvice()
	r.Settle("wg0")
	laptop := attach(t, l, "laptop", inet, "p1", "198.51.100.1/24", "198.51.100.10/24")
	wgQuick(t, laptop, "wg", withAllowedIPs(conf, allowed))
	site.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	laptop.ServeTCPEcho("0.0.0.0:" + echoPort)
	return &p2sLab{site: site, laptop: laptop}
}

// laptopAllowedIPs asks `wgowrt access --json` what the point must route
// into the tunnel to reach the LAN, then sets the strategy back.
func laptopAllowedIPs(t *testing.T, r *lab.Router) string {
	t.Helper()
	var v struct {
		AllowedIPs []string `json:"client_allowed_ips"`
	}
	out := r.Wgowrt("--json", "access", "laptop", "masquerade")
	r.Wgowrt("access", "laptop", "default") // undo; the scenario sets its own
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.AllowedIPs) == 0 {
		t.Fatalf("access --json: %v: %q", err, out)
	}
	return strings.Join(v.AllowedIPs, ", ")
}

var allowedLine = regexp.MustCompile(`(?m)^AllowedIPs = .*$`)

func withAllowedIPs(conf, ips string) string {
	return allowedLine.ReplaceAllString(conf, "AllowedIPs = "+ips)
}

// handshake waits until the laptop's tunnel carries traffic (a ping of
// the router's tunnel address; vpn input is ACCEPT).
func (p *p2sLab) handshake(t *testing.T) {
	t.Helper()
	eventually(t, "laptop -> router tunnel address", func() lab.Result { return p.laptop.Ping("10.8.0.1") }, "")
}

func TestP2SMasquerade(t *testing.T) {
	t.Parallel()
	p := newP2S(t, []string{"access", "laptop", "masquerade"})
	p.handshake(t)
	eventually(t, "laptop -> LAN host, seen as the router's LAN address", func() lab.Result { return p.laptop.TCP(lanHostEcho, "") }, "192.168.1.1")
	expectBlocked(t, "LAN host -> laptop (no route)", p.site.lanHost.TCP(laptopEcho, ""))
	p.site.lanHost.MustRun("ip", "route", "add", "10.8.0.0/24", "via", "192.168.1.1")
	expectBlocked(t, "LAN host -> laptop even with a route (no lan -> vpn for a masquerade peer)", p.site.lanHost.TCP(laptopEcho, ""))
}

func TestP2SPortForward(t *testing.T) {
	t.Parallel()
	p := newP2S(t, []string{"expose", "--peer", "laptop", "--port", "8080:" + echoPort + "/tcp"})
	p.handshake(t)
	eventually(t, "LAN host -> router 192.168.1.1:8080 reaches the laptop's service, which sees the router's tunnel address",
		func() lab.Result { return p.site.lanHost.TCP("192.168.1.1:8080", "") }, "10.8.0.1")
	expectBlocked(t, "laptop -> LAN host (port forward only)", p.laptop.TCP(lanHostEcho, ""))
	expectBlocked(t, "LAN host -> router on another port", p.site.lanHost.TCP("192.168.1.1:8081", ""))
}

func TestP2SMasqueradeAndPortForward(t *testing.T) {
	t.Parallel()
	p := newP2S(t, []string{"access", "laptop", "masquerade"}, []string{"expose", "--peer", "laptop", "--port", "8080:" + echoPort})
	p.handshake(t)
	eventually(t, "laptop -> LAN host, seen as the router's LAN address", func() lab.Result { return p.laptop.TCP(lanHostEcho, "") }, "192.168.1.1")
	eventually(t, "LAN host -> router :8080 -> laptop, seen as the router's tunnel address",
		func() lab.Result { return p.site.lanHost.TCP("192.168.1.1:8080", "") }, "10.8.0.1")
}

func TestP2SRouted(t *testing.T) {
	t.Parallel()
	p := newP2S(t, []string{"access", "laptop", "routed"})
	p.handshake(t)
	expectBlocked(t, "laptop -> LAN host before the LAN host has the route (its answer goes to .254)", p.laptop.TCP(lanHostEcho, ""))
	expectBlocked(t, "LAN host -> laptop before it has the route", p.site.lanHost.TCP(laptopEcho, ""))
	routes := routeLines(p.site.r.Wgowrt("lan-route"))
	if len(routes) != 1 {
		t.Fatalf("lan-route printed %d routes, want 1: %v", len(routes), routes)
	}
	// The oracle's owrt-ns routers run no dnsmasq (/etc/config/dhcp), so
	// the LAN host gets the printed route by hand, as an admin would.
	p.site.lanHost.MustRun(routes[0]...)
	eventually(t, "laptop -> LAN host with the route, seen with its own tunnel address", func() lab.Result { return p.laptop.TCP(lanHostEcho, "") }, "10.8.0.2")
	eventually(t, "LAN host -> laptop with the route, seen with its own LAN address", func() lab.Result { return p.site.lanHost.TCP(laptopEcho, "") }, "192.168.1.10")
}
