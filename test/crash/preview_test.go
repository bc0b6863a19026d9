package crash

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreviewAfterAKillWritesNothing: while an interrupted write waits to
// be undone, --dry-run changes no file (not even by undoing it) and says
// so in one line; the next real command undoes it and converges.
func TestPreviewAfterAKillWritesNothing(t *testing.T) {
	tmp := t.TempDir()
	conf := t.TempDir()
	base := filepath.Join(t.TempDir(), "base")
	copyTree(t, "../../examples/router", base)
	ref := filepath.Join(t.TempDir(), "ref")
	copyTree(t, base, ref)
	if r := run(t, ref, tmp, conf, initCmd, 0); r.code != 0 {
		t.Fatalf("uninterrupted: exit %d\n%s", r.code, r.stderr)
	}
	want := snapshot(t, ref)
	// Kill at later and later steps until a journal is left behind.
	root := ""
	for n := 1; n < 100; n++ {
		root = filepath.Join(t.TempDir(), "root")
		copyTree(t, base, root)
		r := run(t, root, tmp, conf, initCmd, n)
		if !r.killed {
			t.Fatal("no kill left a journal behind")
		}
		if _, err := os.Stat(filepath.Join(root, "etc/config/.wgowrt-journal")); err == nil {
			break
		}
	}
	before := snapshot(t, root)
	r := run(t, root, tmp, conf, "--dry-run "+initCmd, 0)
	if r.code != 1 || !strings.Contains(r.stderr, "interrupted") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("dry run after a kill: exit %d, want 1 and one line about the interrupted change:\n%s", r.code, r.stderr)
	}
	diffTrees(t, before, snapshot(t, root), "--dry-run after a kill")
	if r := run(t, root, tmp, conf, initCmd, 0); r.code != 0 {
		t.Fatalf("rerun: exit %d\n%s", r.code, r.stderr)
	}
	diffTrees(t, want, snapshot(t, root), "rerun after the preview")
}
