package netns

import (
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// The server role (issue 4) end to end on the real OpenWrt stack:
// examples/router booted in the oracle (real netifd, fw4, ubus), made a
// WireGuard server by its own wgowrt (`wgowrt server init --endpoint
// 203.0.113.2 ...` run inside the router, which reloads netifd and the
// firewall through ubus), peers added with `wgowrt peer add` there, and
// every peer brought up from the wg-quick config that `peer add` printed.
//
//	┌──────────────┐  ┌─────────────────────────┐  ┌──────────────────┐  ┌──────────────────────────┐
//	│ lanhost      │  │ router (owrt-ns)        │  │ inet             │  │ phone  198.51.100.10     │
//	│ 192.168.1.10 ├──┤ br-lan 192.168.1.1      │  │ 203.0.113.1/24   │  │ phone2 100.64.1.10       │
//	│ gw .1, echo  │  │ wan 203.0.113.2 ────────┼──┤ one /24 per host ├──┤ tablet 100.64.2.10       │
//	└──────────────┘  │ wg0 10.8.0.1/24 :51820  │  └────────┬─────────┘  │ spoke  100.64.3.10       │
//	                  └─────────────────────────┘           │            │   └ lan 192.168.50.1/24 ─┐ │
//	                                                 ┌──────┴───────┐    └────────────────────────┼─┘
//	                                                 │ web          │    ┌──────────────────┐     │
//	                                                 │ 192.0.2.80   │    │ spokelan         ├─────┘
//	                                                 └──────────────┘    │ 192.168.50.10    │
//	                                                                     └──────────────────┘
//
// Every peer and host serves the TCP echo, so a probe shows the address
// the far side saw: a peer's tunnel address when routed, the router's LAN
// address when masqueraded to the LAN, its wan address on the internet.
type serverLab struct {
	site  *routerSite
	web   *lab.NS
	peers map[string]*serverPeer
}

// serverPeer is one `peer add` result running in its own namespace.
type serverPeer struct {
	ns     *lab.NS
	tunnel string // the IPv4 Address of its printed config
}

// peerUplinks places each peer on its own internet segment:
// inet's device, inet's address, the peer's address.
var peerUplinks = map[string][3]string{
	"phone":  {"p1", "198.51.100.1/24", "198.51.100.10/24"},
	"phone2": {"p2", "100.64.1.1/24", "100.64.1.10/24"},
	"tablet": {"p3", "100.64.2.1/24", "100.64.2.10/24"},
	"spoke":  {"p4", "100.64.3.1/24", "100.64.3.10/24"},
}

const (
	webEcho      = "192.0.2.80:" + echoPort
	lanHostEcho  = "192.168.1.10:" + echoPort
	spokeLanEcho = "192.168.50.10:" + echoPort
	routerWAN    = "203.0.113.2"
	routerLAN    = "192.168.1.1"
)

// newServerLab boots examples/router, runs `server init` with initArgs and
// `peer add` with each of peers (name first) on it, then starts the peers.
func newServerLab(t *testing.T, initArgs []string, peers ...[]string) *serverLab {
	l := lab.New(t)
	inet := internet(t, l)
	s := &serverLab{peers: map[string]*serverPeer{}}
	s.web = attach(t, l, "web", inet, "w1", "192.0.2.1/24", "192.0.2.80/24")
	s.web.ServeTCPEcho("0.0.0.0:" + echoPort)
	s.site = buildSite(t, l, "router", exampleConfig(t, "", ""), handler, inet, boardWiring("r1", "203.0.113.1/24", "192.168.1.10/24", routerLAN))
	s.site.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	r := s.site.r
	r.Wgowrt(append([]string{"server", "init", "--endpoint", routerWAN}, initArgs...)...)
	// As a user would: wait for the new tunnel before adding peers. (A
	// peer added while netifd is still setting wg0 up is lost: the
	// 24.10 handler already read the config and its `wg setconf`
	// replaces what wgowrt pushed.)
	r.Settle("wg0")
	r.FollowAdvice()
	confs := map[string]string{}
	for _, p := range peers {
		confs[p[0]] = r.Wgowrt(append([]string{"peer", "add"}, p...)...)
	}
	// On 24.10 a peer with routes (--route) asks for `ifup wg0`: netifd
	// installs them only when wg0 comes up.
	r.FollowAdvice()
	r.Settle("wg0")
	for _, p := range peers {
		s.peers[p[0]] = s.startPeer(t, l, inet, p[0], confs[p[0]])
	}
	return s
}

// startPeer brings up the printed config conf in a new namespace. The
// spoke also gets its LAN (192.168.50.0/24, the --route given to peer add)
// and forwards between it and the tunnel.
func (s *serverLab) startPeer(t *testing.T, l *lab.Lab, inet *lab.NS, name, conf string) *serverPeer {
	t.Helper()
	up, ok := peerUplinks[name]
	if !ok {
		t.Fatalf("no uplink for peer %s", name)
	}
	ns := attach(t, l, name, inet, up[0], up[1], up[2])
	wgQuick(t, ns, "wg", conf)
	ns.ServeTCPEcho("0.0.0.0:" + echoPort)
	if name == "spoke" {
		if err := ns.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
			t.Fatal(err)
		}
		lan := l.NS("spokelan")
		l.Link(ns, "lan", lan, "eth0")
		ns.MustRun("ip", "addr", "add", "192.168.50.1/24", "dev", "lan")
		lan.MustRun("ip", "addr", "add", "192.168.50.10/24", "dev", "eth0")
		lan.MustRun("ip", "route", "add", "default", "via", "192.168.50.1")
		lan.ServeTCPEcho("0.0.0.0:" + echoPort)
	}
	return &serverPeer{ns: ns, tunnel: tunnelIPv4(t, conf)}
}

// tunnelIPv4 is the IPv4 entry of the config's Address line.
func tunnelIPv4(t *testing.T, conf string) string {
	t.Helper()
	for _, line := range strings.Split(conf, "\n") {
		k, v, _ := strings.Cut(line, "=")
		if strings.TrimSpace(k) != "Address" {
			continue
		}
		for _, a := range strings.Split(v, ",") {
			if p, err := lab.ParsePrefix(strings.TrimSpace(a)); err == nil && p.Addr().Is4() {
				return p.Addr().String()
			}
		}
	}
	t.Fatalf("no IPv4 Address in the printed config:\n%s", conf)
	return ""
}

func (s *serverLab) echo(peer string) string { return s.peers[peer].tunnel + ":" + echoPort }

func TestServerRoleRoutedInternetClientToClient(t *testing.T) {
	t.Parallel()
	s := newServerLab(t, []string{"--lan-access", "routed", "--internet", "--client-to-client"},
		[]string{"phone"}, []string{"phone2"}, []string{"tablet", "--keepalive", "0", "--tunnel", "split"},
		[]string{"spoke", "--route", "192.168.50.0/24"})
	phone, phone2 := s.peers["phone"], s.peers["phone2"]

	eventually(t, "phone -> LAN host, seen with its tunnel address (routed)", func() lab.Result { return phone.ns.TCP(lanHostEcho, "") }, phone.tunnel)
	eventually(t, "phone -> host beyond wan, seen as the router's wan address (--internet)", func() lab.Result { return phone.ns.TCP(webEcho, "") }, routerWAN)
	eventually(t, "phone -> phone2 through the router (--client-to-client)", func() lab.Result { return phone.ns.TCP(s.echo("phone2"), "") }, phone.tunnel)
	eventually(t, "phone2 -> phone through the router (--client-to-client)", func() lab.Result { return phone2.ns.TCP(s.echo("phone"), "") }, phone2.tunnel)
	// A peer to another peer's subnet is vpn -> vpn forwarding, which
	// --client-to-client opens.
	eventually(t, "phone -> the spoke's LAN (peer add --route)", func() lab.Result { return phone.ns.TCP(spokeLanEcho, "") }, phone.tunnel)

	// The tablet is up (config applied, link up) but sent nothing: no
	// keepalive, no traffic, so no handshake. (Split tunnel: with ::/0 in
	// AllowedIPs the kernel's IPv6 router solicitation on the new link
	// would already be tunnel traffic and start a handshake.)
	if st := peerStates(t, s.site.r, "wg0"); st["phone"] != "active" || st["tablet"] != "never" {
		t.Errorf("status: phone %q, tablet %q; want active and never (all: %v)", st["phone"], st["tablet"], st)
	}
	// Control: the same status reports the tablet active once it pings.
	eventually(t, "tablet -> router's tunnel address", func() lab.Result { return s.peers["tablet"].ns.Ping("10.8.0.1") }, "")
	if st := peerStates(t, s.site.r, "wg0"); st["tablet"] != "active" {
		t.Errorf("status after the tablet pinged: tablet %q, want active (all: %v)", st["tablet"], st)
	}
}

// TestServerRoleMasqueradeAlone: without --internet and --client-to-client
// the peers (full tunnels, so they do send everything to the router) reach
// the LAN as the router, and nothing else. Each refusal has a control in
// the same lab showing the target is there and answering.
func TestServerRoleMasqueradeAlone(t *testing.T) {
	t.Parallel()
	s := newServerLab(t, []string{"--lan-access", "masquerade"},
		[]string{"phone", "--tunnel", "full"}, []string{"phone2", "--tunnel", "full"})
	phone := s.peers["phone"]

	eventually(t, "phone -> LAN host, seen as the router's LAN address (masquerade)", func() lab.Result { return phone.ns.TCP(lanHostEcho, "") }, routerLAN)

	expectReached(t, "control: LAN host -> host beyond wan", s.site.lanHost.TCP(webEcho, ""), routerWAN)
	expectBlocked(t, "phone -> host beyond wan without --internet", phone.ns.TCP(webEcho, ""))

	eventually(t, "control: router -> phone2's tunnel address", func() lab.Result { return s.site.ns.TCP(s.echo("phone2"), "") }, "10.8.0.1")
	expectBlocked(t, "phone -> phone2 without --client-to-client", phone.ns.TCP(s.echo("phone2"), ""))
}

// TestServerRoleNoLANAccess: --lan-access none. The phone routes the LAN
// into the tunnel (full tunnel) and the LAN host routes back through the
// router (its gateway), the same as in the routed test where this probe
// reaches; only the router's vpn zone stops it.
func TestServerRoleNoLANAccess(t *testing.T) {
	t.Parallel()
	s := newServerLab(t, []string{"--lan-access", "none"}, []string{"phone", "--tunnel", "full"})
	phone := s.peers["phone"]
	eventually(t, "control: phone -> router's tunnel address", func() lab.Result { return phone.ns.Ping("10.8.0.1") }, "")
	expectReached(t, "control: router -> LAN host", s.site.ns.TCP(lanHostEcho, ""), routerLAN)
	expectBlocked(t, "phone -> LAN host with --lan-access none", phone.ns.TCP(lanHostEcho, ""))
}
