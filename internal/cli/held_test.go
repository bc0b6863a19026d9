package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// heldRoot is a server wg0 with a roadwarrior and two sites reached by
// name, both live in the device without an endpoint; the site office is
// held (its hold line in /var/state/network, beside netifd's own).
func heldRoot(t *testing.T) string {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	mustRun(t, root, "peer add phone --public-key a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	mustRun(t, root, "site add office --public-key NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk= --endpoint office.example.org:51820 --remote-subnet 192.168.20.0/24")
	mustRun(t, root, "site add depot --public-key 98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU= --endpoint depot.example.org:51820 --remote-subnet 192.168.30.0/24")
	os.MkdirAll(filepath.Join(root, "var/state"), 0o755)
	hold := "network.wg0.up='1'\n-network.wgowrt_wg0_office.endpoint_host\n"
	if err := os.WriteFile(filepath.Join(root, "var/state/network"), []byte(hold), 0o644); err != nil {
		t.Fatal(err)
	}
	var peers []wgtypes.Peer
	for _, k := range []string{"NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk=", "98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU="} {
		key, _ := wgtypes.ParseKey(k)
		peers = append(peers, wgtypes.Peer{PublicKey: key, PersistentKeepaliveInterval: 25 * time.Second})
	}
	dev := wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820, Peers: peers})
	ops.Default.Devices = func() (wgdev.Client, error) { return dev, nil }
	return root
}

const heldNote = "endpoint office.example.org: held, name does not resolve yet (the supervisor sets it once it does)"

// TestStatusShowsHeldEndpoint: status names the held endpoint (text: the
// column and a note line; --json: endpoint_held and endpoint_host), and
// the other site, which has no hold, shows neither.
func TestStatusShowsHeldEndpoint(t *testing.T) {
	root := heldRoot(t)
	text := mustRun(t, root, "status")
	if !strings.Contains(text, "  peer office: "+heldNote+"\n") || !strings.Contains(text, "office.example.org (held)") {
		t.Errorf("status text lacks the held note:\n%s", text)
	}
	if strings.Count(text, "held") != 2 || strings.Contains(text, "depot.example.org") {
		t.Errorf("status text marks more than office:\n%s", text)
	}
	var s struct {
		Interfaces []struct {
			Peers []map[string]any `json:"peers"`
		} `json:"interfaces"`
	}
	out := mustRun(t, root, "--json status")
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Interfaces) != 1 || len(s.Interfaces[0].Peers) != 3 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	for _, p := range s.Interfaces[0].Peers {
		held, host := p["endpoint_held"], p["endpoint_host"]
		if p["name"] == "office" && (held != true || host != "office.example.org") {
			t.Errorf("office: endpoint_held %v endpoint_host %v", held, host)
		}
		if _, has := p["endpoint_held"]; p["name"] != "office" && (has || host != nil) {
			t.Errorf("peer %v without a hold has %v %v", p["name"], held, host)
		}
		if p["state"] != "never" && p["name"] != "phone" {
			t.Errorf("peer %v: state %v, the existing fields changed", p["name"], p["state"])
		}
	}
}

// TestDoctorShowsHeldEndpoint: doctor prints the held endpoint as a
// warning with the name to check and no uci change (not the broken-config
// endpoint-unresolvable); --json carries "severity"; without the hold
// line nothing is found (the live checks are ops' TestDoctorHeldEndpoint).
func TestDoctorShowsHeldEndpoint(t *testing.T) {
	root := heldRoot(t)
	o, _, code := run(t, root, "doctor", false)
	if code != 1 || !strings.HasPrefix(o, "endpoint-held [wg0 peer office] (warning): the endpoint office.example.org of peer office is held back") ||
		!strings.Contains(o, "fix: nslookup office.example.org") || strings.Contains(o, "uci set") || strings.Contains(o, "endpoint-unresolvable") {
		t.Errorf("doctor: exit %d\n%s", code, o)
	}
	o, _, _ = run(t, root, "--json doctor", false)
	var d struct {
		Findings []ops.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(o), &d); err != nil || len(d.Findings) != 1 || d.Findings[0].Severity != "warning" || d.Findings[0].Peer != "office" {
		t.Errorf("doctor --json: %v\n%s", err, o)
	}
	os.Remove(filepath.Join(root, "var/state/network"))
	if o, _, code := run(t, root, "doctor", false); code != 0 || strings.Contains(o, "held") {
		t.Errorf("without the hold: exit %d\n%s", code, o)
	}
}

// TestPeerListAndBridgeShowHeldEndpoint: `peer list --json`, `peer show`
// and the rpcd status and peers answers (what LuCI reads) carry
// endpoint_held for the held site only.
func TestPeerListAndBridgeShowHeldEndpoint(t *testing.T) {
	root := heldRoot(t)
	for _, out := range []string{mustRun(t, root, "--json peer list"), callMethod(t, root, "peers", `{"iface":"wg0"}`)} {
		var l struct {
			Peers []ops.PeerView `json:"peers"`
		}
		if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Peers) != 3 {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, p := range l.Peers {
			if p.EndpointHeld != (p.Name == "office") {
				t.Errorf("peer %s: endpoint_held %v in %s", p.Name, p.EndpointHeld, out)
			}
		}
	}
	for name, want := range map[string]bool{"office": true, "depot": false} {
		var one struct {
			Peer ops.PeerView `json:"peer"`
		}
		out := mustRun(t, root, "--json peer show "+name)
		if err := json.Unmarshal([]byte(out), &one); err != nil || one.Peer.EndpointHeld != want {
			t.Errorf("peer show %s --json: %v\n%s", name, err, out)
		}
		text := mustRun(t, root, "peer show "+name)
		if strings.Contains(text, name+".example.org:51820: held, name does not resolve yet (the supervisor sets it once it does)\n") != want {
			t.Errorf("peer show %s:\n%s", name, text)
		}
	}
	out := callMethod(t, root, "status", `{}`)
	if !strings.Contains(out, `"endpoint_held":true,"endpoint_host":"office.example.org"`) || strings.Count(out, "endpoint_held") != 1 {
		t.Errorf("rpcd status: %s", out)
	}
}
