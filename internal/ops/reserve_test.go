package ops

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/internal/plan"
)

// addr is the first address a peer-add outcome gives its peer.
func addr(t *testing.T, res *PeerAddResult) string {
	t.Helper()
	v, _ := res.Plan.State.Network.Section(res.Section).Get("allowed_ips")
	if v == "" {
		t.Fatalf("peer %s has no address", res.Section)
	}
	return v
}

// TestSessionAnswerReserved: a session's peer_add writes nothing to the
// config but reserves its peer (0600, under /var/run/wgowrt) until LuCI
// stages it; a command and another session plan around it; once staged,
// the reservation is gone and the staged peer still counts.
func TestSessionAnswerReserved(t *testing.T) {
	o := testOps(t)
	sid, other := "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	os.MkdirAll(o.Path(SessionDir+sid), 0700)
	before := file(t, o, "etc/config/network")
	tablet, err := o.PeerAdd(PeerAdd{Txn: Txn{Session: sid}, Intent: plan.PeerIntent{Name: "tablet"}})
	if err != nil {
		t.Fatal(err)
	}
	if file(t, o, "etc/config/network") != before {
		t.Fatal("a session's plan wrote the config")
	}
	res := o.Path("/var/run/wgowrt/reserve-" + sid + "/network." + tablet.Section)
	fi, err := os.Stat(res)
	if err != nil || fi.Mode().Perm() != 0600 {
		t.Fatalf("reservation %s: %v %v", res, fi, err)
	}
	phone, err := o.PeerAdd(peerAdd("phone"))
	if err != nil {
		t.Fatal(err)
	}
	laptop, err := o.PeerAdd(PeerAdd{Txn: Txn{Session: other}, Intent: plan.PeerIntent{Name: "laptop"}})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := addr(t, tablet), addr(t, phone), addr(t, laptop)
	if a == b || a == c || b == c {
		t.Fatalf("tablet %s, phone %s, laptop %s: a reserved address was handed out again", a, b, c)
	}
	// LuCI stages the answer: the reservation ends, the address stays taken.
	staged, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(o.Path(SessionDir+sid), "network"), staged, 0600)
	tv, err := o.PeerAdd(peerAdd("tv"))
	if err != nil {
		t.Fatal(err)
	}
	if d := addr(t, tv); d == a || d == b {
		t.Errorf("tv got %s, taken by a staged or committed peer", d)
	}
	if _, err := os.Stat(res); !os.IsNotExist(err) {
		t.Errorf("the reservation outlived its staging: %v", err)
	}
}
