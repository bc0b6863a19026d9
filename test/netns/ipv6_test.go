package netns

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// IPv6 on par with IPv4 (issue 15, item 4): the point-to-site strategies
// and site-to-site links of p2s_test.go and site_role_test.go, and the
// client, 44Net and --internet roles, over IPv6 inside the tunnel, each
// configured by the router's own wgowrt on the real netifd and fw4
// (owrt-ns). The routers are the stock tree with `ip6assign 60` on lan,
// as a stock OpenWrt has it: netifd gives br-lan the first /60 of
// network.globals.ula_prefix (fd12:3456:789a::1/60, an on-link /64), and
// `server init` (--ipv6 auto) takes wg0's /64 from the same ULA. The
// tunnels' underlay is IPv4 but in TestInternetIPv6.
//
// The point-to-site lab:
//
//	┌──────────────────────────┐     ┌──────────────────────────────┐     ┌──────────────────────────────┐
//	│ lanhost                  │     │ router (owrt-ns)             │     │ laptop (wg-quick, via inet)  │
//	│ fd12:3456:789a::10/64    ├─────┤ br-lan fd12:3456:789a::1/60  │     │ wg fd12:3456:789a:ff00::2    │
//	│ v6 gw ::fe (no answer) ✗ │     │ wg0 fd12:3456:789a:ff00::1   ├─···─┤    10.8.0.2                  │
//	└──────────────────────────┘     └──────────────────────────────┘     └──────────────────────────────┘
//
// As in p2s_test.go the LAN host's gateway is not the router, so only a
// route it is given (what `wgowrt lan-route` prints) leads it back.

const (
	lan6Host   = "fd12:3456:789a::10"
	lan6Router = "fd12:3456:789a::1"
	laptop6    = "fd12:3456:789a:ff00::2"
)

func echo6(addr string) string { return "[" + addr + "]:" + echoPort }

// stockConfig6 is stockConfig with ula_prefix ula and `ip6assign 60` on
// lan.
func stockConfig6(t *testing.T, lan, wan, ula string) string {
	t.Helper()
	dir := stockConfig(t, lan, wan, "")
	p := filepath.Join(dir, "network")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "fd12:3456:789a::/48", ula, 1)
	const lanEnd = "option netmask '255.255.255.0'\n\nconfig interface 'wan'"
	if !strings.Contains(s, lanEnd) || !strings.Contains(s, ula) {
		t.Fatal("stock root: no lan section or ula_prefix to extend")
	}
	writeFile(t, p, strings.Replace(s, lanEnd, "option netmask '255.255.255.0'\n\toption ip6assign '60'\n\nconfig interface 'wan'", 1))
	return dir
}

// withWan6 gives the stock router's wan the static IPv6 2001:db8:1::2/64
// with gateway 2001:db8:1::1 (inet's end), and returns dir.
func withWan6(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "network")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.LastIndex(s, "\nconfig ") != strings.Index(s, "\nconfig interface 'wan'") {
		t.Fatal("stock root: wan is not the last section of network, to append its IPv6 to")
	}
	writeFile(t, p, string(b)+"\toption ip6addr '2001:db8:1::2/64'\n\toption ip6gw '2001:db8:1::1'\n")
	return dir
}

// addLan6 gives a LAN host an IPv6 address (no duplicate detection: the
// lab has no duplicates) and a default route via gw.
func addLan6(h *lab.NS, addr, gw string) {
	h.MustRun("ip", "-6", "addr", "add", addr, "dev", "eth0", "nodad")
	h.MustRun("ip", "-6", "route", "add", "default", "via", gw)
}

// dualStackRouter is the stock router of the IPv6 labs on inet: wan
// 203.0.113.1, LAN 192.168.1.0/24 and a /60 of ula_prefix
// fd12:3456:789a::/48, its LAN host at 192.168.1.10 with IPv4 gateway
// lanGW.
func dualStackRouter(t *testing.T, l *lab.Lab, inet *lab.NS, lanGW string) *routerSite {
	t.Helper()
	return buildSite(t, l, "router", stockConfig6(t, "192.168.1", "203.0.113", "fd12:3456:789a::/48"), handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", lanGW))
}

// newP2S6 is newP2S with IPv6: the router keeps --ipv6 auto and its LAN
// host has an IPv6 address whose gateway (::fe) does not answer.
func newP2S6(t *testing.T, commands ...[]string) *p2sLab {
	l := lab.New(t)
	inet := internet(t, l)
	site := dualStackRouter(t, l, inet, "192.168.1.254")
	addLan6(site.lanHost, lan6Host+"/64", "fd12:3456:789a::fe")
	r := site.r
	r.Wgowrt("server", "init", "--endpoint", "203.0.113.2", "--lan-access", "none")
	r.FollowAdvice()
	r.Settle("wg0")
	conf := r.Wgowrt("peer", "add", "laptop")
	if !strings.Contains(conf, laptop6+"/128") {
		t.Fatalf("the laptop's config has no IPv6 tunnel address %s:\n%s", laptop6, conf)
	}
	allowed := laptopAllowedIPs(t, r)
	for _, want := range []string{"fd12:3456:789a:ff00::/64", "fd12:3456:789a::/60"} {
		if !strings.Contains(allowed, want) {
			t.Fatalf("access --json: AllowedIPs %q lack %s (the tunnel's IPv6 subnet and the LAN prefix netifd assigned)", allowed, want)
		}
	}
	for _, c := range commands {
		r.Wgowrt(c...)
	}
	r.FollowAdvice()
	r.Settle("wg0")
	laptop := attach(t, l, "laptop", inet, "p1", "198.51.100.1/24", "198.51.100.10/24")
	wgQuick(t, laptop, "wg", withAllowedIPs(conf, allowed))
	site.lanHost.ServeTCPEcho("[::]:" + echoPort)
	laptop.ServeTCPEcho("[::]:" + echoPort)
	return &p2sLab{site: site, laptop: laptop}
}

func TestP2SMasqueradeIPv6(t *testing.T) {
	t.Parallel()
	p := newP2S6(t, []string{"access", "laptop", "masquerade"})
	p.handshake(t)
	expectReached(t, "laptop pings the router's tunnel IPv6 address (the vpn zone's ping rule covers ICMPv6)", p.laptop.Ping("fd12:3456:789a:ff00::1"), "")
	eventually(t, "laptop -> LAN host over IPv6, seen as the router's LAN IPv6 address",
		func() lab.Result { return p.laptop.TCP(echo6(lan6Host), "") }, lan6Router)
	eventually(t, "control: laptop -> LAN host over IPv4, seen as the router's LAN address",
		func() lab.Result { return p.laptop.TCP(lanHostEcho, "") }, "192.168.1.1")
	expectBlocked(t, "LAN host -> laptop over IPv6 (no route)", p.site.lanHost.TCP(echo6(laptop6), ""))
	p.site.lanHost.MustRun("ip", "-6", "route", "add", "fd12:3456:789a:ff00::/64", "via", lan6Router)
	expectBlocked(t, "LAN host -> laptop over IPv6 even with a route (no lan -> vpn for a masquerade peer)", p.site.lanHost.TCP(echo6(laptop6), ""))
}

func TestP2SRoutedIPv6(t *testing.T) {
	t.Parallel()
	p := newP2S6(t, []string{"access", "laptop", "routed"})
	p.handshake(t)
	expectBlocked(t, "laptop -> LAN host over IPv6 before the LAN host has the route (its answer goes to ::fe)", p.laptop.TCP(echo6(lan6Host), ""))
	expectBlocked(t, "LAN host -> laptop over IPv6 before it has the route", p.site.lanHost.TCP(echo6(laptop6), ""))
	out := p.site.r.Wgowrt("lan-route")
	routes := routeLines6(out)
	want := []string{"ip", "-6", "route", "add", "fd12:3456:789a:ff00::/64", "via", lan6Router}
	if len(routes) != 1 || strings.Join(routes[0], " ") != strings.Join(want, " ") {
		t.Fatalf("lan-route printed IPv6 routes %v, want [%v]", routes, want)
	}
	// The tunnel's /64 lies in ula_prefix, which odhcpd's RAs announce on
	// lan (RFC 4191) because netifd holds it as an unreachable route on
	// lo; the oracle runs no odhcpd, so the fact it relies on is checked.
	if !strings.Contains(out, "this router's RAs announce fd12:3456:789a::/48") {
		t.Errorf("lan-route does not say the RAs announce the ULA prefix:\n%s", out)
	}
	if u := p.site.ns.MustRun("ip", "-6", "route", "show", "type", "unreachable"); !strings.Contains(u, "fd12:3456:789a::/48 dev lo") {
		t.Errorf("netifd holds no unreachable route for the ULA prefix (what odhcpd announces from):\n%s", u)
	}
	p.site.lanHost.MustRun(routes[0]...)
	eventually(t, "laptop -> LAN host over IPv6 with the route, seen with its own tunnel address",
		func() lab.Result { return p.laptop.TCP(echo6(lan6Host), "") }, laptop6)
	eventually(t, "LAN host -> laptop over IPv6 with the route, seen with its own LAN address",
		func() lab.Result { return p.site.lanHost.TCP(echo6(laptop6), "") }, lan6Host)
}

func TestP2SPortForwardIPv6(t *testing.T) {
	t.Parallel()
	p := newP2S6(t, []string{"expose", "--peer", "laptop", "--port", "8080:" + echoPort + "/tcp"})
	p.handshake(t)
	eventually(t, "LAN host -> router [fd12:3456:789a::1]:8080 reaches the laptop's service, which sees the router's tunnel IPv6 address",
		func() lab.Result { return p.site.lanHost.TCP("["+lan6Router+"]:8080", "") }, "fd12:3456:789a:ff00::1")
	eventually(t, "control: the same over IPv4",
		func() lab.Result { return p.site.lanHost.TCP("192.168.1.1:8080", "") }, "10.8.0.1")
	expectBlocked(t, "laptop -> LAN host over IPv6 (port forward only)", p.laptop.TCP(echo6(lan6Host), ""))
}

// routeLines6 returns the "ip -6 route add ..." commands in wgowrt's
// output, without their trailing comments.
func routeLines6(out string) [][]string {
	var cmds [][]string
	for _, l := range strings.Split(out, "\n") {
		l, _, _ = strings.Cut(l, "#")
		if f := strings.Fields(l); len(f) > 4 && f[0] == "ip" && f[1] == "-6" && f[2] == "route" {
			cmds = append(cmds, f)
		}
	}
	return cmds
}

// TestSiteToSiteIPv6: site_role_test.go's link between A and B over IPv6,
// each LAN with its own ULA prefix assigned by netifd (ip6assign). A adds
// B with B's IPv4 and IPv6 LAN subnets; B runs the command `site invite`
// printed on A, whose --remote-subnet list is A's LAN as the running
// router has it (with the IPv6 prefix netifd assigned, in no file).
//
//	lan A fd12:3456:789a::10 ── A (br-lan fd12:3456:789a::1/60) ══ wg0 over IPv4 ══ B (br-lan fd12:3456:789b::1/60) ── lan B fd12:3456:789b::10
func TestSiteToSiteIPv6(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	b := buildSite(t, l, "siteb", stockConfig6(t, "192.168.2", "198.51.100", "fd12:3456:789b::/48"), handler, inet, stockWiring("rb", "198.51.100.1/24", "192.168.2.10/24", "192.168.2.1"))
	a := buildSite(t, l, "sitea", stockConfig6(t, "192.168.1", "203.0.113", "fd12:3456:789a::/48"), handler, inet, stockWiring("ra", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	addLan6(a.lanHost, "fd12:3456:789a::10/64", "fd12:3456:789a::1")
	addLan6(b.lanHost, "fd12:3456:789b::10/64", "fd12:3456:789b::1")
	for s, wan := range map[*routerSite]string{a: "203.0.113.2", b: "198.51.100.2"} {
		s.r.Wgowrt("server", "init", "--endpoint", wan, "--lan-access", "none")
	}
	for _, s := range []*routerSite{a, b} {
		s.r.FollowAdvice()
		s.r.Settle("wg0")
	}
	a.r.Wgowrt("site", "add", "siteb", "--endpoint", "198.51.100.2:51820", "--public-key", publicKey(t, b.r),
		"--remote-subnet", "192.168.2.0/24", "--remote-subnet", "fd12:3456:789b::/60")
	invite := a.r.Wgowrt("site", "invite", "siteb", "--as", "sitea")
	if !strings.Contains(invite, "--remote-subnet fd12:3456:789a::/60") {
		t.Fatalf("A's invitation does not route A's IPv6 LAN prefix:\n%s", invite)
	}
	runLine(t, b.r, invite)
	for _, s := range []*routerSite{a, b} {
		s.r.FollowAdvice()
		s.r.Settle("wg0")
		s.lanHost.ServeTCPEcho("[::]:" + echoPort)
	}
	eventually(t, "lan A -> lan B over IPv6 keeps its address",
		func() lab.Result { return a.lanHost.TCP(echo6("fd12:3456:789b::10"), "") }, "fd12:3456:789a::10")
	eventually(t, "lan B -> lan A over IPv6 keeps its address",
		func() lab.Result { return b.lanHost.TCP(echo6("fd12:3456:789a::10"), "") }, "fd12:3456:789b::10")
	eventually(t, "control: lan B -> lan A over IPv4 keeps its address",
		func() lab.Result { return b.lanHost.TCP("192.168.1.10:"+echoPort, "") }, "192.168.2.10")
	expectBlocked(t, "lan B reaches no IPv6 of A's outside the site subnets (A's tunnel address; vpn input REJECT)",
		b.lanHost.TCP(echo6("fd12:3456:789a:ff00::1"), ""))
}

// TestSourceRoutedGatewayIPv6: 44Net-style source routing for IPv6 on the
// real netifd and fw4, configured by the router's own wgowrt: `client
// import --mode source` of a dual-stack provider file (the router's
// 2001:db8:44::17/128 besides 10.64.0.2/32, AllowedIPs 0.0.0.0/0, ::/0),
// then `gateway add --block6` giving the routed prefix 2001:db8:44:1::/64
// to the segment on eth3.
//
//	pub 2001:db8:44:1::10 ── eth3 router (owrt-ns) wg44 ══ over IPv4 via inet ══ prov (wg-quick) ── web6 2001:db8:ffff::80
//
// The router has no IPv6 uplink at all (no wan6, no IPv6 default route in
// main): an IPv6 answer reaches web6 only if it went back into the
// tunnel, which is what the source rules do.
func TestSourceRoutedGatewayIPv6(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	prov := attach(t, l, "prov", inet, "p1", "198.51.100.1/24", "198.51.100.7/24")
	for _, k := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
		if err := prov.Sysctl(k, "1"); err != nil {
			t.Fatal(err)
		}
	}
	provPriv, _ := labKey("provider")
	_, routerPub := labKey("router")
	wgQuick(t, prov, "wgp", "[Interface]\nPrivateKey = "+provPriv+"\nListenPort = 51820\nAddress = 10.64.0.1/24, fd00:64::1/64\n\n[Peer]\nPublicKey = "+
		routerPub+"\nAllowedIPs = 10.64.0.2/32, 2001:db8:44::17/128, 2001:db8:44:1::/64\n")
	web6 := l.NS("web6")
	l.Link(prov, "w1", web6, "eth0")
	prov.MustRun("ip", "-6", "addr", "add", "2001:db8:ffff::1/64", "dev", "w1", "nodad")
	web6.MustRun("ip", "-6", "addr", "add", "2001:db8:ffff::80/64", "dev", "eth0", "nodad")
	web6.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:ffff::1")
	web6.ServeTCPEcho("[::]:" + echoPort)

	r := l.Router("router", stockConfig(t, "192.168.1", "203.0.113", ""), handler)
	l.Link(r.NS, "veth-wan", inet, "r1")
	inet.MustRun("ip", "addr", "add", "203.0.113.1/24", "dev", "r1")
	pub := l.NS("pub")
	l.Link(r.NS, "eth3", pub, "eth0")
	pub.MustRun("ip", "-6", "addr", "add", "2001:db8:44:1::10/64", "dev", "eth0", "nodad")
	pub.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:44:1::1")
	r.Start("wan")
	file := strings.Replace(providerFile("10.64.0.2/32, 2001:db8:44::17/128"), "AllowedIPs = 0.0.0.0/0", "AllowedIPs = 0.0.0.0/0, ::/0", 1)
	path := filepath.Join(t.TempDir(), "wg44.conf")
	writeFile(t, path, file)
	r.Copy(path, "/tmp/")
	r.Wgowrt("client", "import", "/tmp/wg44.conf", "--mode", "source", "--allow", "tcp/"+echoPort)
	r.Wgowrt("gateway", "add", "--iface", "wg44", "--block6", "2001:db8:44:1::/64", "--lan-device", "eth3", "--allow", "tcp/"+echoPort)
	r.Settle("wg44", "wgowrt_wg44_gw")
	if out := r.MustRun("ip", "-6", "route", "show", "default"); out != "" {
		t.Fatalf("the router has an IPv6 default route in main, the proof needs none: %s", out)
	}
	r.ServeTCPEcho("[::]:" + echoPort)
	pub.ServeTCPEcho("[::]:" + echoPort)
	pub.ServeTCPEcho("[::]:8")

	eventually(t, "web6 -> service on the router's own IPv6 /128 (answer back through the tunnel)",
		func() lab.Result { return web6.TCP(echo6("2001:db8:44::17"), "") }, "2001:db8:ffff::80")
	expectReached(t, "router sourcing from its IPv6 /128 -> web6 through the tunnel",
		r.TCP(echo6("2001:db8:ffff::80"), "2001:db8:44::17"), "2001:db8:44::17")
	// eventually: the router's 2001:db8:44:1::1 is tentative (duplicate
	// address detection) for a moment after netifd set it.
	eventually(t, "web6 -> allowed service on a --block6 host (no NAT)",
		func() lab.Result { return web6.TCP(echo6("2001:db8:44:1::10"), "") }, "2001:db8:ffff::80")
	expectReached(t, "--block6 host -> web6 keeps its public address",
		pub.TCP(echo6("2001:db8:ffff::80"), ""), "2001:db8:44:1::10")
	if res := web6.TCP("[2001:db8:44:1::10]:8", ""); res.Outcome != lab.Refused {
		t.Errorf("web6 -> not allowed port on a --block6 host: %v, want refused", res)
	}
	// Without the gateway's rule into the tunnel's table, the block's
	// traffic meets main, which has no IPv6 way out.
	r.MustRun("ip", "-6", "rule", "del", "from", "2001:db8:44:1::/64", "lookup", "100")
	expectBlocked(t, "--block6 host -> web6 without the gateway's source rule", pub.TCP(echo6("2001:db8:ffff::80"), ""))
}

// TestInternetIPv6: `server init --internet` with the tunnel's IPv6 subnet
// taken from ula_prefix (--ipv6 auto): a full-tunnel phone reaches an
// IPv6 host on the internet, which sees the router's wan IPv6 address
// (wan masquerades only IPv4 by itself, and nobody routes a ULA back);
// `expose --on wan` forwards a port to the phone over IPv6; and an
// IPv6-only laptop reaches the LAN through a tunnel whose underlay is IPv6.
//
//	phone (wg-quick, full tunnel, via inet over IPv4) ══ router wg0 fd12:3456:789a:ff00::1 ── wan 2001:db8:1::2 ── inet ── web6 2001:db8:2::80
func TestInternetIPv6(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet6(t, l)
	dir := withWan6(t, stockConfig(t, "192.168.1", "203.0.113", ""))
	site := buildSite(t, l, "router", dir, handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	inet.MustRun("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "r1", "nodad")
	web6 := l.NS("web6")
	l.Link(inet, "w1", web6, "eth0")
	inet.MustRun("ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "w1", "nodad")
	web6.MustRun("ip", "-6", "addr", "add", "2001:db8:2::80/64", "dev", "eth0", "nodad")
	web6.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:2::1")
	web6.ServeTCPEcho("[::]:" + echoPort)
	r := site.r
	r.Wgowrt("server", "init", "--endpoint", "203.0.113.2", "--internet")
	r.FollowAdvice()
	r.Settle("wg0")
	conf := r.Wgowrt("peer", "add", "phone")
	if !strings.Contains(conf, "::/0") {
		t.Fatalf("the phone's config does not send IPv6 into the tunnel:\n%s", conf)
	}
	phone := attach(t, l, "phone", inet, "p1", "198.51.100.1/24", "198.51.100.10/24")
	wgQuick(t, phone, "wg", conf)
	eventually(t, "phone -> IPv6 internet host through the tunnel, seen as the router's wan IPv6 address",
		func() lab.Result { return phone.TCP(echo6("2001:db8:2::80"), "") }, "2001:db8:1::2")

	// A port forward on wan works over IPv6 too: web6 -> the router's wan
	// IPv6 address -> the phone, which sees the router's tunnel address.
	phone.ServeTCPEcho("[::]:" + echoPort)
	r.Wgowrt("expose", "--peer", "phone", "--port", "8080:"+echoPort, "--on", "wan")
	r.Settle()
	eventually(t, "web6 -> [2001:db8:1::2]:8080 reaches the phone's service, which sees the router's tunnel IPv6 address",
		func() lab.Result { return web6.TCP("[2001:db8:1::2]:8080", "") }, "fd12:3456:789a:ff00::1")

	// The underlay can be IPv6 too: a laptop with IPv6 only reaches the
	// router's wan IPv6 address (Allow-WireGuard has no family).
	laptop := l.NS("laptop6")
	l.Link(inet, "p2", laptop, "eth0")
	inet.MustRun("ip", "-6", "addr", "add", "2001:db8:4::1/64", "dev", "p2", "nodad")
	laptop.MustRun("ip", "-6", "addr", "add", "2001:db8:4::10/64", "dev", "eth0", "nodad")
	laptop.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:4::1")
	site.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	conf6 := r.Wgowrt("peer", "add", "laptop6", "--endpoint", "[2001:db8:1::2]:51820")
	wgQuick(t, laptop, "wg6", conf6)
	eventually(t, "IPv6-only laptop -> IPv4 LAN host through a tunnel over IPv6",
		func() lab.Result { return laptop.TCP(lanHostEcho, "") }, "10.8.0.3")

	// The broken variant: without the wan masquerade the phone's ULA
	// source leaves as it is, and no answer finds its way back.
	r.UCI("delete firewall.wgowrt_wg0_wan_masq6")
	if _, _, err := r.Fw4("reload"); err != nil {
		t.Fatal(err)
	}
	expectBlocked(t, "phone -> IPv6 internet host without the wan masquerade", phone.TCP(echo6("2001:db8:2::80"), ""))
}

// TestClientFullTunnelIPv6: a full-tunnel client (`client import --mode
// full`, dual-stack provider file) sends the LAN's IPv6 through the
// tunnel, masqueraded to the tunnel's IPv6 address, while the router's
// own IPv6 stays on wan; with the tunnel down the LAN's IPv6 does not
// leak through wan. inet routes the LAN's ULA prefix back to the router's
// wan, so a leaked connection would be seen (with the LAN host's
// address) rather than lost.
//
//	lan host fd12:3456:789a::10 ── router (wan 2001:db8:1::2) ══ wg fd00:64::2 ══ prov ── web6 2001:db8:ffff::80
//	                                        └── inet 2001:db8:1::1 ── 2001:db8:3::1 ── prov 2001:db8:3::7
func TestClientFullTunnelIPv6(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet6(t, l)
	prov := attach(t, l, "prov", inet, "p1", "198.51.100.1/24", "198.51.100.7/24")
	for _, k := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
		if err := prov.Sysctl(k, "1"); err != nil {
			t.Fatal(err)
		}
	}
	inet.MustRun("ip", "-6", "addr", "add", "2001:db8:3::1/64", "dev", "p1", "nodad")
	prov.MustRun("ip", "-6", "addr", "add", "2001:db8:3::7/64", "dev", "eth0", "nodad")
	prov.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:3::1")
	inet.MustRun("ip", "-6", "route", "add", "2001:db8:ffff::/64", "via", "2001:db8:3::7")
	provPriv, _ := labKey("provider")
	_, routerPub := labKey("router")
	wgQuick(t, prov, "wgp", "[Interface]\nPrivateKey = "+provPriv+"\nListenPort = 51820\nAddress = 10.64.0.1/24, fd00:64::1/64\n\n[Peer]\nPublicKey = "+
		routerPub+"\nAllowedIPs = 10.64.0.2/32, fd00:64::2/128\n")
	web6 := l.NS("web6")
	l.Link(prov, "w1", web6, "eth0")
	prov.MustRun("ip", "-6", "addr", "add", "2001:db8:ffff::1/64", "dev", "w1", "nodad")
	web6.MustRun("ip", "-6", "addr", "add", "2001:db8:ffff::80/64", "dev", "eth0", "nodad")
	web6.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:ffff::1")
	web6.ServeTCPEcho("[::]:" + echoPort)

	dir := withWan6(t, stockConfig6(t, "192.168.1", "203.0.113", "fd12:3456:789a::/48"))
	site := buildSite(t, l, "router", dir, handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	inet.MustRun("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "r1", "nodad")
	inet.MustRun("ip", "-6", "route", "add", "fd12:3456:789a::/48", "via", "2001:db8:1::2")
	addLan6(site.lanHost, lan6Host+"/64", lan6Router)
	r := site.r
	file := strings.Replace(providerFile("10.64.0.2/32, fd00:64::2/128"), "AllowedIPs = 0.0.0.0/0", "AllowedIPs = 0.0.0.0/0, ::/0", 1)
	path := filepath.Join(t.TempDir(), "wgc.conf")
	writeFile(t, path, file)
	r.Copy(path, "/tmp/")
	r.Wgowrt("client", "import", "/tmp/wgc.conf", "--mode", "full", "--lan", "masquerade")
	r.Settle("wgc")

	eventually(t, "LAN host -> IPv6 internet through the tunnel, seen as the tunnel's IPv6 address",
		func() lab.Result { return site.lanHost.TCP(echo6("2001:db8:ffff::80"), "") }, "fd00:64::2")
	expectReached(t, "the router's own IPv6 stays on wan (control: the wan path to web6 exists)",
		r.TCP(echo6("2001:db8:ffff::80"), ""), "2001:db8:1::2")
	r.MustExec("ifdown", "wgc")
	time.Sleep(500 * time.Millisecond) // hotplug's ifdown handlers (fw4 reload)
	expectBlocked(t, "LAN host -> IPv6 internet with the tunnel down (no leak through wan)",
		site.lanHost.TCP(echo6("2001:db8:ffff::80"), ""))

	// The broken variant: without the unreachable ::/0 in the tunnel's
	// table the LAN's lookup falls through to main, and IPv6 leaks.
	table := strings.TrimSpace(r.MustExec("uci", "get", "network.wgc.ip6table"))
	r.MustRun("ip", "-6", "route", "del", "unreachable", "::/0", "table", table)
	eventually(t, "LAN host -> IPv6 internet leaks through wan without the unreachable route (the leak path is real)",
		func() lab.Result { return site.lanHost.TCP(echo6("2001:db8:ffff::80"), "") }, lan6Host)
}

// TestSiteHubIPv6: site_role_test.go's hub over IPv6: C reaches B through
// A over IPv6 with its own address, which takes the hub's relay rule
// (its address lists mix IPv4 and IPv6) and the invitations' IPv6
// prefixes of the sites behind the hub.
func TestSiteHubIPv6(t *testing.T) {
	t.Parallel()
	l := lab.New(t)
	inet := internet(t, l)
	mk := func(name, n, wan, ula, inetDev string) *routerSite {
		s := buildSite(t, l, name, stockConfig6(t, "192.168."+n, wan, ula), handler, inet, stockWiring(inetDev, wan+".1/24", "192.168."+n+".10/24", "192.168."+n+".1"))
		p := strings.TrimSuffix(ula, "/48")
		addLan6(s.lanHost, p+"10/64", p+"1")
		s.r.Wgowrt("server", "init", "--endpoint", wan+".2", "--lan-access", "none")
		return s
	}
	b := mk("siteb", "2", "198.51.100", "fd12:3456:789b::/48", "rb")
	c := mk("sitec", "3", "192.0.2", "fd12:3456:789c::/48", "rc")
	a := mk("sitea", "1", "203.0.113", "fd12:3456:789a::/48", "ra")
	for _, s := range []*routerSite{a, b, c} {
		s.r.FollowAdvice()
		s.r.Settle("wg0")
	}
	a.r.Wgowrt("site", "add", "siteb", "--endpoint", "198.51.100.2:51820", "--public-key", publicKey(t, b.r),
		"--remote-subnet", "192.168.2.0/24", "--remote-subnet", "fd12:3456:789b::/60")
	a.r.Wgowrt("site", "add", "sitec", "--endpoint", "192.0.2.2:51820", "--public-key", publicKey(t, c.r),
		"--remote-subnet", "192.168.3.0/24", "--remote-subnet", "fd12:3456:789c::/60")
	runLine(t, b.r, a.r.Wgowrt("site", "invite", "siteb", "--as", "hub"))
	runLine(t, c.r, a.r.Wgowrt("site", "invite", "sitec", "--as", "hub"))
	for _, s := range []*routerSite{a, b, c} {
		s.r.FollowAdvice()
		s.r.Settle("wg0")
		s.lanHost.ServeTCPEcho("[::]:" + echoPort)
	}
	eventually(t, "lan C -> lan B over IPv6 through the hub keeps its address",
		func() lab.Result { return c.lanHost.TCP(echo6("fd12:3456:789b::10"), "") }, "fd12:3456:789c::10")
	eventually(t, "lan B -> lan C over IPv6 through the hub keeps its address",
		func() lab.Result { return b.lanHost.TCP(echo6("fd12:3456:789c::10"), "") }, "fd12:3456:789b::10")
	eventually(t, "control: lan C -> lan B over IPv4 through the hub",
		func() lab.Result { return c.lanHost.TCP("192.168.2.10:"+echoPort, "") }, "192.168.3.10")
}
