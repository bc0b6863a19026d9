package netns

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// echoPort is where every lab host serves its TCP/UDP echo.
const echoPort = "7"

// handler is the WireGuard proto handler the lab's routers run unless a
// test says otherwise: 24.10, what most routers in the field have.
const handler = "24.10"

// internet returns the namespace in the middle of every topology, routing
// between the segments attached to it.
func internet(t *testing.T, l *lab.Lab) *lab.NS {
	t.Helper()
	inet := l.NS("inet")
	if err := inet.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	return inet
}

// internet6 is internet forwarding IPv6 too.
func internet6(t *testing.T, l *lab.Lab) *lab.NS {
	t.Helper()
	inet := internet(t, l)
	if err := inet.Sysctl("net.ipv6.conf.all.forwarding", "1"); err != nil {
		t.Fatal(err)
	}
	return inet
}

// attach links a new host namespace to upstream: the host gets eth0 with
// addr (CIDR) and a default route via gw; upstream gets dev with gwCIDR.
func attach(t *testing.T, l *lab.Lab, name string, upstream *lab.NS, dev, gwCIDR, addr string) *lab.NS {
	t.Helper()
	h := l.NS(name)
	l.Link(upstream, dev, h, "eth0")
	if gwCIDR != "" {
		upstream.MustRun("ip", "addr", "add", gwCIDR, "dev", dev)
	}
	h.MustRun("ip", "addr", "add", addr, "dev", "eth0")
	gw, _, _ := strings.Cut(gwCIDR, "/")
	h.MustRun("ip", "route", "add", "default", "via", gw)
	return h
}

// routerSite is an OpenWrt router of the lab (real netifd and fw4, see
// lab.Router) with one host on its LAN.
type routerSite struct {
	r       *lab.Router
	ns      *lab.NS // r's namespace
	lanHost *lab.NS
}

// siteWiring says which of the router's ports are cabled where.
type siteWiring struct {
	wanDev, lanDev string // the router's port names (its config's devices)
	inetDev, wanGW string // inet's end of the wan cable and its address (CIDR)
	lanHost, lanGW string // the LAN host's address (CIDR) and its gateway
}

// stockWiring is the stock root's ports (veth-wan, veth-lan in br-lan).
func stockWiring(inetDev, wanGW, lanHost, lanGW string) siteWiring {
	return siteWiring{"veth-wan", "veth-lan", inetDev, wanGW, lanHost, lanGW}
}

// boardWiring is examples/router's board: wan, and lan1 of lan1..lan4
// (the other ports are created by owrt-ns as unplugged veths).
func boardWiring(inetDev, wanGW, lanHost, lanGW string) siteWiring {
	return siteWiring{"wan", "lan1", inetDev, wanGW, lanHost, lanGW}
}

// buildSite boots a router from cfgDir with the given handler, cables it
// as w says, starts rpcd, fw4 and netifd, and waits for lan and wan.
func buildSite(t *testing.T, l *lab.Lab, name, cfgDir, handler string, inet *lab.NS, w siteWiring) *routerSite {
	t.Helper()
	r := l.Router(name, cfgDir, handler)
	l.Link(r.NS, w.wanDev, inet, w.inetDev)
	inet.MustRun("ip", "addr", "add", w.wanGW, "dev", w.inetDev)
	host := l.NS(name + "-lan")
	l.Link(r.NS, w.lanDev, host, "eth0")
	host.MustRun("ip", "addr", "add", w.lanHost, "dev", "eth0")
	host.MustRun("ip", "route", "add", "default", "via", w.lanGW)
	r.Start("lan", "wan")
	return &routerSite{r: r, ns: r.NS, lanHost: host}
}

// stockRoot is the stock router the CLI's golden scenarios start from
// (veth-lan in br-lan 192.168.1.1/24, veth-wan 203.0.113.2/24).
const stockRoot = "../../internal/cli/testdata/wg/roots/stock"

// stockConfig copies the stock router's /etc/config, renumbering its LAN
// to lan ("192.168.2") and its wan segment to wan ("198.51.100"; the
// router is .2, the upstream gateway .1); extraFirewall is appended.
func stockConfig(t *testing.T, lan, wan, extraFirewall string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join(stockRoot, "etc/config", f))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "192.168.1.", lan+".")
		s = strings.ReplaceAll(s, "203.0.113.", wan+".")
		if f == "firewall" {
			s += extraFirewall
		}
		writeFile(t, filepath.Join(dir, f), s)
	}
	return dir
}

// exampleConfig copies examples/router/etc/config (a stock OpenWrt 24.10
// router) with wan made static 203.0.113.2/24 via 203.0.113.1: the oracle
// has no DHCP client (udhcpc), so this is the lease the ISP would give.
// extraNetwork and extraFirewall are appended.
func exampleConfig(t *testing.T, extraNetwork, extraFirewall string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join("../../examples/router/etc/config", f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if f == "network" {
			const dhcp = "config interface 'wan'\n\toption device 'wan'\n\toption proto 'dhcp'\n"
			if !strings.Contains(s, dhcp) {
				t.Fatalf("examples/router: no DHCP wan to replace")
			}
			s = strings.Replace(s, dhcp, "config interface 'wan'\n\toption device 'wan'\n\toption proto 'static'\n"+
				"\toption ipaddr '203.0.113.2'\n\toption netmask '255.255.255.0'\n\toption gateway '203.0.113.1'\n", 1)
			s += extraNetwork
		} else {
			s += extraFirewall
		}
		writeFile(t, filepath.Join(dir, f), s)
	}
	return dir
}

// testdataConfig copies testdata/<dir> (hand-written network and firewall).
func testdataConfig(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join("testdata", dir, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(out, f), string(b))
	}
	return out
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func wgQuick(t *testing.T, ns *lab.NS, ifname, conf string) *lab.WGDevice {
	t.Helper()
	d, err := ns.WGQuick(ifname, conf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func expectReached(t *testing.T, what string, r lab.Result, seenIP string) {
	t.Helper()
	if r.Outcome != lab.Reached {
		t.Errorf("%s: %v, want reached", what, r)
		return
	}
	if seenIP != "" && r.SeenIP() != seenIP {
		t.Errorf("%s: seen as %s, want %s", what, r.SeenIP(), seenIP)
	}
}

func expectBlocked(t *testing.T, what string, r lab.Result) {
	t.Helper()
	if r.Outcome == lab.Reached {
		t.Errorf("%s: reached (seen as %s), want blocked", what, r.Seen)
	}
}
