package ops

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
)

// confirmOps is testOps with a fake timer that records what it was asked.
func confirmOps(t *testing.T) (*Ops, *[]*Pending) {
	o := testOps(t)
	var timers []*Pending
	o.Deps.StartTimer = func(root string, p *Pending) error {
		if root != o.Root {
			t.Errorf("timer root %q, want %q", root, o.Root)
		}
		timers = append(timers, p)
		return nil
	}
	return o, &timers
}

func confirmedExpose(o *Ops, window time.Duration) (*ExposeResult, error) {
	port, _ := plan.ParsePortSpec("8080:80/tcp")
	return o.Expose(Expose{Txn: Txn{Confirm: Confirm{Window: window, Command: "expose"}},
		Intent: plan.ExposeIntent{Peer: "phone", Port: port, On: "lan"}})
}

// TestConfirmedChangeRollsBack: a confirmed change is committed with a
// record of the old files and a timer; store.Recover (a crash journal's
// recovery) leaves it alone; Rollback restores exactly the old bytes and
// drops the record; a new change is refused while one is pending.
func TestConfirmedChangeRollsBack(t *testing.T) {
	o, timers := confirmOps(t)
	if _, err := o.PeerAdd(peerAdd("phone")); err != nil {
		t.Fatal(err)
	}
	before := file(t, o, "/etc/config/firewall")
	r, err := confirmedExpose(o, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pending == nil || len(*timers) != 1 || (*timers)[0].ID != r.Pending.ID {
		t.Fatalf("pending %+v, timers %+v", r.Pending, *timers)
	}
	after := file(t, o, "/etc/config/firewall")
	if after == before {
		t.Fatal("the change was not committed")
	}
	if err := store.New(o.Root).Recover(); err != nil {
		t.Fatal(err)
	}
	if file(t, o, "/etc/config/firewall") != after {
		t.Fatal("store.Recover undid a change waiting for confirmation")
	}
	var pe *ConfirmPendingError
	if _, err := o.PeerAdd(peerAdd("laptop")); !errors.As(err, &pe) {
		t.Fatalf("second change while pending: %v, want ConfirmPendingError", err)
	}
	rb, err := o.Rollback(Rollback{ID: "someone-else"})
	if err != nil || rb.Pending != nil {
		t.Fatalf("rollback of another id: %+v %v", rb, err)
	}
	rb, err = o.Rollback(Rollback{ID: r.Pending.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Restored) != 1 || rb.Restored[0] != "firewall" {
		t.Errorf("restored %v, want [firewall]", rb.Restored)
	}
	if got := file(t, o, "/etc/config/firewall"); got != before {
		t.Errorf("firewall after rollback differs from before:\n%s", got)
	}
	if p, _ := o.ReadPending(); p != nil {
		t.Errorf("record left after rollback: %+v", p)
	}
	if _, err := o.PeerAdd(peerAdd("laptop")); err != nil {
		t.Errorf("change after rollback: %v", err)
	}
}

// TestConfirmKeepsChange: confirm drops the record, the change stays, and
// the timer then finds nothing to do.
func TestConfirmKeepsChange(t *testing.T) {
	o, _ := confirmOps(t)
	o.PeerAdd(peerAdd("phone"))
	r, err := confirmedExpose(o, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	after := file(t, o, "/etc/config/firewall")
	if _, err := o.ConfirmChange(false); err != nil {
		t.Fatal(err)
	}
	rb, err := o.Rollback(Rollback{ID: r.Pending.ID})
	if err != nil || rb.Pending != nil {
		t.Fatalf("timer after confirm: %+v %v", rb, err)
	}
	if file(t, o, "/etc/config/firewall") != after {
		t.Error("confirmed change was rolled back")
	}
	if _, err := o.ConfirmChange(false); !errors.Is(err, ErrNothingPending) {
		t.Errorf("second confirm: %v", err)
	}
}

// TestConfirmTooLate: after the deadline confirm rolls back and says so.
func TestConfirmTooLate(t *testing.T) {
	o, _ := confirmOps(t)
	o.PeerAdd(peerAdd("phone"))
	before := file(t, o, "/etc/config/firewall")
	if _, err := confirmedExpose(o, time.Minute); err != nil {
		t.Fatal(err)
	}
	o.Deps.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, err := o.ConfirmChange(false); err == nil {
		t.Fatal("confirm after the deadline succeeded")
	}
	if file(t, o, "/etc/config/firewall") != before {
		t.Error("late confirm did not roll back")
	}
}

// TestConfirmCreatedFile: a file the change created is removed by the
// rollback; a leftover half-built record is cleaned.
func TestConfirmCreatedFile(t *testing.T) {
	o, _ := confirmOps(t)
	os.MkdirAll(o.Path("/etc/wgowrt/.pending-junk"), 0700)
	p, err := o.armPending(store.New(o.Root), []string{"dhcp"}, time.Hour, "lan-route --dhcp", false)
	if err != nil {
		t.Fatal(err)
	}
	if exists(o.Path("/etc/wgowrt/.pending-junk")) {
		t.Error("stale half-built record left")
	}
	if len(p.Files) != 1 || p.Files[0].Existed || p.Files[0].Path != "/etc/config/dhcp" {
		t.Fatalf("record %+v", p.Files)
	}
	os.WriteFile(o.Path("/etc/config/dhcp"), []byte("config dnsmasq\n"), 0644)
	rb, err := o.Rollback(Rollback{Boot: true})
	if err != nil || len(rb.Restored) != 1 {
		t.Fatalf("%+v %v", rb, err)
	}
	if exists(o.Path("/etc/config/dhcp")) {
		t.Error("file created by the change survived the rollback")
	}
}

// TestAutoConfirm: over SSH on a live router a firewall change is
// confirmed by default; with --root, or without SSH, it is not.
func TestAutoConfirm(t *testing.T) {
	o, _ := confirmOps(t)
	ssh := func(k string) string {
		if k == "SSH_CONNECTION" {
			return "192.0.2.9 50000 192.0.2.1 22"
		}
		return ""
	}
	o.Deps.Getenv = ssh
	ch := system.Change{Firewall: true}
	if w := o.confirmWindow(Confirm{Auto: true}, ch); w != 0 {
		t.Errorf("with --root: window %v, want none", w)
	}
	o.Root = ""
	if w := o.confirmWindow(Confirm{Auto: true}, ch); w != DefaultConfirmWindow {
		t.Errorf("live over SSH: window %v, want %v", w, DefaultConfirmWindow)
	}
	if w := o.confirmWindow(Confirm{}, ch); w != 0 {
		t.Errorf("opted out: window %v", w)
	}
	o.Deps.Getenv = func(string) string { return "" }
	if w := o.confirmWindow(Confirm{Auto: true}, ch); w != 0 {
		t.Errorf("console: window %v", w)
	}
}

// TestLuCIPendingRefuses: an rpcd apply with rollback pending (its
// snapshot directory) makes a commit refuse, naming LuCI.
func TestLuCIPendingRefuses(t *testing.T) {
	o, _ := confirmOps(t)
	d := o.Path(RPCDSnapshotDir)
	os.MkdirAll(d, 0700)
	os.WriteFile(filepath.Join(d, "network"), []byte("x"), 0600)
	var pe *ConfirmPendingError
	if _, err := o.PeerAdd(peerAdd("phone")); !errors.As(err, &pe) || !pe.LuCI {
		t.Fatalf("got %v, want LuCI's pending change named", err)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestKilledBeforeCommit: a record armed by a run killed before its
// commit (files unchanged) does not block the same command run again.
func TestKilledBeforeCommit(t *testing.T) {
	o, _ := confirmOps(t)
	o.PeerAdd(peerAdd("phone"))
	if _, err := o.armPending(store.New(o.Root), []string{"firewall"}, time.Hour, "expose", false); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(o.Path("/etc/wgowrt/.pending-123"), 0700)
	if _, err := confirmedExpose(o, time.Hour); err != nil {
		t.Fatalf("rerun after a kill before the commit: %v", err)
	}
	if exists(o.Path("/etc/wgowrt/.pending-123")) {
		t.Error("half-built record left")
	}
}

// TestSessionPlanRefusedWhilePending: LuCI (a session's plan, which it
// would stage and apply with its own rollback) is refused while a change
// of ours waits, so the two rollbacks never undo each other; a dry run is
// not.
func TestSessionPlanRefusedWhilePending(t *testing.T) {
	o, _ := confirmOps(t)
	o.PeerAdd(peerAdd("phone"))
	if _, err := confirmedExpose(o, time.Hour); err != nil {
		t.Fatal(err)
	}
	var pe *ConfirmPendingError
	sid := "0123456789abcdef0123456789abcdef"
	if _, err := o.PeerAdd(PeerAdd{Txn: Txn{Session: sid}, Intent: plan.PeerIntent{Name: "tablet"}}); !errors.As(err, &pe) {
		t.Errorf("session plan while pending: %v", err)
	}
	if _, err := o.PeerAdd(PeerAdd{Txn: Txn{DryRun: true}, Intent: plan.PeerIntent{Name: "tablet"}}); err != nil {
		t.Errorf("dry run while pending: %v", err)
	}
}
