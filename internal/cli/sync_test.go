package cli

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// TestSyncPushesCommittedPeers: after LuCI commits a removed and an added
// peer, sync upserts the new one and removes the old one, leaving the
// untouched peer alone; a device whose key differs from UCI (netifd is
// re-creating it) is skipped.
func TestSyncPushesCommittedPeers(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	mustRun(t, root, "peer add keep --public-key a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	mustRun(t, root, "peer add new --public-key 98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU=")
	st, _, err := ops.New(root).State("")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := plan.ReadServer(st, "wg0")
	keep, _ := wgtypes.ParseKey("a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=")
	gone, _ := wgtypes.ParseKey("1EAhjLTshKqu5k/ROvjeXaPm8Bx2XoOLZLRz2jqfImw=")
	_, a, _ := net.ParseCIDR("10.8.0.2/32")
	_, b, _ := net.ParseCIDR("fd12:3456:789a:ff00::2/128")
	dev := &wgtypes.Device{Name: "wg0", PrivateKey: wgtypes.Key(*srv.PrivateKey), ListenPort: 51820, Peers: []wgtypes.Peer{
		{PublicKey: keep, AllowedIPs: []net.IPNet{*a, *b}}, {PublicKey: gone}}}
	fake := wgdev.NewFake(dev)
	ops.Default.Devices = func() (wgdev.Client, error) { return fake, nil }
	if _, e, code := run(t, root, "sync", false); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, e)
	}
	if len(fake.Configs) != 1 {
		t.Fatalf("want one ConfigureDevice, got %+v", fake.Configs)
	}
	var got []string
	for _, p := range fake.Configs[0].Config.Peers {
		got = append(got, map[bool]string{true: "-", false: "+"}[p.Remove]+wg.Key(p.PublicKey).String()[:4])
	}
	if strings.Join(got, " ") != "+98cG -1EAh" {
		t.Errorf("peer changes %v, want +98cG (new) -1EAh (gone), keep untouched", got)
	}
	other := wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820})
	ops.Default.Devices = func() (wgdev.Client, error) { return other, nil }
	if _, e, code := run(t, root, "sync", false); code != 0 || !strings.Contains(e, "set up again by netifd") || len(other.Configs) != 0 {
		t.Errorf("device with another key: exit %d, %q, configs %v", code, e, other.Configs)
	}
	// --json: one document, the interface and why it was left alone
	o, _, code := run(t, root, "--json sync", false)
	var doc struct {
		Version    int
		Interfaces []struct{ Iface, Note, Error string }
	}
	if err := json.Unmarshal([]byte(o), &doc); code != 0 || err != nil || doc.Version != 1 || len(doc.Interfaces) != 1 ||
		doc.Interfaces[0].Iface != "wg0" || !strings.Contains(doc.Interfaces[0].Note, "set up again by netifd") || doc.Interfaces[0].Error != "" {
		t.Errorf("sync --json: exit %d, %v, %+v:\n%s", code, err, doc, o)
	}
}
