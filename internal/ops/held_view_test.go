package ops

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// heldRouter is a server wg0 with a roadwarrior and two sites reached by
// name, the site "office" held (its hold line in /var/state/network
// beside netifd's own), both sites live in the device without an endpoint.
func heldRouter(t *testing.T) (*Ops, plan.State, map[string]plan.Peer) {
	o := testOps(t)
	if _, err := o.PeerAdd(peerAdd("phone")); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"office", "depot"} {
		key, _ := wg.ParseKey([]string{"a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=", "98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU="}[i])
		ep, err := wg.ParseEndpoint(name + ".example.org:51820")
		if err != nil {
			t.Fatal(err)
		}
		remote := []string{"10.20.0.0/24", "10.30.0.0/24"}[i]
		if _, err := o.SiteAdd(SiteAdd{Intent: plan.SiteIntent{Name: name, PublicKey: key, Remote: []string{remote}, Endpoint: &ep}}); err != nil {
			t.Fatal(err)
		}
	}
	st, _, err := o.Read("", "wg0")
	if err != nil {
		t.Fatal(err)
	}
	peers := map[string]plan.Peer{}
	for _, p := range plan.ReadPeers(st, "wg0") {
		peers[p.Name] = p
	}
	os.MkdirAll(o.Path("/var/state"), 0o755)
	line := "network.wg0.up='1'\n" + heldLine(peers["office"].Section) + "\n"
	if err := os.WriteFile(o.Path("/var/state/network"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	var live []wgtypes.Peer
	for _, n := range []string{"office", "depot"} {
		k, _ := wgtypes.ParseKey(peers[n].PublicKey)
		live = append(live, wgtypes.Peer{PublicKey: k, PersistentKeepaliveInterval: 25 * time.Second})
	}
	dev := wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820, Peers: live})
	o.Deps.Devices = func() (wgdev.Client, error) { return dev, nil }
	return o, st, peers
}

// TestStatusMarksHeldEndpoints: status marks the held site with its
// name, and only it (the other site has no hold line, the roadwarrior no
// endpoint); a held peer the device already has an endpoint for is being
// released and is not marked.
func TestStatusMarksHeldEndpoints(t *testing.T) {
	o, _, _ := heldRouter(t)
	res, err := o.Status("")
	if err != nil || len(res.Interfaces) != 1 {
		t.Fatalf("Status: %v %+v", err, res)
	}
	got := map[string]string{}
	for _, p := range res.Interfaces[0].Peers {
		got[p.Name] = p.EndpointHost
		if p.EndpointHeld != (p.Name == "office") {
			t.Errorf("peer %s: endpoint_held %v", p.Name, p.EndpointHeld)
		}
	}
	if got["office"] != "office.example.org" || got["depot"] != "" || got["phone"] != "" || len(got) != 3 {
		t.Errorf("endpoint_host by peer: %v", got)
	}
	cl, _ := o.Deps.Devices()
	dev, _ := cl.Device("wg0")
	dev.Peers[0].Endpoint = &net.UDPAddr{IP: net.ParseIP("198.51.100.9"), Port: 51820}
	fake := wgdev.NewFake(dev)
	o.Deps.Devices = func() (wgdev.Client, error) { return fake, nil }
	res, _ = o.Status("")
	for _, p := range res.Interfaces[0].Peers {
		if p.EndpointHeld {
			t.Errorf("peer %s with an endpoint in the device marked held", p.Name)
		}
	}
}

// TestPeerViewsMarkHeld: the peers read model marks the held site only.
func TestPeerViewsMarkHeld(t *testing.T) {
	o, st, _ := heldRouter(t)
	held, err := o.HeldEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	var vs []PeerView
	for _, p := range plan.ReadPeers(st, "wg0") {
		vs = append(vs, ViewPeer(p))
	}
	MarkHeld(vs, held)
	for _, v := range vs {
		if v.EndpointHeld != (v.Name == "office") {
			t.Errorf("peer %s: endpoint_held %v", v.Name, v.EndpointHeld)
		}
	}
}

// TestDoctorHeldEndpoint: a held endpoint is one warning finding with
// what to check, not the broken-config endpoint-unresolvable (even with
// the interface down) nor a no-handshake of the peer; without a hold the
// same unresolvable name is the broken config it was.
func TestDoctorHeldEndpoint(t *testing.T) {
	o, st, peers := heldRouter(t)
	r, err := o.Doctor("")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Check != "endpoint-held" || r.Findings[0].Severity != SeverityWarning || r.Live {
		t.Fatalf("doctor on the tree: %+v", r)
	}
	f := r.Findings[0]
	for _, w := range []string{"office.example.org", "did not resolve", "supervise"} {
		if !strings.Contains(f.Problem, w) {
			t.Errorf("problem lacks %q: %s", w, f.Problem)
		}
	}
	if !strings.Contains(f.Fix, "nslookup office.example.org") || strings.Contains(f.Fix, "uci set") || f.Peer != "office" {
		t.Errorf("finding: %+v", f)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cl, _ := o.Deps.Devices()
	dev, _ := cl.Device("wg0")
	facts := func() DoctorFacts {
		return DoctorFacts{State: st, Live: true, Module: true, Now: now, Devices: map[string]*wgtypes.Device{"wg0": dev},
			Up: map[string]bool{"wg0": true}, InputWan: "udp dport 51820 accept", Held: map[string]bool{peers["office"].Section: true},
			Unresolvable: map[string]string{"office.example.org": "no such host"}}
	}
	checks := func(fs []Finding) (out []string) {
		for _, f := range fs {
			out = append(out, f.Check+"/"+f.Peer+"/"+f.Severity)
		}
		return out
	}
	want := "endpoint-held/office/warning no-handshake/depot/"
	if got := strings.Join(checks(Diagnose(facts())), " "); got != want {
		t.Errorf("live, held: %s, want %s", got, want)
	}
	down := facts()
	down.Up["wg0"] = false
	if got := checks(Diagnose(down)); got[0] == "endpoint-unresolvable/office/" {
		t.Errorf("a held peer blamed for the interface down: %v", got)
	}
	unheld := facts()
	unheld.Held, unheld.Up["wg0"] = nil, false
	if got := checks(Diagnose(unheld)); got[0] != "endpoint-unresolvable/office/" {
		t.Errorf("without the hold: %v", got)
	}
}
