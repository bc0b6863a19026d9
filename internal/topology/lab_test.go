package topology

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wg"
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
	inet := l.NS("inet")
	if err := inet.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	hosts := map[string]*lab.NS{}
	var routers []*lab.Router
	for i, n := range labStar {
		r, h := bootRouter(t, l, inet, n, roots[n.name].Root, i)
		hosts[n.name], routers = h, append(routers, r)
	}
	for _, r := range routers {
		r.Wait("wg0")
	}
	reachEachOther(t, hosts, [][2]string{{"branch1", "branch2"}, {"branch2", "branch1"}, {"branch1", "hub"}, {"hub", "branch2"}})
}

// bootRouter starts an OpenWrt router of the lab from root's /etc/config,
// its wan on inet, a host at .10 on its LAN serving TCP echo.
func bootRouter(t *testing.T, l *lab.Lab, inet *lab.NS, n labNode, root string, i int) (*lab.Router, *lab.NS) {
	r := l.Router(n.name, filepath.Join(root, "etc/config"), "24.10")
	dev := "ri" + string(rune('a'+i))
	l.Link(r.NS, "veth-wan", inet, dev)
	inet.MustRun("ip", "addr", "add", n.wan+".1/24", "dev", dev)
	h := l.NS(n.name + "-lan")
	l.Link(r.NS, "veth-lan", h, "eth0")
	h.MustRun("ip", "addr", "add", n.lan+".10/24", "dev", "eth0")
	h.MustRun("ip", "route", "add", "default", "via", n.lan+".1")
	r.Start("lan", "wan")
	h.ServeTCPEcho("0.0.0.0:7007")
	return r, h
}

// reachEachOther: for each pair, the first LAN's host reaches the
// second's and is seen there with its own address.
func reachEachOther(t *testing.T, hosts map[string]*lab.NS, pairs [][2]string) {
	lanOf := map[string]string{}
	for _, n := range labStar {
		lanOf[n.name] = n.lan
	}
	for _, c := range pairs {
		var r lab.Result
		want := lanOf[c[0]] + ".10"
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			if r = hosts[c[0]].TCP(lanOf[c[1]]+".10:7007", ""); r.SeenIP() == want {
				break
			}
		}
		if r.SeenIP() != want {
			t.Errorf("%s LAN -> %s LAN: %s (want seen as %s)", c[0], c[1], r, want)
		}
	}
}

// TestLabVPSHub: the star through a Linux VPS (kind host, no LAN): the
// VPS runs the wg-quick file `topology export` made (its PostUp lines,
// which load the key from /etc/wireguard, replaced by the key itself),
// the branches run what `topology apply` wrote, and each branch LAN
// reaches the other through the VPS with its own address. ~10 s.
func TestLabVPSHub(t *testing.T) {
	lab.RequireOracle(t)
	vpsKey := wg.NewPrivateKey([32]byte{42})
	top := &Topology{Tunnel: "10.99.0.0/24", Nodes: []Node{
		{Name: "hub", Kind: KindHost, Address: "10.99.0.1", Endpoint: "203.0.113.2:51820", PublicKey: vpsKey.PublicKey().String()},
		{Name: "branch1", Address: "10.99.0.11", LAN: []string{"192.168.11.0/24"}},
		{Name: "branch2", Address: "10.99.0.12", LAN: []string{"192.168.12.0/24"}},
	}, Links: []Link{{Type: LinkHubAndSpoke, Hub: "hub", Spokes: []string{"branch1", "branch2"}}}}
	data, _ := json.Marshal(top)
	top, _ = Parse(data)
	branches := labStar[1:]
	roots := map[string]*ops.Ops{}
	for _, n := range branches {
		roots[n.name] = ops.New(labRoot(t, n))
		k, _, err := NodeKey(roots[n.name], "wg0", true)
		if err != nil {
			t.Fatal(err)
		}
		nd, _ := top.Node(n.name)
		nd.PublicKey = k.PublicKey().String()
	}
	for _, n := range branches {
		if _, err := Apply(roots[n.name], top, n.name, false); err != nil {
			t.Fatal(err)
		}
	}
	conf, err := top.WgQuick("hub")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(conf, "\n") {
		if !strings.HasPrefix(line, "PostUp") {
			lines = append(lines, line)
		}
		if line == "[Interface]" {
			lines = append(lines, "PrivateKey = "+vpsKey.String())
		}
	}
	l := lab.New(t)
	inet := l.NS("inet")
	if err := inet.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	vps := l.NS("vps")
	l.Link(inet, "rivps", vps, "eth0")
	inet.MustRun("ip", "addr", "add", "203.0.113.1/24", "dev", "rivps")
	vps.MustRun("ip", "addr", "add", "203.0.113.2/24", "dev", "eth0")
	vps.MustRun("ip", "route", "add", "default", "via", "203.0.113.1")
	if err := vps.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := vps.WGQuick("wg0", strings.Join(lines, "\n")); err != nil {
		t.Fatalf("wg-quick on the VPS: %v\n%s", err, conf)
	}
	hosts := map[string]*lab.NS{}
	var routers []*lab.Router
	for i, n := range branches {
		r, h := bootRouter(t, l, inet, n, roots[n.name].Root, i+1)
		hosts[n.name], routers = h, append(routers, r)
	}
	for _, r := range routers {
		r.Wait("wg0")
	}
	reachEachOther(t, hosts, [][2]string{{"branch1", "branch2"}, {"branch2", "branch1"}})
}
