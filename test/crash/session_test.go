package crash

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlansAroundLuCISessions is issue 11 item 3 (second half): what a
// LuCI session has staged in rpcd (/var/run/rpcd/uci-<sid>) counts for the
// next free address, the key-in-use and the overlap checks; it is never
// committed; and a change to a section the session has edited is refused.
func TestPlansAroundLuCISessions(t *testing.T) {
	tmp, conf := t.TempDir(), t.TempDir()
	root := filepath.Join(t.TempDir(), "root")
	copyTree(t, "../../examples/router", root)
	if r := run(t, root, tmp, conf, "server init --endpoint vpn.example.com", 0); r.code != 0 {
		t.Fatalf("server init: %s", r.stderr)
	}
	sess := filepath.Join(root, "var/run/rpcd/uci-0123456789abcdef0123456789abcdef/network")
	os.MkdirAll(filepath.Dir(sess), 0700)
	const staged = "network.wgowrt_wg0_tablet='wireguard_wg0'\n" +
		"network.wgowrt_wg0_tablet.public_key='a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw='\n" +
		"|network.wgowrt_wg0_tablet.allowed_ips='10.8.0.2/32'\n" +
		"|network.wgowrt_wg0_tablet.allowed_ips='10.50.0.0/24'\n" +
		"network.wg0.mtu='1380'\n"
	os.WriteFile(sess, []byte(staged), 0600)
	netconf := filepath.Join(root, "etc/config/network")

	r := run(t, root, tmp, conf, "peer add phone", 0)
	net, _ := os.ReadFile(netconf)
	if r.code != 0 || !strings.Contains(string(net), "'10.8.0.3/32'") {
		t.Errorf("peer add: exit %d, want 10.8.0.3 (10.8.0.2 is staged in LuCI):\n%s\n%s", r.code, r.stderr, net)
	}
	if !strings.Contains(r.stderr, "LuCI session has unsaved changes to network") {
		t.Errorf("no warning about the session's changes: %q", r.stderr)
	}
	if strings.Contains(string(net), "tablet") {
		t.Error("the session's staged peer was committed")
	}
	refused := []struct{ cmd, says string }{
		{"peer add laptop --public-key a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=", "already used by peer wgowrt_wg0_tablet"},
		{"peer add nas --route 10.50.0.0/24", "overlaps"},
		{"server init --port 51822", "unsaved changes to network.wg0, which this change edits too"},
	}
	for _, c := range refused {
		before, _ := os.ReadFile(netconf)
		r := run(t, root, tmp, conf, c.cmd, 0)
		after, _ := os.ReadFile(netconf)
		if r.code == 0 || !strings.Contains(r.stderr, c.says) || string(after) != string(before) {
			t.Errorf("%s: exit %d, want a refusal naming %q and nothing written:\n%s", c.cmd, r.code, c.says, r.stderr)
		}
	}
	if b, _ := os.ReadFile(sess); string(b) != staged {
		t.Errorf("the session's staged changes were touched: %q", b)
	}
}
