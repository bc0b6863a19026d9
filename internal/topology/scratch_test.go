package topology

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestDryRunSweepsKilledScratchRoots: a dry run copies the configuration,
// keys included, into a scratch root that a killed run leaves behind; the
// next dry run removes those of dead processes and leaves a live one's.
func TestDryRunSweepsKilledScratchRoots(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(tmp, scratchPrefix+strconv.Itoa(gone.Process.Pid)+"-1")
	live := filepath.Join(tmp, scratchPrefix+strconv.Itoa(os.Getppid())+"-2")
	for _, d := range []string{dead, live} {
		os.MkdirAll(filepath.Join(d, "etc/config"), 0o700)
		os.WriteFile(filepath.Join(d, "etc/config/network"), []byte("option private_key 'x'\n"), 0o600)
	}
	top, routers := fleet(t)
	if _, err := Apply(routers["hub"], top, "hub", true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a killed dry run's scratch root stays: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a running process's scratch root was removed: %v", err)
	}
	ents, _ := os.ReadDir(tmp)
	if len(ents) != 1 {
		t.Errorf("TMPDIR holds %d entries after the dry run, want only the live one", len(ents))
	}
}
