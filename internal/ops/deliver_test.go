package ops

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
)

// TestPeerAddChecksOutputBeforeCommitting: an output file that cannot be
// written (no such directory) is refused before anything is committed,
// so a rerun with a good path adds the peer.
func TestPeerAddChecksOutputBeforeCommitting(t *testing.T) {
	o := testOps(t)
	before := file(t, o, "/etc/config/network")
	req := peerAdd("phone")
	req.Output = filepath.Join(t.TempDir(), "missing", "phone.conf")
	r, err := o.PeerAdd(req)
	if err == nil || r.Wrote || r.Delivered {
		t.Fatalf("got wrote=%v delivered=%v err=%v, want a refusal before the commit", r.Wrote, r.Delivered, err)
	}
	if file(t, o, "/etc/config/network") != before {
		t.Error("the peer was committed although its config could not be delivered")
	}
}

// TestPeerAddDeliversAfterCommitWhateverFails: once the peer is
// committed its config is handed over even when the file cannot be
// written after all (it is shown instead), or the device cannot be
// reached.
func TestPeerAddDeliversAfterCommitWhateverFails(t *testing.T) {
	o := testOps(t)
	var shown []string
	req := peerAdd("phone")
	req.Show = func(cfg wg.ClientConfig) error { shown = append(shown, cfg.Name); return nil }
	// Passes the checks, but the temporary name beside it is too long.
	req.Output = filepath.Join(t.TempDir(), strings.Repeat("x", 250))
	r, err := o.PeerAdd(req)
	if err != nil || !r.Wrote || !r.Delivered || r.WriteErr == nil || r.Written != "" || len(shown) != 1 {
		t.Fatalf("wrote=%v delivered=%v writeErr=%v shown=%v err=%v: want the config shown after the write failed", r.Wrote, r.Delivered, r.WriteErr, shown, err)
	}
	o.Deps.Live = func(string) *Live {
		return &Live{Ubus: &ubus.Fake{Dir: "../cli/testdata/wg-ubus"}, Dev: func() (wgdev.Client, error) { return nil, errors.New("no netlink") }}
	}
	req = peerAdd("laptop")
	req.Show = func(cfg wg.ClientConfig) error { shown = append(shown, cfg.Name); return nil }
	r, err = o.PeerAdd(req)
	if err == nil || !r.Wrote || !r.Delivered || len(shown) != 2 || shown[1] != "laptop" {
		t.Errorf("device unreachable: wrote=%v delivered=%v shown=%v err=%v: want the config delivered with the error", r.Wrote, r.Delivered, shown, err)
	}
}

// TestPeerAddKilledBeforeDeliveryIsRolledBack: a run killed after the
// commit but before the config was shown leaves a write the next run
// rolls back, so the same command then adds the peer, whole, with a key
// the user gets (instead of "exists" and a lost key).
func TestPeerAddKilledBeforeDeliveryIsRolledBack(t *testing.T) {
	if root := os.Getenv("WGOWRT_OPS_DIE_IN_SHOW"); root != "" {
		o := New(root)
		o.Deps.Live = func(string) *Live { return nil }
		req := peerAdd("phone")
		req.Show = func(wg.ClientConfig) error { os.Exit(3); return nil }
		o.PeerAdd(req)
		return
	}
	o := testOps(t)
	before := file(t, o, "/etc/config/network")
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeerAddKilledBeforeDeliveryIsRolledBack$")
	cmd.Env = append(os.Environ(), "WGOWRT_OPS_DIE_IN_SHOW="+o.Root)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the helper did not die in Show: %s", out)
	}
	if _, _, err := New(o.Root).Read("", ""); err != nil {
		t.Fatal(err)
	}
	if got := file(t, o, "/etc/config/network"); got != before {
		t.Errorf("the undelivered peer was not rolled back by the next run:\n%s", got)
	}
	req := peerAdd("phone")
	req.Show = func(wg.ClientConfig) error { return nil }
	if r, err := o.PeerAdd(req); err != nil || !r.Wrote || r.Existed || !r.Delivered {
		t.Errorf("rerun: wrote=%v existed=%v delivered=%v err=%v, want the peer added and delivered", r.Wrote, r.Existed, r.Delivered, err)
	}
}

// TestDryRunWritesNoFile: a dry run never writes the config or the
// preshared key, whatever the output path.
func TestDryRunWritesNoFile(t *testing.T) {
	o := testOps(t)
	out := filepath.Join(t.TempDir(), "phone.conf")
	req := peerAdd("phone")
	req.Output, req.DryRun = out, true
	if r, err := o.PeerAdd(req); err != nil || r.Delivered {
		t.Fatalf("dry run: delivered=%v err=%v", r.Delivered, err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote %s", out)
	}
}
