package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
)

// TestPeerAddBadOutputCommitsNothing: `peer add -o` into a directory
// that does not exist is refused before the commit, so the rerun with a
// good path adds the peer instead of saying it exists (its key lost).
func TestPeerAddBadOutputCommitsNothing(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	before := snapshot(t, root)
	_, e, code := run(t, root, "peer add phone -o "+filepath.Join(root, "nowhere", "phone.conf"), false)
	if code != 1 || !strings.Contains(e, "nowhere") {
		t.Errorf("exit %d, stderr %q: want exit 1 naming the path", code, e)
	}
	if after := snapshot(t, root); !equalMaps(before, after) {
		t.Fatalf("the peer was committed although its config had nowhere to go: %v", diffKeys(before, after))
	}
	out := filepath.Join(root, "phone.conf")
	if _, e, code := run(t, root, "peer add phone -o "+out, false); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, e)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "PrivateKey = ") {
		t.Errorf("rerun wrote %q", b)
	}
}

// TestPeerAddPrintsConfigWhenFileFailsAfterCommit: when the file cannot
// be written after the peer is committed, the config (the only copy of
// its private key) is printed instead, and the exit status says so.
func TestPeerAddPrintsConfigWhenFileFailsAfterCommit(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	long := filepath.Join(root, strings.Repeat("x", 250)) // its temporary sibling's name is too long
	o, e, code := run(t, root, "peer add phone -o "+long, false)
	if code != 1 || !strings.Contains(o, "PrivateKey = ") || !strings.Contains(e, "phone was added") {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit 1 with the config on stdout", code, o, e)
	}
}

// TestPeerAddDeliversWhenDeviceUnreachable: the peer is committed but the
// running device cannot be reached: the config is still printed.
func TestPeerAddDeliversWhenDeviceUnreachable(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	ops.Default.Live = func(string) *ops.Live {
		return &ops.Live{Ubus: &ubus.Fake{Dir: "testdata/wg-ubus"}, Dev: func() (wgdev.Client, error) { return nil, errors.New("no netlink") }}
	}
	o, e, code := run(t, root, "peer add phone", false)
	if code != 1 || !strings.Contains(o, "PrivateKey = ") || !strings.Contains(e, "cannot be reached") {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit 1 with the config on stdout", code, o, e)
	}
}

// TestDryRunWritesNoFile: --dry-run writes no client config or
// preshared key, exports included.
func TestDryRunWritesNoFile(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	mustRun(t, root, "peer add phone --keep-private-key")
	mustRun(t, root, "site add office --public-key a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw= --remote-subnet 192.168.20.0/24 --psk")
	dir := t.TempDir()
	for _, line := range []string{
		"peer add laptop -o " + dir + "/a.conf",
		"peer show phone --config -o " + dir + "/b.conf",
		"site invite office --as hq --endpoint vpn.example.com --psk-file " + dir + "/psk",
	} {
		if _, e, code := run(t, root, line, true); code != 0 {
			t.Errorf("--dry-run %s: exit %d: %s", line, code, e)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("--dry-run wrote %v", ents)
	}
}

// TestClientImportBoundedInput: an endless file is refused with one line
// instead of reading it into memory.
func TestClientImportBoundedInput(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	start := time.Now()
	_, e, code := run(t, root, "client import /dev/zero", false)
	if code != 1 || strings.Count(e, "\n") != 1 || !strings.Contains(e, "/dev/zero") {
		t.Errorf("exit %d, stderr %q: want one line naming /dev/zero", code, e)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestPeerOutputSymlinkNotFollowed: -o onto a symlink planted by someone
// else replaces the link instead of writing the key where it points.
func TestPeerOutputSymlinkNotFollowed(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	mustRun(t, root, "server init --endpoint vpn.example.com")
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep"), 0644)
	os.Symlink(victim, filepath.Join(dir, "phone.conf"))
	mustRun(t, root, "peer add phone -o "+filepath.Join(dir, "phone.conf"))
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the key was written through the symlink: %q", b)
	}
}

// TestReadsAndDryRunsLeaveACopyAlone: on a copy of a router's files
// (the README's first example) a dry run and a read create nothing, not
// even the lock's directory.
func TestReadsAndDryRunsLeaveACopyAlone(t *testing.T) {
	useTestDeps(t)
	root := stockRoot(t)
	if _, e, code := run(t, root, "server init --endpoint vpn.example.org", true); code != 0 {
		t.Fatalf("dry run: %s", e)
	}
	run(t, root, "peer list", false)
	if _, err := os.Stat(filepath.Join(root, "var")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dry run or a read created %s/var (%v)", root, err)
	}
}
