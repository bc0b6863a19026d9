package cli

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary drives the built wgowrt: real process, real exit codes and
// real crypto/rand keys (so only key-independent output is compared).
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "wgowrt")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/wgowrt/wgowrt/cmd/wgowrt").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	root := stockRoot(t)
	runBin := func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, append([]string{"--root", root}, args...)...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return o.String(), e.String(), code
	}
	if o, _, code := runBin("--dry-run", "server", "init", "--endpoint", "vpn.example.com"); code != 0 || !strings.Contains(o, "network.wg0.private_key='(hidden)'\n") {
		t.Errorf("dry run: exit %d\n%s", code, o)
	}
	if _, e, code := runBin("server", "init", "--port", "0"); code != 1 || !strings.HasPrefix(e, "wgowrt: port \"0\"") {
		t.Errorf("bad port: exit %d, %q", code, e)
	}
	if _, e, code := runBin("peer", "add"); code != 2 || strings.Count(e, "\n") != 1 {
		t.Errorf("missing NAME: exit %d (want 2, usage), %q", code, e)
	}
	if _, e, code := runBin("server", "init", "--endpoint", "vpn.example.com", "--internet"); code != 0 {
		t.Fatalf("init: %s", e)
	}
	o, e, code := runBin("peer", "add", "phone", "--psk")
	if code != 0 || !strings.Contains(o, "PrivateKey = ") || !strings.Contains(o, "PresharedKey = ") {
		t.Fatalf("peer add: exit %d %s\n%s", code, e, o)
	}
	if o, _, _ := runBin("peer", "list"); strings.Contains(o, "PrivateKey") || !strings.Contains(o, "phone") {
		t.Errorf("peer list:\n%s", o)
	}
}
