// Package fleet is the fleet lab: examples/fleet/star.json rolled out by
// ansible-playbook (ansible/playbooks/hub-and-spokes.yml, the wgowrt.fleet
// collection) over SSH to four OpenWrt routers, each an owrt-ns namespace
// of the oracle (real netifd, fw4, ubus) with its own sshd, then checked
// with packets.
//
//	┌──────────────┐   ┌────────────────────┐   ┌─────────────────────────┐
//	│ hub-lan      │   │ hub (owrt-ns)      │   │ ctl: the Internet       │
//	│ 192.168.1.10 ├───┤ sshd 203.0.113.2   ├───┤ 203.0.113.1  (and the   │
//	└──────────────┘   └────────────────────┘   │ Ansible controller)     │
//	┌──────────────┐   ┌────────────────────┐   │                         │
//	│ branchN-lan  ├───┤ branch1..3         ├───┤ 198.51.100.1, 192.0.2.1,│
//	│ 192.168.1N.10│   │ sshd <wan>.2       │   │ 198.18.3.1              │
//	└──────────────┘   └─────────┬──────────┘   └─────────────────────────┘
//	                   ┌─────────┴──────────┐
//	                   │ branch3-44 (44Net) │
//	                   │ 44.31.5.10         │
//	                   └────────────────────┘
package fleet

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// TestMain removes the wgowrt binary the lab builds once and shares.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	lab.RemoveWgowrtBinary()
	os.Exit(code)
}

// node is a router of the lab fleet: its name in star.json, its LAN
// (x.1 the router, x.10 a host), its WAN (x.2 the router, x.1 ctl), its
// release's WireGuard handler. A mixed fleet: on 24.10 netifd installs
// the routes behind new peers only at ifup (topology apply runs it), on
// 25.12 a renew applies them in place.
type node struct{ name, lan, wan, handler string }

var fleet = []node{
	{"hub", "192.168.1", "203.0.113", "24.10"},
	{"branch1", "192.168.11", "198.51.100", "25.12"},
	{"branch2", "192.168.12", "192.0.2", "25.12"},
	{"branch3", "192.168.13", "198.18.3", "24.10"},
}

// net44 is branch3's 44Net block in star.json (its .1 on branch3's net44
// interface, a host at .10).
const net44 = "44.31.5"

// TestFleetAnsible is issue 17's done-when: the star (a hub, three
// spokes, one a 44Net gateway) applied by ansible-playbook to four routers
// in the lab, each with its own sshd and config tree; then every spoke LAN
// reaches every other through the hub with its own source address, a
// second run reports changed=0 everywhere, and a --check --diff run of a
// changed topology prints each router's diff and leaves every router's
// /etc/config byte-identical and its running peers as they were; with a
// branch dropped from the file, the hub's run warns that its peer stays.
// About 30 s here (four routers, four playbook runs); skipped without the
// oracle, sshd or ansible-core unless WGOWRT_REQUIRE_PRIVILEGED=1.
func TestFleetAnsible(t *testing.T) {
	requireFleet(t)
	dir := t.TempDir()
	l := lab.New(t)
	ctl := l.NS("ctl")
	if err := ctl.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "id_ed25519")
	keygen(t, key)
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	routers := map[string]*lab.Router{}
	hosts := map[string]*lab.NS{}
	for i, n := range fleet {
		r := bootRouter(t, l, ctl, n, i, hosts)
		startSSHD(t, dir, r, ctl, n.wan+".2", string(pub))
		routers[n.name] = r
	}
	star, grown, shrunk := topologies(t, dir)
	a := newAnsible(t, dir, ctl, key)

	out, changed := a.play(t, star)
	// pass 1 draws each key, pass 2 applies: hub last
	wantChanged(t, "first run", changed, 2)
	if order, _ := applyResults(out); len(order) != 4 || order[3] != "hub" {
		t.Errorf("apply order %v, want the three branches, then the hub", order)
	}
	for name, r := range routers {
		r.Settle("wg0")
		// the files checkMode compares are the ones the run wrote
		if net := snapshot(t, filepath.Join(r.StatePathCached(), "config"))[filepath.Join(r.StatePathCached(), "config", "network")]; !strings.Contains(net, "config wireguard_wg0") {
			t.Fatalf("%s: no WireGuard peer in its /etc/config/network after the run:\n%s", name, net)
		}
	}
	reachAll(t, hosts)
	throughHub(t, routers)

	_, changed = a.play(t, star)
	wantChanged(t, "second run", changed, 0)

	checkMode(t, a, grown, routers)
	dropped(t, a, shrunk, routers)
}

// dropped: with branch3 gone from the file (and left out of the run: it
// is no node of the file any more), the hub's run warns that branch3's
// peer stays; check mode, so nothing is written.
func dropped(t *testing.T, a *ansible, shrunk string, routers map[string]*lab.Router) {
	t.Helper()
	before := map[string]string{}
	for name, r := range routers {
		before[name] = fmt.Sprint(snapshot(t, filepath.Join(r.StatePathCached(), "config")))
	}
	out, _ := a.play(t, shrunk, "--check", "--diff", "--limit", "!branch3")
	want := "[WARNING]: peer branch3 of hub is not its neighbour in the topology file: left as it is"
	if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Errorf("no warning %q", want)
	}
	for name, r := range routers {
		if fmt.Sprint(snapshot(t, filepath.Join(r.StatePathCached(), "config"))) != before[name] {
			t.Errorf("check mode changed the /etc/config of %s", name)
		}
	}
}

// wantChanged: every router's changed count in the recap is n.
func wantChanged(t *testing.T, what string, changed map[string]int, n int) {
	t.Helper()
	for _, nd := range fleet {
		if c, ok := changed[nd.name]; !ok || c != n {
			t.Errorf("%s: %s changed=%d (in recap: %v), want %d", what, nd.name, c, ok, n)
		}
	}
}

// checkMode runs --check --diff with a topology that adds a fourth branch:
// each router's apply prints a diff naming the new LAN, and nothing on any
// router changes (its /etc/config files, byte for byte, and the peers of
// its running wg0).
func checkMode(t *testing.T, a *ansible, grown string, routers map[string]*lab.Router) {
	t.Helper()
	before := map[string]map[string]string{}
	peers := map[string]string{}
	for name, r := range routers {
		before[name] = snapshot(t, filepath.Join(r.StatePathCached(), "config"))
		peers[name] = allowedIPs(r)
	}
	out, changed := a.play(t, grown, "--check", "--diff")
	wantChanged(t, "check mode", changed, 1)
	_, diffs := applyResults(out)
	for name, r := range routers {
		if !strings.Contains(diffs[name], "192.168.14.0/24") {
			t.Errorf("check mode: no diff with branch4's LAN for %s: %q", name, diffs[name])
		}
		after := snapshot(t, filepath.Join(r.StatePathCached(), "config"))
		if fmt.Sprint(after) != fmt.Sprint(before[name]) {
			t.Errorf("check mode changed /etc/config of %s", name)
		}
		if p := allowedIPs(r); p != peers[name] {
			t.Errorf("check mode changed the running peers of %s:\n%s\nwas:\n%s", name, p, peers[name])
		}
	}
}

// allowedIPs is `wg show wg0 allowed-ips` of r's running device, in key
// order (wireguard-go lists peers in random order).
func allowedIPs(r *lab.Router) string {
	lines := strings.Split(strings.TrimSpace(r.MustExec("wg", "show", "wg0", "allowed-ips")), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		m[p] = string(b)
		return err
	})
	if err != nil || len(m) == 0 {
		t.Fatalf("snapshot of %s: %v (%d files)", dir, err, len(m))
	}
	return m
}

// topologies writes the lab's copies of examples/fleet/star.json: the
// hub's endpoint at its lab WAN address, no public keys (the playbook's
// first pass collects them from the routers); and the same with a fourth
// branch (a router not in the inventory, its key pasted in), and without
// branch3.
func topologies(t *testing.T, dir string) (star, grown, shrunk string) {
	t.Helper()
	b, err := os.ReadFile("../../examples/fleet/star.json")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, edit func(doc map[string]any)) string {
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, n := range doc["nodes"].([]any) {
			nd := n.(map[string]any)
			delete(nd, "public_key")
			if nd["name"] == "hub" {
				nd["endpoint"] = fleet[0].wan + ".2:51820"
			}
		}
		edit(doc)
		out, _ := json.MarshalIndent(doc, "", "  ")
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	star = write("star.json", func(map[string]any) {})
	grown = write("star-branch4.json", func(doc map[string]any) {
		doc["nodes"] = append(doc["nodes"].([]any), map[string]any{"name": "branch4", "role": "branch", "address": "10.99.0.14",
			"public_key": wg.NewPrivateKey([32]byte{14}).PublicKey().String(), "lan": []string{"192.168.14.0/24"}})
		link := doc["links"].([]any)[0].(map[string]any)
		link["spokes"] = append(link["spokes"].([]any), "branch4")
	})
	shrunk = write("star-without-branch3.json", func(doc map[string]any) {
		doc["nodes"] = doc["nodes"].([]any)[:3]
		doc["links"].([]any)[0].(map[string]any)["spokes"] = []string{"branch1", "branch2"}
	})
	return star, grown, shrunk
}

// endpoint is a host of the lab and the address it serves TCP echo on.
type endpoint struct{ name, addr string }

var (
	hubLAN = endpoint{"hub-lan", "192.168.1.10"}
	spokes = []endpoint{{"branch1-lan", "192.168.11.10"}, {"branch2-lan", "192.168.12.10"},
		{"branch3-lan", "192.168.13.10"}, {"branch3-44", net44 + ".10"}}
)

// reachAll: every spoke LAN (branch3's 44Net block too) reaches the
// hub's LAN and every other spoke LAN, and the hub's LAN each spoke, seen
// on the far side with its own address (no NAT on the way).
//
// In that order: a 24.10 hub whose apply ended with an ifup (for its
// routes) has a new link that knows no branch's endpoint (branches have
// none in its configuration) until the branch handshakes again, which it
// does when it next sends traffic, or else when it rekeys, within two
// minutes: WireGuard's way after a responder restarts. Each branch's
// first packet to the hub's LAN is that traffic.
func reachAll(t *testing.T, hosts map[string]*lab.NS) {
	t.Helper()
	// the first packets from each branch at once: each may wait out
	// WireGuard's 15 s before it handshakes again
	var wg sync.WaitGroup
	for _, s := range spokes {
		wg.Add(1)
		go func(s endpoint) { defer wg.Done(); reach(t, hosts, s, hubLAN) }(s)
	}
	wg.Wait()
	for _, from := range spokes {
		for _, to := range spokes {
			// branch3's LAN and 44Net block: the same router, no tunnel
			if !strings.HasPrefix(from.name, "branch3") || !strings.HasPrefix(to.name, "branch3") {
				reach(t, hosts, from, to)
			}
		}
	}
	for _, s := range spokes {
		reach(t, hosts, hubLAN, s)
	}
}

// reach: from's host reaches to's echo server within 30 s and is seen
// there with its own address.
func reach(t *testing.T, hosts map[string]*lab.NS, from, to endpoint) {
	var r lab.Result
	start := time.Now()
	for deadline := start.Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if r = hosts[from.name].TCP(to.addr+":7007", ""); r.SeenIP() == from.addr {
			break
		}
	}
	if r.SeenIP() != from.addr {
		t.Errorf("%s -> %s: %s (want seen as %s)", from.name, to.name, r, from.addr)
	} else if d := time.Since(start); d > time.Second {
		t.Logf("%s -> %s: reached after %.1f s", from.name, to.name, d.Seconds())
	}
}

// throughHub: each branch's only peer is the hub, which has the three
// branches, so spoke-to-spoke traffic can only have gone through the hub.
func throughHub(t *testing.T, routers map[string]*lab.Router) {
	t.Helper()
	hubKey := strings.TrimSpace(routers["hub"].MustExec("wg", "show", "wg0", "public-key"))
	var spokes []string
	for _, n := range fleet[1:] {
		r := routers[n.name]
		if p := strings.Fields(r.MustExec("wg", "show", "wg0", "peers")); !slices.Equal(p, []string{hubKey}) {
			t.Errorf("%s: peers %v, want only the hub %s", n.name, p, hubKey)
		}
		spokes = append(spokes, strings.TrimSpace(r.MustExec("wg", "show", "wg0", "public-key")))
	}
	p := strings.Fields(routers["hub"].MustExec("wg", "show", "wg0", "peers"))
	slices.Sort(p)
	slices.Sort(spokes)
	if !slices.Equal(p, spokes) {
		t.Errorf("hub: peers %v, want the branches %v", p, spokes)
	}
}
