package fleet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// stockConfig is the CLI goldens' stock router (lan br-lan on veth-lan
// 192.168.1.1/24, wan veth-wan 203.0.113.2/24, fw4's default zones).
const stockConfig = "../../internal/cli/testdata/wg/roots/stock/etc/config"

// routerConfig is the stock router renumbered for n, with a firewall rule
// that lets the controller (n's WAN .1) in on SSH, as a fleet managed
// over the WAN needs; branch3 also gets its 44Net block on net44 (in the
// lan zone).
func routerConfig(t *testing.T, n node) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join(stockConfig, f))
		if err != nil {
			t.Fatal(err)
		}
		files[f] = strings.ReplaceAll(strings.ReplaceAll(string(b), "192.168.1.", n.lan+"."), "203.0.113.", n.wan+".")
	}
	files["firewall"] += fmt.Sprintf("\nconfig rule\n\toption name 'Allow-SSH-controller'\n\toption src 'wan'\n\toption src_ip '%s.1'\n\toption proto 'tcp'\n\toption dest_port '22'\n\toption target 'ACCEPT'\n", n.wan)
	if n.name == "branch3" {
		files["network"] += fmt.Sprintf("\nconfig interface 'net44'\n\toption device 'veth-44'\n\toption proto 'static'\n\toption ipaddr '%s.1'\n\toption netmask '255.255.255.0'\n", net44)
		zone := "\tlist network 'lan'\n"
		if !strings.Contains(files["firewall"], zone) {
			t.Fatalf("%s/firewall: no %q to add net44 to", stockConfig, zone)
		}
		files["firewall"] = strings.Replace(files["firewall"], zone, zone+"\tlist network 'net44'\n", 1)
	}
	for f, text := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// bootRouter starts router n (with its WireGuard handler) with its WAN
// cabled to ctl and a host on each of its LANs serving TCP echo (added to
// hosts), and waits until netifd has its interfaces up.
func bootRouter(t *testing.T, l *lab.Lab, ctl *lab.NS, n node, i int, hosts map[string]*lab.NS) *lab.Router {
	t.Helper()
	r := l.Router(n.name, routerConfig(t, n), n.handler)
	dev := fmt.Sprintf("rw%d", i)
	l.Link(r.NS, "veth-wan", ctl, dev)
	ctl.MustRun("ip", "addr", "add", n.wan+".1/24", "dev", dev)
	hosts[n.name+"-lan"] = lanHost(l, r, n.name+"-lan", "veth-lan", n.lan)
	ifaces := []string{"lan", "wan"}
	if n.name == "branch3" {
		hosts["branch3-44"] = lanHost(l, r, "branch3-44", "veth-44", net44)
		ifaces = append(ifaces, "net44")
	}
	r.Start(ifaces...)
	return r
}

// lanHost is a host at prefix.10/24 cabled to r's dev, its default route
// via the router (prefix.1), serving TCP echo on port 7007.
func lanHost(l *lab.Lab, r *lab.Router, name, dev, prefix string) *lab.NS {
	h := l.NS(name)
	l.Link(r.NS, dev, h, "eth0")
	h.MustRun("ip", "addr", "add", prefix+".10/24", "dev", "eth0")
	h.MustRun("ip", "route", "add", "default", "via", prefix+".1")
	h.ServeTCPEcho("0.0.0.0:7007")
	return h
}
