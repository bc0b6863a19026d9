package ops

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if err == nil || r.Wrote || r.Deliver {
		t.Fatalf("got wrote=%v deliver=%v err=%v, want a refusal before the commit", r.Wrote, r.Deliver, err)
	}
	if file(t, o, "/etc/config/network") != before {
		t.Error("the peer was committed although its config could not be delivered")
	}
}

// TestPeerAddDeliversAfterCommitWhateverFails: once the peer is
// committed its config is handed over even when the file cannot be
// written after all, or the device cannot be reached.
func TestPeerAddDeliversAfterCommitWhateverFails(t *testing.T) {
	o := testOps(t)
	req := peerAdd("phone")
	// Passes the checks, but the temporary name beside it is too long.
	req.Output = filepath.Join(t.TempDir(), strings.Repeat("x", 250))
	r, err := o.PeerAdd(req)
	if err != nil || !r.Wrote || !r.Deliver || r.WriteErr == nil || r.Written != "" || r.Config.PrivateKey == nil {
		t.Fatalf("wrote=%v deliver=%v writeErr=%v err=%v: want the config handed back with the write error", r.Wrote, r.Deliver, r.WriteErr, err)
	}
	o.Deps.Live = func(string) *Live {
		return &Live{Ubus: &ubus.Fake{Dir: "../cli/testdata/wg-ubus"}, Dev: func() (wgdev.Client, error) { return nil, errors.New("no netlink") }}
	}
	r, err = o.PeerAdd(peerAdd("laptop"))
	if err == nil || !r.Wrote || !r.Deliver || r.Config.PrivateKey == nil {
		t.Errorf("device unreachable: wrote=%v deliver=%v err=%v: want the config delivered with the error", r.Wrote, r.Deliver, err)
	}
}

// TestDryRunWritesNoFile: a dry run never writes the config or the
// preshared key, whatever the output path.
func TestDryRunWritesNoFile(t *testing.T) {
	o := testOps(t)
	out := filepath.Join(t.TempDir(), "phone.conf")
	req := peerAdd("phone")
	req.Output, req.DryRun = out, true
	if r, err := o.PeerAdd(req); err != nil || r.Deliver {
		t.Fatalf("dry run: deliver=%v err=%v", r.Deliver, err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote %s", out)
	}
}
