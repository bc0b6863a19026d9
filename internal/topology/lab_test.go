package topology

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// labNode is one router of the lab star: its LAN prefix, its wan segment.
type labNode struct{ name, lan, wan string }

var labStar = []labNode{{"hub", "192.168.1", "203.0.113"}, {"branch1", "192.168.11", "198.51.100"}, {"branch2", "192.168.12", "192.0.2"}}

// labRoot is the CLI goldens' stock router (veth-lan, veth-wan) renumbered.
func labRoot(t *testing.T, n labNode) string {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/config")
	os.MkdirAll(dir, 0o755)
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join("../cli/testdata/wg/roots/stock/etc/config", f))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(strings.ReplaceAll(string(b), "192.168.1.", n.lan+"."), "203.0.113.", n.wan+".")
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestLabStar: one file, a hub and two branches on the oracle's real
// netifd and fw4. Each router's /etc/config is what `topology apply`
// wrote; then a host on each branch LAN reaches the other branch's LAN
// through the hub with its own source address (no NAT). ~15 s; skipped
// without the oracle (owrt-ns preflight) unless WGOWRT_REQUIRE_PRIVILEGED=1.
func TestLabStar(t *testing.T) {
	lab.RequireOracle(t)
	top := &Topology{Tunnel: "10.99.0.0/24", Nodes: []Node{
		{Name: "hub", Address: "10.99.0.1", Endpoint: "203.0.113.2:51820", LAN: []string{"192.168.1.0/24"}},
		{Name: "branch1", Address: "10.99.0.11", LAN: []string{"192.168.11.0/24"}},
		{Name: "branch2", Address: "10.99.0.12", LAN: []string{"192.168.12.0/24"}},
	}, Links: []Link{{Type: LinkHubAndSpoke, Hub: "hub", Spokes: []string{"branch1", "branch2"}}}}
	data, _ := json.Marshal(top)
	top, _ = Parse(data)
	roots := map[string]*ops.Ops{}
	for _, n := range labStar {
		roots[n.name] = ops.New(labRoot(t, n))
		k, _, err := NodeKey(roots[n.name], "wg0", true)
		if err != nil {
			t.Fatal(err)
		}
		nd, _ := top.Node(n.name)
		nd.PublicKey = k.PublicKey().String()
	}
	if errs := top.Check(false); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, n := range labStar {
		if _, err := Apply(roots[n.name], top, n.name, false); err != nil {
			t.Fatal(err)
		}
	}
	l := lab.New(t)
	t.Cleanup(lab.RemoveWgowrtBinary)
	inet := l.NS("inet")
	if err := inet.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	hosts := map[string]*lab.NS{}
	var routers []*lab.Router
	for i, n := range labStar {
		r := l.Router(n.name, filepath.Join(roots[n.name].Root, "etc/config"), "24.10")
		dev := "ri" + string(rune('a'+i))
		l.Link(r.NS, "veth-wan", inet, dev)
		inet.MustRun("ip", "addr", "add", n.wan+".1/24", "dev", dev)
		h := l.NS(n.name + "-lan")
		l.Link(r.NS, "veth-lan", h, "eth0")
		h.MustRun("ip", "addr", "add", n.lan+".10/24", "dev", "eth0")
		h.MustRun("ip", "route", "add", "default", "via", n.lan+".1")
		r.Start("lan", "wan")
		h.ServeTCPEcho("0.0.0.0:7007")
		hosts[n.name], routers = h, append(routers, r)
	}
	for _, r := range routers {
		r.Wait("wg0")
	}
	for _, c := range [][2]string{{"branch1", "branch2"}, {"branch2", "branch1"}, {"branch1", "hub"}, {"hub", "branch2"}} {
		from, to := labNode{}, labNode{}
		for _, n := range labStar {
			if n.name == c[0] {
				from = n
			}
			if n.name == c[1] {
				to = n
			}
		}
		var r lab.Result
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			if r = hosts[c[0]].TCP(to.lan+".10:7007", ""); r.SeenIP() == from.lan+".10" {
				break
			}
		}
		if r.SeenIP() != from.lan+".10" {
			t.Errorf("%s LAN -> %s LAN: %s (want seen as %s.10)", c[0], c[1], r, from.lan)
		}
	}
}
