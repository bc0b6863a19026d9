package topology

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func star(t *testing.T) *Topology {
	t.Helper()
	top, err := Load("../../examples/fleet/star.json")
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// TestCheckRejects is the table of broken files: each gives exactly one
// one-line error naming the value at fault.
func TestCheckRejects(t *testing.T) {
	if errs := star(t).Check(false); len(errs) != 0 {
		t.Fatalf("the example star does not check: %v", errs)
	}
	node := func(top *Topology, n string) *Node { nd, _ := top.Node(n); return nd }
	cases := []struct {
		name   string
		break_ func(*Topology)
		want   string
	}{
		{"tunnel not a CIDR", func(t *Topology) { t.Tunnel = "10.99.0.0" }, `tunnel "10.99.0.0" is not an IPv4 CIDR`},
		{"address outside the plan", func(t *Topology) { node(t, "branch2").Address = "10.98.0.12" }, "address 10.98.0.12 is outside the tunnel subnet 10.99.0.0/24: the address plan does not fit"},
		{"plan too small", func(t *Topology) { t.Tunnel = "10.99.0.0/29" }, "node branch1: address 10.99.0.11 is outside the tunnel subnet 10.99.0.0/29"},
		{"broadcast address", func(t *Topology) { node(t, "branch1").Address = "10.99.0.255" }, "address 10.99.0.255 is the network or broadcast address"},
		{"duplicate address", func(t *Topology) { node(t, "branch2").Address = "10.99.0.11" }, "node branch2: address 10.99.0.11 is already node branch1's"},
		{"overlapping LANs", func(t *Topology) { node(t, "branch2").LAN = []string{"192.168.11.128/25"} }, "node branch2: subnet 192.168.11.128/25 overlaps 192.168.11.0/24 (node branch1)"},
		{"LAN in the tunnel", func(t *Topology) { node(t, "branch2").LAN = []string{"10.99.0.0/16"} }, "subnet 10.99.0.0/16 overlaps 10.99.0.0/24 (the tunnel subnet)"},
		{"block overlaps a LAN", func(t *Topology) { node(t, "branch3").Blocks = []string{"192.168.0.0/16"} }, "subnet 192.168.0.0/16 overlaps 192.168.1.0/24"},
		{"bad subnet", func(t *Topology) { node(t, "hub").LAN = []string{"192.168.1.0/33"} }, `node hub: subnet "192.168.1.0/33" is not a CIDR`},
		{"missing key", func(t *Topology) { node(t, "branch3").PublicKey = "" }, "node branch3 has no public_key: run 'wgowrt node key'"},
		{"bad key", func(t *Topology) { node(t, "branch3").PublicKey = "abc" }, `node branch3: public_key "abc" is not a WireGuard key`},
		{"shared key", func(t *Topology) { node(t, "branch3").PublicKey = node(t, "branch2").PublicKey }, "node branch3: public_key 9JngI1Kf/rTXBoPwkdcd0y7lFSbgMMdjjBT12KPYtU8= is also node branch2's"},
		{"duplicate name", func(t *Topology) { node(t, "branch3").Name = "branch2"; t.Links[0].Spokes = t.Links[0].Spokes[:2] }, `node "branch2" is declared twice`},
		{"bad name", func(t *Topology) {
			t.Nodes = append(t.Nodes, Node{Name: "a b", Kind: KindHost, Address: "10.99.0.50", Port: 1, PublicKey: "uHiYk3aSQIt0Q3EuzsJ1JyEO5+t0DJy/ufGS8SK/8Xo="})
			t.Links = append(t.Links, Link{Type: LinkPair, Nodes: []string{"hub", "a b"}})
		}, `node "a b"`},
		{"bad kind", func(t *Topology) { node(t, "hub").Kind = "vps" }, `node hub: kind "vps" is not openwrt or host`},
		{"bad endpoint", func(t *Topology) { node(t, "hub").Endpoint = "hub example:1" }, `node hub: endpoint "hub example:1"`},
		{"unknown link node", func(t *Topology) { t.Links[0].Spokes = append(t.Links[0].Spokes, "branch9") }, `link 1: node "branch9" is not declared under nodes`},
		{"unreachable node", func(t *Topology) { t.Links[0].Spokes = t.Links[0].Spokes[:2] }, "node branch3 is unreachable: no link connects it to node hub"},
		{"nobody can start", func(t *Topology) {
			node(t, "hub").Endpoint = ""
			t.Links[0].Spokes = t.Links[0].Spokes[:1]
			t.Links = append(t.Links, Link{Type: LinkPair, Nodes: []string{"branch2", "branch3"}}, Link{Type: LinkPair, Nodes: []string{"branch1", "branch2"}})
			node(t, "branch2").Endpoint = "b2.example.org"
		}, "link branch1-hub: neither node has an endpoint"},
		{"asymmetric p2s", func(t *Topology) {
			node(t, "branch1").LAN = nil
			t.Links = append(t.Links, Link{Type: LinkPair, Nodes: []string{"branch1", "hub"}, P2S: "routed"}, Link{Type: LinkPair, Nodes: []string{"hub", "branch1"}, P2S: "masquerade"})
		}, "link branch1-hub is declared with different p2s strategies"},
		{"p2s without a point", func(t *Topology) { t.Links[0].P2S = "routed" }, "link branch1-hub: p2s routed needs one end without lan or blocks"},
		{"bad p2s", func(t *Topology) {
			node(t, "branch1").LAN = nil
			t.Links = append(t.Links, Link{Type: LinkPair, Nodes: []string{"branch1", "hub"}, P2S: "nat"})
		}, `link 2: p2s "nat" is not masquerade or routed`},
		{"pair of three", func(t *Topology) {
			t.Links = append(t.Links, Link{Type: LinkPair, Nodes: []string{"hub", "branch1", "branch2"}})
		}, `link 2: pair needs exactly two different nodes (got ["hub" "branch1" "branch2"])`},
		{"hub its own spoke", func(t *Topology) { t.Links[0].Spokes = append(t.Links[0].Spokes, "hub") }, "link 1: hub hub is also listed as its own spoke"},
		{"bad link type", func(t *Topology) { t.Links = append(t.Links, Link{Type: "ring", Nodes: []string{"hub", "branch1"}}) }, `link 2: type "ring" is not hub-and-spoke, full-mesh or pair`},
	}
	for _, c := range cases {
		top := star(t)
		c.break_(top)
		errs := top.Check(false)
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s: want an error with %q first, got %q", c.name, c.want, errs)
		}
		for _, e := range errs {
			if strings.Contains(e.Error(), "\n") {
				t.Errorf("%s: %q is not one line", c.name, e)
			}
		}
	}
}

// TestCheckCommand: a file with an unknown field or two problems fails
// with one line per problem and a non-zero exit; a good one says ok.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ file, want string }{
		"typo": {`{"tunnel": "10.0.0.0/24", "nodes": [{"name": "a", "adress": "10.0.0.1"}]}`, `wgowrt: topology file: json: unknown field "adress"`},
		"two": {`{"tunnel": "10.0.0.0/24", "nodes": [{"name": "a", "address": "10.0.0.1", "lan": ["10.1.0.0/16"]}, {"name": "b", "address": "10.0.0.2", "lan": ["10.1.2.0/24"]}], "links": [{"type": "pair", "nodes": ["a", "b"]}]}`,
			"wgowrt: node a has no public_key"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(c.file), 0o600)
		var out, errb bytes.Buffer
		err := Main(nil, "topology", []string{"check", p}, Options{Stdout: &out, Stderr: &errb})
		if err == nil {
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("%s: %q", name, errb.String())
			}
			continue
		}
		all := errb.String() + "wgowrt: " + err.Error()
		if !strings.Contains(all, c.want) {
			t.Errorf("%s: want %q in %q", name, c.want, all)
		}
		if name == "two" && strings.Count(errb.String(), "\n") != 4 {
			t.Errorf("two: want 4 lines (2 keys, the overlap, no endpoint), got %q", errb.String())
		}
	}
	var out bytes.Buffer
	if err := Main(nil, "topology", []string{"check", "../../examples/fleet/star.json"}, Options{Stdout: &out, Stderr: &out}); err != nil || out.String() != "ok: 4 nodes, 3 tunnels\n" {
		t.Errorf("star: %v %q", err, out.String())
	}
}
