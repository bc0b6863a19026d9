package cli

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/qr"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
)

// liveRouter makes the commands treat the --root tree as a running router
// whose ubus answers from testdata/wg-ubus and whose devices are dev.
func liveRouter(t *testing.T, dev *wgdev.Fake, release string) *ubus.Fake {
	t.Helper()
	useTestDeps(t)
	fake := &ubus.Fake{Dir: "testdata/wg-ubus"}
	ops.Default.Live = func(string) *ops.Live {
		return &ops.Live{Ubus: fake, Dev: func() (wgdev.Client, error) { return dev, nil },
			Release: system.ParseRelease([]byte("DISTRIB_RELEASE='" + release + "'\n"))}
	}
	ops.Default.Devices = func() (wgdev.Client, error) { return dev, nil }
	return fake
}

func stockRoot(t *testing.T) string {
	root := t.TempDir()
	copyTree(t, "testdata/wg/roots/stock", root)
	return root
}

func mustRun(t *testing.T, root, line string) string {
	t.Helper()
	o, e, code := run(t, root, line, false)
	if code != 0 {
		t.Fatalf("%q: exit %d: %s", line, code, e)
	}
	return o
}

func TestServerInitOnLiveRouterReloadsAndAvoidsLiveAddresses(t *testing.T) {
	fake := liveRouter(t, wgdev.NewFake(), "24.10.2")
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	net, _ := os.ReadFile(filepath.Join(root, "etc/config/network"))
	// The wan address 10.8.0.77/24 exists only in the running system.
	if !strings.Contains(string(net), "list addresses '10.9.0.1/24'") {
		t.Errorf("10.8.0.0/24 is live on wan, want 10.9.0.1/24:\n%s", net)
	}
	want := []string{
		"network.interface dump {}",
		"network reload {}",
		`service event {"data":{"package":"firewall"},"type":"config.change"}`,
	}
	if got := fake.Calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ubus calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// runningWG0 is wg0 as netifd brought it up: one existing peer with a
// session.
func runningWG0(t *testing.T, root string) (*wgdev.Fake, wgtypes.Key) {
	other, _ := wgtypes.ParseKey("98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU=")
	_, ipn, _ := net.ParseCIDR("10.8.0.9/32")
	return wgdev.NewFake(&wgtypes.Device{Name: "wg0", ListenPort: 51820, Peers: []wgtypes.Peer{
		{PublicKey: other, AllowedIPs: []net.IPNet{*ipn}, LastHandshakeTime: time.Unix(1795307818, 0)},
	}}), other
}

func TestPeerAddPushesOnlyTheNewPeerWithoutReload(t *testing.T) {
	root := stockRoot(t)
	useTestDeps(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	dev, other := runningWG0(t, root)
	fake := liveRouter(t, dev, "24.10.2")
	mustRun(t, root, "peer add phone")
	// Reading the live addresses and whether netifd is still setting wg0
	// up is fine; anything else would be a reload.
	if c := fake.Calls(); len(c) != 2 || c[0] != "network.interface dump {}" || c[1] != "network.interface.wg0 status {}" {
		t.Errorf("peer add called ubus (a reload would bounce sessions on master): %v", c)
	}
	if len(dev.Configs) != 1 {
		t.Fatalf("%d ConfigureDevice calls, want 1", len(dev.Configs))
	}
	cfg := dev.Configs[0].Config
	if cfg.ReplacePeers || len(cfg.Peers) != 2 {
		t.Fatalf("config %+v: want the new peer upserted and the stale 10.8.0.9 peer (not in UCI) removed, no ReplacePeers", cfg)
	}
	var removed bool
	for _, p := range cfg.Peers {
		if p.PublicKey == other {
			removed = p.Remove
		} else if !p.ReplaceAllowedIPs || len(p.AllowedIPs) != 2 {
			t.Errorf("new peer %+v: want ReplaceAllowedIPs with its two addresses", p)
		}
	}
	if !removed {
		t.Error("the peer that is not in UCI was not removed (wg syncconf semantics)")
	}
}

func TestPeerAddWithRouteRenewsOn2512AndAdvisesOn2410(t *testing.T) {
	for release, wantRenew := range map[string]bool{"25.12.0": true, "24.10.2": false} {
		root := stockRoot(t)
		useTestDeps(t)
		mustRun(t, root, "server init --endpoint vpn.example.com")
		dev, _ := runningWG0(t, root)
		fake := liveRouter(t, dev, release)
		var o, e bytes.Buffer
		if code := Main([]string{"wgowrt", "--root", root, "peer", "add", "spoke", "--route", "192.168.50.0/24"}, nil, &o, &e); code != 0 {
			t.Fatalf("%s: %s", release, e.String())
		}
		renewed := strings.Contains(strings.Join(fake.Calls(), "\n"), "network.interface.wg0 renew")
		if renewed != wantRenew {
			t.Errorf("%s: renew called = %v, want %v", release, renewed, wantRenew)
		}
		if !wantRenew && !strings.Contains(e.String(), "ifup wg0") {
			t.Errorf("%s: no advice to ifup: %s", release, e.String())
		}
	}
}

func TestPeerRemoveAndDisableRemoveFromRunningDevice(t *testing.T) {
	root := stockRoot(t)
	useTestDeps(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	mustRun(t, root, "peer add a")
	mustRun(t, root, "peer add b")
	dev, _ := runningWG0(t, root)
	liveRouter(t, dev, "24.10.2")
	mustRun(t, root, "peer enable a") // pushes a and b, removes the stale one
	mustRun(t, root, "peer disable a")
	mustRun(t, root, "peer remove b")
	d, _ := dev.Device("wg0")
	if len(d.Peers) != 0 {
		t.Errorf("device still has %d peers after disabling a and removing b", len(d.Peers))
	}
	for _, c := range dev.Configs {
		if c.Config.ReplacePeers {
			t.Error("ReplacePeers used")
		}
	}
}

func TestWithRootNothingIsApplied(t *testing.T) {
	useTestDeps(t)
	called := false
	ops.Default.Live = func(root string) *ops.Live {
		if root == "" {
			t.Error("live system requested without --root in a test")
		}
		called = true
		return nil
	}
	root := stockRoot(t)
	mustRun(t, root, "server init")
	if !called {
		t.Error("the live system was never asked for")
	}
}

func TestPeerAddQROutputAndJSON(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com --internet")
	file := filepath.Join(t.TempDir(), "phone.conf")
	out := mustRun(t, root, "peer add phone --psk --keep-private-key --qr --output "+file)
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0600 {
		t.Fatalf("config file: %v, mode %v; want 0600", err, st)
	}
	conf, _ := os.ReadFile(file)
	code, _ := qr.Encode(conf, qr.M)
	if out != code.Half() {
		t.Errorf("--qr did not draw the config written to --output")
	}
	if again := mustRun(t, root, "peer show phone --config"); again != string(conf) {
		t.Errorf("re-exported config differs:\n%s\nwant:\n%s", again, conf)
	}
	var j struct {
		Version int
		Peer    struct {
			PrivateKey   string `json:"private_key"`
			PresharedKey string `json:"preshared_key"`
		}
	}
	js := mustRun(t, root, "--json peer show phone")
	if err := json.Unmarshal([]byte(js), &j); err != nil || j.Version != 1 {
		t.Fatalf("peer show --json: %v %s", err, js)
	}
	if strings.Contains(js, "PrivateKey") || j.Peer.PrivateKey != "(hidden)" || j.Peer.PresharedKey != "(hidden)" {
		t.Errorf("secrets not hidden in --json:\n%s", js)
	}
}

func TestSecretsNeverInDryRunOrErrors(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	o, _, _ := run(t, root, "peer add x --psk --keep-private-key", true)
	if strings.Count(o, "(hidden)") != 2 {
		t.Errorf("dry run shows secrets:\n%s", o)
	}
	secret := "oIHozryHLSWQJ3XO0bYvxMae7RMY7UPXZ1lTadLDZl8"
	_, e, _ := run(t, root, "peer add y --public-key "+secret, false)
	if strings.Contains(e, secret) {
		t.Errorf("error repeats the key: %s", e)
	}
}

// TestClientReimportReloadsAndPushesPeers re-imports a provider file whose
// address and peer changed: netifd must reload (address, routes), and the
// new peer must reach the running device as well, since up to 24.10
// `network reload` does not apply peer sections.
func TestClientReimportReloadsAndPushesPeers(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	importConf := func(conf string) string {
		var o, e bytes.Buffer
		if code := Main([]string{"wgowrt", "--root", root, "client", "import", "-"}, strings.NewReader(conf), &o, &e); code != 0 {
			t.Fatalf("import: %s", e.String())
		}
		return e.String()
	}
	importConf(providerConf)
	old, _ := wgtypes.ParseKey("NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk=")
	dev := wgdev.NewFake(&wgtypes.Device{Name: "wgc", Peers: []wgtypes.Peer{{PublicKey: old}}})
	fake := liveRouter(t, dev, "24.10.2")
	newKey := "98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU="
	conf := strings.Replace(providerConf, "NuFZCcw4//TcrCX5YZmVOibKGT4Ju4TpW2iueZfx0zk=", newKey, 1)
	stderr := importConf(strings.Replace(conf, "10.64.0.2/32", "10.64.0.3/32", 1))
	if !strings.Contains(stderr, "run 'ifup wgc'") {
		t.Errorf("24.10 needs ifup for the new address; the user was not told: %s", stderr)
	}
	if !strings.Contains(strings.Join(fake.Calls(), "\n"), "network reload") {
		t.Errorf("no network reload: %v", fake.Calls())
	}
	if len(dev.Configs) != 1 {
		t.Fatalf("%d ConfigureDevice calls, want 1 (the peer diff)", len(dev.Configs))
	}
	got := map[string]bool{}
	for _, p := range dev.Configs[0].Config.Peers {
		got[p.PublicKey.String()] = p.Remove
	}
	if removed, ok := got[old.String()]; !ok || !removed {
		t.Errorf("old provider peer not removed: %v", got)
	}
	if removed, ok := got[newKey]; !ok || removed {
		t.Errorf("new provider peer not added: %v", got)
	}
}

// TestAddressChangeNeedsNoIfupFrom2512: 25.12's handler registers
// `addresses`, so a reload applies it and no ifup advice is given.
func TestAddressChangeNeedsNoIfupFrom2512(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	if code := Main([]string{"wgowrt", "--root", root, "client", "import", "-"}, strings.NewReader(providerConf), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatal("first import failed")
	}
	liveRouter(t, wgdev.NewFake(&wgtypes.Device{Name: "wgc"}), "25.12.0")
	var e bytes.Buffer
	if code := Main([]string{"wgowrt", "--root", root, "client", "import", "-"}, strings.NewReader(strings.Replace(providerConf, "10.64.0.2/32", "10.64.0.3/32", 1)), &bytes.Buffer{}, &e); code != 0 {
		t.Fatal(e.String())
	}
	if !strings.Contains(e.String(), "network reloaded") || strings.Contains(e.String(), "ifup") {
		t.Errorf("25.12: %s", e.String())
	}
}

// TestRouteOverlapsLiveWanAddress: the wan's DHCP address exists only in
// the running router (testdata/wg-ubus: 10.8.0.77/24 on wan); a route into
// the tunnel over it is refused although no file mentions it.
func TestRouteOverlapsLiveWanAddress(t *testing.T) {
	liveRouter(t, wgdev.NewFake(), "24.10.2")
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	for _, line := range []string{
		"peer add spoke --route 10.8.0.128/25",
		"site add branch --public-key 98cGU+1w3rYMCD/FVOFoNkGxbWhjNEJd7TDA0pYAiGU= --remote-subnet 10.8.0.0/16",
	} {
		_, e, code := run(t, root, line, false)
		if code == 0 || !strings.Contains(e, "10.8.0.0/24 (wan, running)") {
			t.Errorf("%s: exit %d, %q; want a refusal naming wan's live 10.8.0.0/24", line, code, e)
		}
	}
}
