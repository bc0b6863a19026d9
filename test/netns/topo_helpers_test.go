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
