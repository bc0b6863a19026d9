package topology

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/cli"
	"github.com/wgowrt/wgowrt/internal/ops"
)

// confirmed applies node with a 60 s window and a counted fake timer.
func confirmed(t *testing.T, o *ops.Ops, top *Topology, node string, timers *int) (*Report, error) {
	t.Helper()
	o.Deps.StartTimer = func(string, *ops.Pending) error { *timers++; return nil }
	return ApplyWith(o, top, node, ApplyOptions{Confirm: ops.Confirm{Window: time.Minute, Command: "topology apply star.json --node " + node}})
}

// TestConfirmedApplyRollsBackWhole: with --confirm every step of an apply
// joins one change waiting for confirmation (one record, one timer), and
// its rollback puts every file back as it was before the first step —
// not only what the last step wrote. Confirmed, the apply stays and a
// second confirmed apply changes nothing and arms nothing.
func TestConfirmedApplyRollsBackWhole(t *testing.T) {
	top, routers := fleet(t)
	o := routers["branch1"]
	conf := filepath.Join(o.Root, "etc/config")
	before := snapshot(t, conf)
	timers := 0
	rep, err := confirmed(t, o, top, "branch1", &timers)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, s := range rep.Steps {
		if len(s.Changes) > 0 {
			changed++
		}
	}
	if changed < 2 || rep.Pending == nil || timers != 1 {
		t.Fatalf("changed steps %d (want 2 or more), pending %v, timers %d", changed, rep.Pending, timers)
	}
	p, err := o.ReadPending()
	if err != nil || p == nil || p.ID != rep.Pending.ID {
		t.Fatalf("record %+v, %v; the report's %s", p, err, rep.Pending.ID)
	}
	applied := snapshot(t, conf)
	held := map[string]bool{}
	for _, f := range p.Files {
		held["/"+filepath.Base(f.Path)] = true
	}
	for f := range applied {
		if applied[f] != before[f] && !held[f] {
			t.Errorf("%s changed but the record does not hold it (%v)", f, held)
		}
	}
	if _, err := o.Rollback(ops.Rollback{}); err != nil {
		t.Fatal(err)
	}
	if !equalMaps(before, snapshot(t, conf)) {
		t.Error("the rollback did not restore every file to what it was before the apply")
	}

	rep, err = confirmed(t, o, top, "branch1", &timers)
	if err != nil || rep.Pending == nil {
		t.Fatalf("second apply: %v, pending %v", err, rep.Pending)
	}
	if _, err := o.ConfirmChange(true); err != nil {
		t.Fatal(err)
	}
	if !equalMaps(applied, snapshot(t, conf)) {
		t.Error("the confirmed apply differs from the first one")
	}
	rep, err = confirmed(t, o, top, "branch1", &timers)
	if err != nil || rep.Changed || rep.Pending != nil || timers != 2 {
		t.Errorf("apply again: %v, changed %v, pending %v, timers %d (want 2)", err, rep.Changed, rep.Pending, timers)
	}
}

// TestConfirmedApplyWaitsForAnother: while another change waits for
// confirmation, a confirmed apply refuses at its first change and writes
// nothing; a step that was to join a change no longer waiting (confirmed
// or rolled back meanwhile) refuses too, and writes nothing.
func TestConfirmedApplyWaitsForAnother(t *testing.T) {
	top, routers := fleet(t)
	o := routers["branch2"]
	conf := filepath.Join(o.Root, "etc/config")
	timers := 0
	saved := ops.Default.StartTimer
	ops.Default.StartTimer = func(string, *ops.Pending) error { timers++; return nil }
	defer func() { ops.Default.StartTimer = saved }()
	var out, errb bytes.Buffer
	if code := cli.Main([]string{"wgowrt", "--root", o.Root, "server", "init", "--iface", "wg9", "--port", "51999", "--confirm=60"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("server init --confirm: exit %d: %s", code, errb.String())
	}
	held := snapshot(t, conf)
	_, err := confirmed(t, o, top, "branch2", &timers)
	if err == nil || !strings.Contains(err.Error(), "a change (server init") {
		t.Errorf("apply over a pending change: %v", err)
	}
	if !equalMaps(held, snapshot(t, conf)) {
		t.Error("apply over a pending change wrote files")
	}
	if _, err := o.ConfirmChange(true); err != nil {
		t.Fatal(err)
	}
	reqs, _, err := top.requests(o, "branch2", false)
	if err != nil {
		t.Fatal(err)
	}
	held = snapshot(t, conf)
	_, err = reqs[0].run(o, ops.Txn{Confirm: ops.Confirm{Join: "0123abcd"}})
	if err == nil || !strings.Contains(err.Error(), "0123abcd no longer waits for confirmation") {
		t.Errorf("joining a change that is gone: %v", err)
	}
	if !equalMaps(held, snapshot(t, conf)) {
		t.Error("a step joining a change that is gone wrote files")
	}
}

// TestConfirmedApplyResumes: a confirmed apply killed after its first step
// (the change armed, the rest not run) is finished by the same command: it
// joins the change left waiting instead of refusing it, and one rollback
// still puts back what the router had before the first run.
func TestConfirmedApplyResumes(t *testing.T) {
	top, routers := fleet(t)
	o := routers["branch1"]
	conf := filepath.Join(o.Root, "etc/config")
	before := snapshot(t, conf)
	timers := 0
	o.Deps.StartTimer = func(string, *ops.Pending) error { timers++; return nil }
	reqs, _, err := top.requests(o, "branch1", false)
	if err != nil {
		t.Fatal(err)
	}
	first, err := reqs[0].run(o, ops.Txn{Confirm: ops.Confirm{Window: time.Minute, Command: "topology apply star.json --node branch1"}})
	if err != nil || first.Pending == nil {
		t.Fatalf("the first step alone: %v, pending %v", err, first.Pending)
	}
	rep, err := confirmed(t, o, top, "branch1", &timers)
	if err != nil {
		t.Fatalf("the same command again: %v", err)
	}
	if rep.Pending == nil || rep.Pending.ID != first.Pending.ID || timers != 1 {
		t.Fatalf("pending %v (want %s), timers %d (want 1)", rep.Pending, first.Pending.ID, timers)
	}
	if _, err := o.Rollback(ops.Rollback{}); err != nil {
		t.Fatal(err)
	}
	if !equalMaps(before, snapshot(t, conf)) {
		t.Error("the rollback did not restore what the router had before the first run")
	}
	// another command's pending change is not joined
	if _, err := reqs[0].run(o, ops.Txn{Confirm: ops.Confirm{Window: time.Minute, Command: "server init"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := confirmed(t, o, top, "branch1", &timers); err == nil || !strings.Contains(err.Error(), "a change (server init)") {
		t.Errorf("apply over another command's pending change: %v", err)
	}
}
