package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// confirmRoot is a stock router with a server and a peer, and a fake
// rollback timer.
func confirmRoot(t *testing.T) (string, *int) {
	useTestDeps(t)
	timers := 0
	ops.Default.StartTimer = func(string, *ops.Pending) error { timers++; return nil }
	ops.Default.Devices = func() (wgdev.Client, error) { return wgdev.NewFake(), nil }
	root := t.TempDir()
	for _, f := range []string{"network", "firewall"} {
		b, _ := os.ReadFile("testdata/wg/roots/stock/etc/config/" + f)
		os.MkdirAll(filepath.Join(root, "etc/config"), 0755)
		os.WriteFile(filepath.Join(root, "etc/config", f), b, 0644)
	}
	for _, l := range []string{"server init --endpoint vpn.example.com", "peer add phone"} {
		if _, e, code := run(t, root, l, false); code != 0 {
			t.Fatalf("%s: %s", l, e)
		}
	}
	return root, &timers
}

// TestConfirmFlags: --confirm=N (after the command or before it) arms the
// rollback and says how to keep the change; status --json shows it;
// confirm --json keeps it; bad values are usage errors that write nothing.
func TestConfirmFlags(t *testing.T) {
	root, timers := confirmRoot(t)
	_, e, code := run(t, root, "expose --peer phone --port 8080:80/tcp --confirm=60", false)
	if code != 0 || !strings.Contains(e, "rolls back by itself") || !strings.Contains(e, "wgowrt confirm") || *timers != 1 {
		t.Fatalf("exit %d, timers %d:\n%s", code, *timers, e)
	}
	o, _, _ := run(t, root, "status --json", false)
	var st struct {
		Version int
		Pending *ops.Pending
	}
	if json.Unmarshal([]byte(o), &st); st.Version != 1 || st.Pending == nil || st.Pending.Command != "expose" {
		t.Errorf("status --json does not show the pending change:\n%s", o)
	}
	if _, e, code := run(t, root, "peer add laptop", false); code != 1 || !strings.Contains(e, "waiting for confirmation") {
		t.Errorf("a second change while pending: exit %d %s", code, e)
	}
	o, _, code = run(t, root, "confirm --json", false)
	if code != 0 || !strings.Contains(o, `"confirmed"`) {
		t.Errorf("confirm --json: exit %d %s", code, o)
	}
	if _, e, code := run(t, root, "confirm", false); code != 1 || !strings.Contains(e, "no change is waiting") {
		t.Errorf("confirm with nothing pending: exit %d %s", code, e)
	}
	before := snapshot(t, root)
	for _, bad := range []string{"--confirm=abc", "--confirm=2", "--confirm=99999", "--confirm=30 --no-confirm"} {
		if _, e, code := run(t, root, "--no-confirm expose --peer phone --port 8081:81/tcp "+bad, false); code != 2 {
			t.Errorf("%s: exit %d %s", bad, code, e)
		}
	}
	if d := cmp.Diff(before, snapshot(t, root)); d != "" {
		t.Errorf("a refused --confirm value changed files (-before +after):\n%s", d)
	}
	if _, _, code := run(t, root, "--confirm expose --peer phone --port 8082:82/tcp", false); code != 0 || *timers != 2 {
		t.Errorf("bare --confirm before the command: exit %d, timers %d", code, *timers)
	}
	if _, e, code := run(t, root, "rollback", false); code != 0 || !strings.Contains(e, "rolled back") {
		t.Errorf("rollback: exit %d %s", code, e)
	}
}
