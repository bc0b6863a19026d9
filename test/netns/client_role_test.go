package netns

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// The client role end to end on the real OpenWrt stack: the stock router
// booted in the oracle (real netifd, fw4), its own wgowrt importing a
// provider's wg-quick file (`wgowrt client import`, and `gateway add`)
// and applying it through ubus; then checked with packets.
//
//	┌──────────────┐   ┌──────────────────────────┐   ┌────────────────────┐   ┌──────────────────────────┐
//	│ lan host     │   │ router (owrt-ns, set up  │   │ inet (rp_filter=1) │   │ prov (wg-quick)          │
//	│ 192.168.1.10 ├───┤ wgowrt's config)         │   │ 203.0.113.1/24     │   │ eth0 198.51.100.7        │
//	└──────────────┘   │ veth-wan 203.0.113.2 ────┼───┤ 198.51.100.1/24 ───┼───┤ wgp 10.64.0.1/24         │
//	┌──────────────┐   │ tunnel to prov           │   │ 192.0.2.1/24 ──┐   │   │ routes into the tunnel:  │
//	│ pub (gateway)│   │ eth3 44.27.132.9/29      │   │ 100.64.0.1/24 ─┼─┐ │   │ 10.64.0.2, 44.27.133.17, │
//	│ 44.27.132.10 ├───┤                          │   └────────────────┼─┼─┘   │ 44.27.132.8/29           │
//	└──────────────┘   └──────────────────────────┘   ┌────────────────┴┐│     └──────────────────────────┘
//	                                                  │ web 192.0.2.80  ││ ┌──────────────────┐
//	                                                  │ echo :7 (split) │└─┤ other 100.64.0.80│
//	                                                  └─────────────────┘  └──────────────────┘
//
// inet routes the tunnel addresses (10.64.0.2, the /32, the /29) to prov
// only, and filters by reverse path as an ISP does: a packet with a tunnel
// source leaking out of the router's wan is dropped, and one masqueraded
// to 203.0.113.2 shows up as that address. So the address a server sees
// tells which way a connection went.

const (
	webAddr   = "192.0.2.80:" + echoPort
	otherAddr = "100.64.0.80:" + echoPort
	wanIP     = "203.0.113.2"
)

// labKey derives a fixed key pair from a label.
func labKey(label string) (priv, pub string) {
	k := wg.NewPrivateKey(sha256.Sum256([]byte("wgowrt lab " + label)))
	return k.String(), k.PublicKey().String()
}

// providerFile is what the provider hands the router: address, keys,
// everything through the tunnel, with hooks that have no UCI meaning.
func providerFile(address string) string {
	priv, _ := labKey("router")
	_, provPub := labKey("provider")
	return "[Interface]\nPrivateKey = " + priv + "\nAddress = " + address + "\nDNS = 10.64.0.1\n" +
		"PostUp = logger up\n\n[Peer]\nPublicKey = " + provPub +
		"\nAllowedIPs = 0.0.0.0/0\nEndpoint = 198.51.100.7:51820\nPersistentKeepalive = 5\n"
}

// providerConf terminates the tunnel and routes the router's public /32
// and /29 into it.
func providerConf() string {
	priv, _ := labKey("provider")
	_, routerPub := labKey("router")
	return "[Interface]\nPrivateKey = " + priv + "\nListenPort = 51820\nAddress = 10.64.0.1/24\n\n[Peer]\nPublicKey = " +
		routerPub + "\nAllowedIPs = 10.64.0.2/32, 44.27.133.17/32, 44.27.132.8/29\n"
}

// labSSH stands in for the SSH access the owner keeps on wan: the echo
// port is open to the router from wan.
const labSSH = "\nconfig rule\n\toption name 'Allow-SSH-lab'\n\toption src 'wan'\n\toption proto 'tcp'\n\toption dest_port '" + echoPort + "'\n\toption target 'ACCEPT'\n"

// clientLab is the topology above around a router booted from the stock
// config plus labSSH, configured by its own wgowrt.
type clientLab struct {
	r                                      *lab.Router
	router, lanHost, pub, web, other, inet *lab.NS
	iface                                  string
}

// newClientLab boots the router, cables it (eth3 to the /29 host pub when
// gateway), imports file (named name, so the interface is name without
// .conf) with args inside the router, runs each extra wgowrt command
// there, and waits until netifd has the tunnel up.
func newClientLab(t *testing.T, name, file string, args []string, gateway bool, extra ...[]string) *clientLab {
	l := lab.New(t)
	inet := internet(t, l)
	if err := inet.Sysctl("net.ipv4.conf.all.rp_filter", "1"); err != nil {
		t.Fatal(err)
	}
	prov := attach(t, l, "prov", inet, "p1", "198.51.100.1/24", "198.51.100.7/24")
	if err := prov.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	wgQuick(t, prov, "wgp", providerConf())
	for _, p := range []string{"10.64.0.0/24", "44.27.133.17/32", "44.27.132.8/29"} {
		inet.MustRun("ip", "route", "add", p, "via", "198.51.100.7")
	}
	cl := &clientLab{inet: inet, iface: strings.TrimSuffix(name, ".conf")}
	cl.web = attach(t, l, "web", inet, "w1", "192.0.2.1/24", "192.0.2.80/24")
	cl.web.ServeTCPEcho("0.0.0.0:" + echoPort)
	cl.other = attach(t, l, "other", inet, "o1", "100.64.0.1/24", "100.64.0.80/24")
	cl.other.ServeTCPEcho("0.0.0.0:" + echoPort)
	cl.r = l.Router("router", stockConfig(t, "192.168.1", "203.0.113", labSSH), handler)
	cl.router = cl.r.NS
	l.Link(cl.router, "veth-wan", inet, "r1")
	inet.MustRun("ip", "addr", "add", "203.0.113.1/24", "dev", "r1")
	cl.lanHost = l.NS("router-lan")
	l.Link(cl.router, "veth-lan", cl.lanHost, "eth0")
	cl.lanHost.MustRun("ip", "addr", "add", "192.168.1.10/24", "dev", "eth0")
	cl.lanHost.MustRun("ip", "route", "add", "default", "via", "192.168.1.1")
	if gateway {
		cl.pub = l.NS("pub")
		l.Link(cl.router, "eth3", cl.pub, "eth0")
		cl.pub.MustRun("ip", "addr", "add", "44.27.132.10/29", "dev", "eth0")
		cl.pub.MustRun("ip", "route", "add", "default", "via", "44.27.132.9")
	}
	cl.r.Start("lan", "wan")
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(file), 0600); err != nil {
		t.Fatal(err)
	}
	cl.r.Copy(path, "/tmp/")
	cl.r.Wgowrt(append([]string{"client", "import", "/tmp/" + name}, args...)...)
	for _, e := range extra {
		cl.r.Wgowrt(e...)
	}
	cl.r.Settle(cl.iface)
	cl.router.ServeTCPEcho("0.0.0.0:" + echoPort)
	cl.router.ServeTCPEcho("0.0.0.0:8")
	return cl
}

// tunnelDown is the tunnel failing: netifd takes the interface down
// (`ifdown`), with whatever it installed for it.
func (cl *clientLab) tunnelDown() {
	cl.r.MustExec("ifdown", cl.iface)
	time.Sleep(500 * time.Millisecond) // hotplug's ifdown handlers (fw4 reload)
}

func TestClientFullTunnel(t *testing.T) {
	t.Parallel()
	cl := newClientLab(t, "wgc.conf", providerFile("10.64.0.2/32"), []string{"--mode", "full", "--kill-switch"}, false)

	expectReached(t, "LAN host -> internet through the provider", cl.lanHost.TCP(webAddr, ""), "10.64.0.2")
	expectReached(t, "internet -> router's wan address (SSH stays reachable)", cl.web.TCP(wanIP+":"+echoPort, ""), "192.0.2.80")
	expectReached(t, "router's own traffic keeps using wan", cl.router.TCP(webAddr, ""), wanIP)

	cl.tunnelDown()
	expectBlocked(t, "LAN host -> internet with the tunnel down (kill switch)", cl.lanHost.TCP(webAddr, ""))
	expectReached(t, "internet -> router's wan address with the tunnel down", cl.web.TCP(wanIP+":"+echoPort, ""), "192.0.2.80")
}

// TestClientFullTunnelWithoutKillSwitch is the control of the kill switch:
// the same tunnel failure without it falls back to wan.
func TestClientFullTunnelWithoutKillSwitch(t *testing.T) {
	t.Parallel()
	cl := newClientLab(t, "wgc.conf", providerFile("10.64.0.2/32"), []string{"--mode", "full"}, false)
	expectReached(t, "LAN host -> internet through the provider", cl.lanHost.TCP(webAddr, ""), "10.64.0.2")
	cl.tunnelDown()
	expectReached(t, "LAN host -> internet falls back to wan", cl.lanHost.TCP(webAddr, ""), wanIP)
}

// TestClientFullTunnelLockoutControl shows what the policy routing is for:
// the same configuration with the tunnel's routes in main (no ip4table,
// as a plain route_allowed_ips client has) replaces wan's default route
// and the router no longer answers on wan.
func TestClientFullTunnelLockoutControl(t *testing.T) {
	t.Parallel()
	cl := newClientLab(t, "wgc.conf", providerFile("10.64.0.2/32"), []string{"--mode", "full"}, false)
	if got := cl.r.MustExec("uci", "get", "network.wgc.ip4table"); strings.TrimSpace(got) != "100" {
		t.Fatalf("network.wgc.ip4table = %q, want 100", got)
	}
	cl.r.UCI("delete network.wgc.ip4table")
	cl.r.MustExec("ubus", "call", "network", "reload")
	cl.r.Settle("wgc")
	expectBlocked(t, "internet -> router's wan address with the tunnel's default in main", cl.web.TCP(wanIP+":"+echoPort, ""))
}

func TestClientSplitTunnel(t *testing.T) {
	t.Parallel()
	cl := newClientLab(t, "wgc.conf", providerFile("10.64.0.2/32"), []string{"--mode", "split", "--allowed", "192.0.2.0/24", "--kill-switch"}, false)

	expectReached(t, "LAN host -> listed prefix through the provider", cl.lanHost.TCP(webAddr, ""), "10.64.0.2")
	expectReached(t, "LAN host -> anything else via wan", cl.lanHost.TCP(otherAddr, ""), wanIP)
	expectReached(t, "router -> listed prefix through the provider", cl.router.TCP(webAddr, ""), "10.64.0.2")
	expectReached(t, "router -> anything else via wan", cl.router.TCP(otherAddr, ""), wanIP)

	cl.tunnelDown()
	expectBlocked(t, "LAN host -> listed prefix with the tunnel down (kill switch)", cl.lanHost.TCP(webAddr, ""))
	expectReached(t, "LAN host -> anything else still via wan", cl.lanHost.TCP(otherAddr, ""), wanIP)
}

func TestClientSourceRouted(t *testing.T) {
	t.Parallel()
	cl := newClientLab(t, "wg44.conf", providerFile("44.27.133.17/32"), []string{"--mode", "source", "--allow", "tcp/" + echoPort}, false)
	source44(t, cl)
}

// source44 is what model 1 must do, alone or next to a gateway.
func source44(t *testing.T, cl *clientLab) {
	t.Helper()
	// inet drops a tunnel source arriving from the router's wan (rp_filter)
	// and the router's wan masquerades: an answer only arrives, from the
	// /32, if it went back through the tunnel.
	expectReached(t, "internet -> service on the router's /32", cl.web.TCP("44.27.133.17:"+echoPort, ""), "192.0.2.80")
	expectReached(t, "router sourcing from its /32 -> internet through the tunnel", cl.router.TCP(webAddr, "44.27.133.17"), "44.27.133.17")
	expectReached(t, "router's ordinary traffic via wan", cl.router.TCP(webAddr, ""), wanIP)
	expectReached(t, "LAN host's traffic via wan", cl.lanHost.TCP(webAddr, ""), wanIP)
	expectReached(t, "LAN host -> router's /32 (answer stays on the LAN)", cl.lanHost.TCP("44.27.133.17:"+echoPort, ""), "192.168.1.10")
	if r := cl.web.TCP("44.27.133.17:8", ""); r.Outcome != lab.Refused {
		t.Errorf("internet -> not allowed port on the /32: %v, want refused", r)
	}
}

func TestClientGateway44Net(t *testing.T) {
	t.Parallel()
	cl := newClientLab(t, "wg44.conf", providerFile("44.27.133.17/32"), []string{"--mode", "source", "--allow", "tcp/" + echoPort}, true,
		[]string{"gateway", "add", "--iface", "wg44", "--block", "44.27.132.8/29", "--lan-device", "eth3", "--allow", "tcp/" + echoPort})
	cl.pub.ServeTCPEcho("0.0.0.0:" + echoPort)
	cl.pub.ServeTCPEcho("0.0.0.0:8")

	expectReached(t, "internet -> allowed service on a /29 host (no NAT)", cl.web.TCP("44.27.132.10:"+echoPort, ""), "192.0.2.80")
	expectReached(t, "/29 host -> internet keeps its public address", cl.pub.TCP(webAddr, ""), "44.27.132.10")
	if r := cl.web.TCP("44.27.132.10:8", ""); r.Outcome != lab.Refused {
		t.Errorf("internet -> not allowed port on a /29 host: %v, want refused", r)
	}
	expectReached(t, "LAN host -> /29 host", cl.lanHost.TCP("44.27.132.10:"+echoPort, ""), "192.168.1.10")
	source44(t, cl)
}
