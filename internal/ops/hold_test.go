package ops

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/uci"
)

const holdNetwork = `config interface 'wg0'
	option proto 'wireguard'

config wireguard_wg0 'srv'
	option public_key 'x'
	option endpoint_host 'srv.test'

config wireguard_wg0
	option public_key 'y'
	option endpoint_host 'anon.test'
`

// A hold is one delta line in /var/state/network beside netifd's own
// lines; releasing it keeps theirs; /etc/config/network is never
// written; the real uci (when the oracle is installed) reads the peer
// without endpoint_host through -P /var/state and with it without.
func TestHoldAndRelease(t *testing.T) {
	root := t.TempDir()
	conf := filepath.Join(root, "etc/config")
	state := filepath.Join(root, "var/state")
	os.MkdirAll(conf, 0o755)
	os.MkdirAll(state, 0o755)
	os.WriteFile(filepath.Join(conf, "network"), []byte(holdNetwork), 0o644)
	netifd := "network.wg0.up='1'\n"
	os.WriteFile(filepath.Join(state, "network"), []byte(netifd), 0o644)
	o := New(root)
	if err := o.HoldEndpoint("wg0"); err == nil {
		t.Error("held an interface section")
	}
	for i := 0; i < 2; i++ {
		if err := o.HoldEndpoint("srv"); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(state, "network"))
	if got, want := string(b), netifd+"-network.srv.endpoint_host\n"; got != want {
		t.Errorf("/var/state/network = %q, want %q", got, want)
	}
	if h, _ := o.HeldEndpoints(); len(h) != 1 || !h["srv"] {
		t.Errorf("HeldEndpoints = %v", h)
	}
	realUCI(t, conf, state, "network.srv.endpoint_host", "srv.test")
	// An anonymous peer (LuCI adds them) is held under libuci's generated
	// name, which the real uci resolves the same way.
	p, err := uci.Parse("network", []byte(holdNetwork))
	if err != nil {
		t.Fatal(err)
	}
	anon := p.SectionsOfType("wireguard_wg0")[1].Name
	if err := o.HoldEndpoint(anon); err != nil {
		t.Fatal(err)
	}
	realUCI(t, conf, state, "network.@wireguard_wg0[1].endpoint_host", "anon.test")
	for _, sec := range []string{"srv", anon} {
		if err := o.ReleaseEndpoint(sec); err != nil {
			t.Fatal(err)
		}
	}
	b, _ = os.ReadFile(filepath.Join(state, "network"))
	if string(b) != netifd {
		t.Errorf("after release /var/state/network = %q", b)
	}
	if c, _ := os.ReadFile(filepath.Join(conf, "network")); string(c) != holdNetwork {
		t.Error("/etc/config/network changed")
	}
	// A release killed before its rename left its temp file: the next
	// look at the holds removes it.
	os.WriteFile(filepath.Join(state, ".network.uci-123"), []byte("x"), 0o644)
	o.HeldEndpoints()
	if ents, _ := os.ReadDir(state); len(ents) != 1 {
		t.Errorf("files left in /var/state: %v", ents)
	}
}

func realUCI(t *testing.T, conf, state, ptr, want string) {
	dir := os.Getenv("OWRT_ORACLE")
	if dir == "" {
		dir = "/opt/owrt-oracle"
	}
	uci := filepath.Join(dir, "usr/bin/uci")
	if _, err := os.Stat(uci); err != nil {
		t.Log("no oracle uci: the real reader not checked")
		return
	}
	if out, err := exec.Command(uci, "-c", conf, "-P", state, "get", ptr).CombinedOutput(); err == nil {
		t.Errorf("uci -P /var/state get %s still sees %s", ptr, out)
	}
	if out, err := exec.Command(uci, "-c", conf, "get", ptr).CombinedOutput(); err != nil || string(out) != want+"\n" {
		t.Errorf("uci get %s = %q, %v (the user's view changed)", ptr, out, err)
	}
}
