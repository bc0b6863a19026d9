package netns

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// echoPort is where every lab host serves its TCP/UDP echo.
const echoPort = "7"

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

// router builds an OpenWrt router from testdata/<dir>: veth-wan to the
// internet (wanGW on the internet side), veth-lan bridged into br-lan with a
// LAN host at lanHost (CIDR, gateway = the router's LAN address lanGW).
type routerSite struct {
	ns      *lab.NS
	lanHost *lab.NS
	r       *realize.Router
}

func buildRouter(t *testing.T, l *lab.Lab, name string, cfg realize.Config, inet *lab.NS, inetDev, wanGW, lanHost, lanGW string) *routerSite {
	t.Helper()
	ns := l.NS(name)
	l.Link(ns, "veth-wan", inet, inetDev)
	inet.MustRun("ip", "addr", "add", wanGW, "dev", inetDev)
	host := l.NS(name + "-lan")
	l.Link(ns, "veth-lan", host, "eth0")
	host.MustRun("ip", "addr", "add", lanHost, "dev", "eth0")
	host.MustRun("ip", "route", "add", "default", "via", lanGW)
	r, err := realize.Realize(ns, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &routerSite{ns: ns, lanHost: host, r: r}
}

// boardPorts are the switch ports of examples/router's board (DSA names).
var boardPorts = []string{"wan", "lan1", "lan2", "lan3", "lan4"}

// buildBoard is buildRouter for a config that names the board's own ports,
// as examples/router does: wan is cabled to inet (inetDev on inet's side,
// with wanGW), whose DHCP server hands the router lease; lan1 is cabled to
// a LAN host (lanHost, gateway lanGW); lan2..lan4 exist, as on the board,
// with nothing plugged in: veths whose other ends wait, down, in a spare
// namespace, so the ports have no carrier.
func buildBoard(t *testing.T, l *lab.Lab, name string, cfg realize.Config, inet *lab.NS, inetDev, wanGW string, lease realize.Lease, lanHost, lanGW string) *routerSite {
	t.Helper()
	ns := l.NS(name)
	l.Link(ns, "wan", inet, inetDev)
	inet.MustRun("ip", "addr", "add", wanGW, "dev", inetDev)
	host := l.NS(name + "-lan")
	l.Link(ns, "lan1", host, "eth0")
	spare := l.NS(name + "-nc")
	for _, p := range boardPorts[2:] {
		ns.MustRun("ip", "link", "add", p, "type", "veth", "peer", "name", p, "netns", spare.Path)
	}
	host.MustRun("ip", "addr", "add", lanHost, "dev", "eth0")
	host.MustRun("ip", "route", "add", "default", "via", lanGW)
	r, err := realize.RealizeIn(ns, cfg, realize.Env{Leases: map[string]realize.Lease{"wan": lease}})
	if err != nil {
		t.Fatal(err)
	}
	return &routerSite{ns: ns, lanHost: host, r: r}
}

// exampleRouter is the repository's examples/router tree (a stock OpenWrt
// 24.10 router) with testdata/<dir>'s network and firewall appended.
func exampleRouter(t *testing.T, dir string) realize.Config {
	t.Helper()
	base, err := realize.ReadConfigDir("../../examples/router/etc/config")
	if err != nil {
		t.Fatal(err)
	}
	add := readConfig(t, dir)
	return realize.Config{
		Network:  append(append(base.Network, '\n'), add.Network...),
		Firewall: append(append(base.Firewall, '\n'), add.Firewall...),
	}
}

func readConfig(t *testing.T, dir string) realize.Config {
	t.Helper()
	c, err := realize.ReadConfigDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withoutSection removes one hand-written block (exact text) from a config
// file, failing if it is not there, to build deliberately broken variants.
func withoutSection(t *testing.T, data []byte, block string) []byte {
	t.Helper()
	s := string(data)
	if !strings.Contains(s, block) {
		t.Fatalf("block not found:\n%s", block)
	}
	return []byte(strings.Replace(s, block, "", 1))
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
