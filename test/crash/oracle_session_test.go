package crash

import (
	"encoding/json"
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealRPCDSessionIsPlannedAroundAndAppliesCleanly: a peer staged in a
// LuCI session through the real rpcd (ubus uci add with the session) keeps
// its address from `wgowrt peer add`, stays staged in that session, and
// the session's later commit (LuCI's Save & Apply) lands next to ours.
// Cost: about 2 s (one namespace with rpcd).
func TestRealRPCDSessionIsPlannedAroundAndAppliesCleanly(t *testing.T) {
	tool := testenv.OracleTool(t, "owrt-ns")
	cfg := t.TempDir()
	for _, f := range []string{"network", "firewall"} {
		b, err := os.ReadFile(filepath.Join("../../examples/router/etc/config", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(cfg, f), b, 0600)
	}
	name := fmt.Sprintf("store%d", os.Getpid())
	ns := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("owrt-ns %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	ns("up", name, "--config", cfg)
	t.Cleanup(func() { testenv.NSDown(tool, name) })
	ns("cp", name, bin, "/usr/sbin/")
	ns("start", name, "rpcd")
	// --root /: the files only (no netifd runs here to reload).
	ns("exec", name, "wgowrt", "--root", "/", "server", "init", "--endpoint", "vpn.example.com")

	var sess struct {
		ID string `json:"ubus_rpc_session"`
	}
	if err := json.Unmarshal([]byte(ns("exec", name, "ubus", "call", "session", "create", `{"timeout":600}`)), &sess); err != nil || len(sess.ID) != 32 {
		t.Fatalf("session create: %v %q", err, sess.ID)
	}
	ns("exec", name, "ubus", "call", "session", "grant", `{"ubus_rpc_session":"`+sess.ID+`","scope":"uci","objects":[["network","read"],["network","write"]]}`)
	ns("exec", name, "ubus", "call", "uci", "add", `{"config":"network","type":"wireguard_wg0","name":"luci_tablet","values":{"public_key":"a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw=","allowed_ips":["10.8.0.2/32"]},"ubus_rpc_session":"`+sess.ID+`"}`)

	out := ns("exec", name, "wgowrt", "--root", "/", "peer", "add", "phone")
	if !strings.Contains(out, "Address = 10.8.0.3/32") || !strings.Contains(out, "LuCI session has unsaved changes to network") {
		t.Errorf("peer add did not plan around the session's staged peer:\n%s", out)
	}
	if show := ns("exec", name, "uci", "show", "network"); strings.Contains(show, "luci_tablet") {
		t.Errorf("the session's staged peer was committed:\n%s", show)
	}
	if ch := ns("exec", name, "ubus", "call", "uci", "changes", `{"config":"network","ubus_rpc_session":"`+sess.ID+`"}`); !strings.Contains(ch, "luci_tablet") {
		t.Errorf("the session lost its staged changes:\n%s", ch)
	}
	ns("exec", name, "ubus", "call", "uci", "commit", `{"config":"network","ubus_rpc_session":"`+sess.ID+`"}`)
	show := ns("exec", name, "uci", "show", "network")
	for _, want := range []string{"network.luci_tablet.allowed_ips='10.8.0.2/32'", "network.wgowrt_wg0_phone.allowed_ips='10.8.0.3/32'"} {
		if !strings.Contains(show, want) {
			t.Errorf("after the session's commit, %s is missing:\n%s", want, show)
		}
	}
}
