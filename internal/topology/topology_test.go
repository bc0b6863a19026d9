package topology

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wg"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// nodes are the star's routers and the LAN address each one has.
var nodes = map[string]string{"hub": "192.168.1.1", "branch1": "192.168.11.1", "branch2": "192.168.12.1", "branch3": "192.168.13.1"}

// seedKeys is a deterministic key source (one seed per router).
func seedKeys(seed byte) wg.KeySource {
	return func() (b [wg.KeyLen]byte, err error) {
		for i := range b {
			b[i] = seed + byte(i)
		}
		return b, nil
	}
}

// routerOps copies examples/router into a temporary root with the node's
// LAN address and returns the operations on it with the Default side
// effects, but deterministic keys.
func routerOps(t *testing.T, node string, seed byte) *ops.Ops {
	t.Helper()
	root := t.TempDir()
	copyDir(t, "../../examples/router/etc/config", filepath.Join(root, "etc/config"))
	nw := filepath.Join(root, "etc/config/network")
	data, _ := os.ReadFile(nw)
	data = bytes.Replace(data, []byte("'192.168.1.1'"), []byte("'"+nodes[node]+"'"), 1)
	if err := os.WriteFile(nw, data, 0o600); err != nil {
		t.Fatal(err)
	}
	o := ops.New(root)
	o.Deps.Keys = seedKeys(seed)
	return o
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// fleet is the star with a router per node and the file naming their
// real public keys (collected with NodeKey, as the Ansible first pass does).
func fleet(t *testing.T) (*Topology, map[string]*ops.Ops) {
	t.Helper()
	top, err := Load("../../examples/fleet/star.json")
	if err != nil {
		t.Fatal(err)
	}
	routers := map[string]*ops.Ops{}
	for i, n := range []string{"hub", "branch1", "branch2", "branch3"} {
		routers[n] = routerOps(t, n, byte(10*i+1))
		k, _, err := NodeKey(routers[n], top.Iface, true)
		if err != nil {
			t.Fatal(err)
		}
		nd, _ := top.Node(n)
		nd.PublicKey = k.PublicKey().String()
	}
	return top, routers
}

func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(p)
			out[strings.TrimPrefix(p, root)] = string(data)
		}
		return nil
	})
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
	}
}

func reportText(rep *Report) string {
	var b bytes.Buffer
	printReport(rep, Options{Stdout: &b, Stderr: &b})
	return b.String()
}

// TestApplyStar applies the star to four routers: the dry run writes
// nothing and shows what apply then writes; a second apply changes
// nothing; node key keeps its file 0600 and prints the key the
// interface then has.
func TestApplyStar(t *testing.T) {
	top, routers := fleet(t)
	for _, n := range []string{"branch1", "branch2", "branch3", "hub"} {
		o := routers[n]
		before := snapshot(t, o.Root)
		dry, err := Apply(o, top, n, true)
		if err != nil {
			t.Fatalf("%s dry run: %v", n, err)
		}
		if after := snapshot(t, o.Root); !equalMaps(before, after) {
			t.Errorf("%s: the dry run wrote files", n)
		}
		if !dry.Changed {
			t.Errorf("%s: the dry run of a first apply shows no change", n)
		}
		golden(t, "apply-"+n+".golden", reportText(dry))
		rep, err := Apply(o, top, n, false)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if reportText(rep) != reportText(dry) {
			t.Errorf("%s: apply did not what its dry run showed:\n%s\nvs\n%s", n, reportText(rep), reportText(dry))
		}
		again, err := Apply(o, top, n, false)
		if err != nil || again.Changed {
			t.Errorf("%s: second apply changed=%v err=%v:\n%s", n, again.Changed, err, reportText(again))
		}
		fi, err := os.Stat(keyFile(o, top.Iface))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: node key file %v mode %v", n, err, fi.Mode())
		}
		k, _, _ := NodeKey(o, top.Iface, false)
		if nd, _ := top.Node(n); k.PublicKey().String() != nd.PublicKey {
			t.Errorf("%s: the interface's key is not the node key the file names", n)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestApplyWrongNode refuses a --node whose key is not this router's.
func TestApplyWrongNode(t *testing.T) {
	top, routers := fleet(t)
	_, err := Apply(routers["branch1"], top, "branch2", false)
	if err == nil || !strings.Contains(err.Error(), "is not this router's key") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(filepath.Join(routers["branch1"].Root, "etc/config/wgowrt")); err == nil {
		t.Error("a refused apply wrote /etc/config/wgowrt")
	}
}

// TestExportVPSHub: a star through a Linux VPS (kind host, no LAN) gives
// the VPS a wg-quick file that routes each branch's LAN to it, and the
// branches a site to the VPS carrying the other branches' LANs.
func TestExportVPSHub(t *testing.T) {
	top, routers := fleet(t)
	hub, _ := top.Node("hub")
	hub.Kind, hub.LAN = KindHost, nil
	hub.PublicKey = wg.NewPrivateKey([32]byte{7}).PublicKey().String()
	s, err := top.WgQuick("hub")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "export-vps-hub.golden", s)
	rep, err := Apply(routers["branch1"], top, "branch1", true)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "apply-branch1-via-vps.golden", reportText(rep))
	if _, err := Apply(routers["branch1"], top, "hub", true); err == nil || !strings.Contains(err.Error(), "not an OpenWrt router") {
		t.Errorf("apply on a host node: %v", err)
	}
}

// TestJSONReport is what the Ansible module reads.
func TestJSONReport(t *testing.T) {
	top, routers := fleet(t)
	var out, errb bytes.Buffer
	if err := Main(routers["hub"], "topology", []string{"apply", "../../examples/fleet/star.json", "--node", "hub"}, Options{JSON: true, DryRun: true, Stdout: &out, Stderr: &errb}); err == nil {
		t.Fatal("the example's keys are not these routers': apply should refuse")
	}
	path := filepath.Join(t.TempDir(), "t.json")
	data, _ := json.Marshal(top)
	os.WriteFile(path, data, 0o600)
	out.Reset()
	if err := Main(routers["hub"], "topology", []string{"apply", path, "--node", "hub"}, Options{JSON: true, DryRun: true, Stdout: &out, Stderr: &errb}); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || !rep.Changed || !rep.DryRun || len(rep.Steps) != 4 || rep.PublicKey == "" {
		t.Fatalf("report %+v err %v:\n%s", rep, err, out.String())
	}
}

// TestPointToSite: a laptop (a host without subnets) paired with the hub
// is a peer of the hub with the link's p2s strategy, and its wg-quick
// file routes what the hub reaches.
func TestPointToSite(t *testing.T) {
	top, routers := fleet(t)
	top.Nodes = append(top.Nodes, Node{Name: "laptop", Kind: KindHost, Address: "10.99.0.100", Port: 51820,
		PublicKey: wg.NewPrivateKey([32]byte{9}).PublicKey().String()})
	top.Links = append(top.Links, Link{Type: LinkPair, Nodes: []string{"hub", "laptop"}, P2S: "masquerade"})
	if errs := top.Check(false); len(errs) > 0 {
		t.Fatal(errs)
	}
	rep, err := Apply(routers["hub"], top, "hub", false)
	if err != nil {
		t.Fatal(err)
	}
	var uses []string
	for _, s := range rep.Steps {
		uses = append(uses, s.Use)
	}
	if got := strings.Join(uses, ", "); got != "server init, site add branch1, site add branch2, site add branch3, peer add laptop, access laptop masquerade" {
		t.Errorf("steps: %s", got)
	}
	if again, err := Apply(routers["hub"], top, "hub", false); err != nil || again.Changed {
		t.Errorf("second apply: changed=%v err=%v\n%s", again.Changed, err, reportText(again))
	}
	s, err := top.WgQuick("laptop")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "export-laptop.golden", s)
}

// TestGrowStar: a fourth branch added to the file reaches the others
// after a new apply: the hub gets its site, every branch the new LAN in
// its site to the hub; nothing else changes.
func TestGrowStar(t *testing.T) {
	top, routers := fleet(t)
	for _, n := range []string{"hub", "branch1"} {
		if _, err := Apply(routers[n], top, n, false); err != nil {
			t.Fatal(err)
		}
	}
	top.Nodes = append(top.Nodes, Node{Name: "branch4", Kind: KindOpenWrt, Address: "10.99.0.14", Port: 51820,
		PublicKey: wg.NewPrivateKey([32]byte{4}).PublicKey().String(), LAN: []string{"192.168.14.0/24"}})
	top.Links[0].Spokes = append(top.Links[0].Spokes, "branch4")
	rep, err := Apply(routers["branch1"], top, "branch1", false)
	if err != nil {
		t.Fatal(err)
	}
	got := reportText(rep)
	if !strings.Contains(got, "network.wgowrt_wg0_hub.allowed_ips+='192.168.14.0/24'") || strings.Contains(got, "network.wg0.") {
		t.Errorf("branch1 after adding branch4:\n%s", got)
	}
	rep, err = Apply(routers["hub"], top, "hub", false)
	if err != nil || !strings.Contains(reportText(rep), "network.wgowrt_wg0_branch4='wireguard_wg0'") {
		t.Errorf("hub after adding branch4: %v\n%s", err, reportText(rep))
	}
}

// TestShrinkStar: a branch dropped from the file is not removed from the
// hub (apply never deletes what the file does not name) but named in the
// report, in the dry run too, and in the text output; a branch whose
// only neighbour is still the hub names nothing.
func TestShrinkStar(t *testing.T) {
	top, routers := fleet(t)
	for _, n := range []string{"branch1", "hub"} {
		if _, err := Apply(routers[n], top, n, false); err != nil {
			t.Fatal(err)
		}
	}
	top.Nodes = top.Nodes[:3]
	top.Links[0].Spokes = []string{"branch1", "branch2"}
	for _, dry := range []bool{true, false} {
		rep, err := Apply(routers["hub"], top, "hub", dry)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rep.Unlisted, ",") != "branch3" {
			t.Errorf("dry run %v: unlisted %v, want [branch3]", dry, rep.Unlisted)
		}
		if got := reportText(rep); !strings.Contains(got, "wgowrt: peer branch3 of hub is not its neighbour in the topology file: left as it is") {
			t.Errorf("dry run %v: the text report does not name branch3:\n%s", dry, got)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(routers["hub"].Root, "etc/config/network")); !strings.Contains(string(data), "option description 'branch3'") {
		t.Error("apply removed the dropped branch's peer from the hub")
	}
	rep, err := Apply(routers["branch1"], top, "branch1", false)
	if err != nil || len(rep.Unlisted) != 0 {
		t.Errorf("branch1: unlisted %v, err %v", rep.Unlisted, err)
	}
	b, _ := json.Marshal(rep)
	if strings.Contains(string(b), "unlisted") {
		t.Errorf("an empty unlisted is in the JSON report: %s", b)
	}
}
