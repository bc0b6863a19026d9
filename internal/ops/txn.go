package ops

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
)

type netipPrefix = netip.Prefix

// Txn says how a configuration-changing use case runs.
type Txn struct {
	// DryRun plans and previews: nothing is written or applied.
	DryRun bool
	// CommitPending commits other staged (/tmp/.uci) changes of the same
	// configs together with the plan, as `uci commit` would; without it
	// they make the use case refuse.
	CommitPending bool
	// Session plans against the configuration as rpcd shows it to this
	// session (LuCI's staged edits included). It implies DryRun: LuCI
	// stages the answer's edits and commits them with its own rollback.
	Session string
	// Confirm asks for a confirmed apply (confirm.go).
	Confirm Confirm
}

func (t Txn) preview() bool { return t.DryRun || t.Session != "" }

// Outcome is what every configuration-changing use case returns.
type Outcome struct {
	// Before is the configuration the plan was made from.
	Before plan.State
	// Plan is the plan (nil when the use case failed before planning, or
	// refused pending changes).
	Plan *plan.Result
	// Warnings come from looking at the running system (the plan's own
	// are in Plan.Warnings).
	Warnings []string
	// Preview is set when nothing was to be written (Txn.DryRun, a session).
	Preview bool
	// Changed says the plan has edits (Plan.Changed() no longer does once
	// they are committed).
	Changed bool
	// Wrote says the plan was committed.
	Wrote bool
	// Applied are notes from making the running system follow.
	Applied []string
	// Pending is set when the change waits for `wgowrt confirm` and
	// rolls back by itself at Pending.Deadline otherwise.
	Pending *Pending
	// Changes are the plan's edits as `uci changes` prints them (secrets
	// hidden), kept for the front-ends: committing forgets them.
	Changes []string
	// Files sums the edits up per configuration file (see FileChanges).
	Files map[string]*FileChanges
}

// planFunc makes a plan from the loaded state and names the interface it
// acts on (for applying).
type planFunc func(st plan.State) (r *plan.Result, iface string, err error)

// steps are what a use case adds to the transaction.
type steps struct {
	// plan makes the plan from the loaded state.
	plan planFunc
	// check runs after the plan, under the lock, ahead of the commit: a
	// use case refuses there what it could not deliver afterwards.
	check func(*plan.Result) error
	// deliver runs once the plan is committed, before the commit is
	// final and before the running system follows. A process killed
	// before it returned leaves a write the next run rolls back (see
	// store.WriteHeld), so a kill never leaves a new peer committed with
	// its private key undelivered. An error it returns (the front-end
	// could not print) is reported; the commit stands.
	deliver func() error
}

// transact is the transaction every writing use case runs: lock, recover
// an interrupted write, load, plan, then preview, or check pending
// changes, commit and apply (see steps for what check adds). The Outcome
// is never nil: with an error it holds what was done (e.g. committed,
// but not applied).
func (o *Ops) transact(t Txn, pf planFunc, check func(*plan.Result) error) (*Outcome, error) {
	return o.run(t, steps{plan: pf, check: check})
}

// run is transact with all its steps.
func (o *Ops) run(t Txn, sp steps) (*Outcome, error) {
	out := &Outcome{Preview: t.preview()}
	s, unlock, err := o.begin(!t.preview(), t.DryRun)
	if err != nil {
		return out, err
	}
	defer unlock()
	st, s, err := o.load(s, t.Session)
	if err != nil {
		return out, err
	}
	// Only plans need the live facts (an ubus call): reads do not pay.
	st.Live = o.liveFacts()
	out.Before = st
	r, iface, err := sp.plan(st)
	if err != nil {
		return out, err
	}
	if n := store.StagedNote(r.Packages()); n != "" && t.Session == "" {
		out.Warnings = append(out.Warnings, n)
	}
	out.Changed = r.Changed()
	out.Changes, out.Files = summarize(out.Before, r)
	if out.Preview {
		out.Plan = r
		if t.Session != "" && r.Changed() {
			// LuCI would stage this and apply it over a change that
			// waits for confirmation.
			if p, _ := o.ReadPending(); p != nil {
				return out, &ConfirmPendingError{Pending: p}
			}
			if err := o.reserve(s, t.Session, r); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	if err := store.CheckPending(r.Packages(), t.CommitPending); err != nil {
		return out, err
	}
	if err := o.checkNoPending(t.Confirm.Join); err != nil && r.Changed() {
		return out, err
	}
	out.Plan = r
	if !r.Changed() {
		return out, nil
	}
	if sp.check != nil {
		if err := sp.check(r); err != nil {
			return out, err
		}
	}
	return out, o.commit(s, t, sp, r, iface, out)
}

// commit writes the plan, delivers, makes the write final and applies.
func (o *Ops) commit(s *store.Store, t Txn, sp steps, r *plan.Result, iface string, out *Outcome) error {
	ch := describe(r, iface)
	var err error
	if t.Confirm.Join != "" {
		if out.Pending, err = o.joinPending(s, r.Packages(), t.Confirm.Join, t.CommitPending); err != nil {
			return err
		}
	} else if w := o.confirmWindow(t.Confirm, ch); w > 0 {
		if out.Pending, err = o.armConfirm(s, r.Packages(), w, t.Confirm.Command, t.CommitPending); err != nil {
			return err
		}
	}
	done, err := s.WriteHeld(r.Packages(), t.CommitPending)
	if err != nil {
		if out.Pending != nil && o.pendingUnchanged(out.Pending) {
			o.dropPending()
			out.Pending = nil
		}
		return err
	}
	out.Wrote = true
	var derr error
	if sp.deliver != nil {
		derr = sp.deliver()
	}
	if err := done(); err != nil {
		return err
	}
	if out.Pending != nil {
		o.notePendingWritten(out.Pending)
	}
	out.Applied, err = o.apply(ch)
	if derr != nil {
		return derr
	}
	return err
}

// begin takes the lock (creating it when the use case writes) and
// finishes or undoes a write an earlier run was killed in; it returns the store to go on with and the function that
// releases the lock.
func (o *Ops) begin(writes, dryRun bool) (*store.Store, func(), error) {
	unlock, err := o.lock(writes)
	if err != nil {
		return nil, nil, err
	}
	s := store.New(o.Root)
	if dryRun {
		// A preview writes nothing, not even the undoing of an earlier
		// command's interrupted write; it cannot plan on a half-written
		// configuration either.
		s.SkipRecover()
		if s.Interrupted() {
			unlock()
			return nil, nil, ErrInterrupted
		}
		return s, unlock, nil
	}
	if err := s.Recover(); err != nil {
		unlock()
		return nil, nil, err
	}
	return s, unlock, nil
}

// ErrInterrupted is a preview's answer while an earlier write waits to be
// undone.
var ErrInterrupted = errors.New("an earlier wgowrt change was interrupted and is waiting to be undone (/etc/config/.wgowrt-journal): run 'wgowrt status' (or any command without --dry-run) to undo it, then preview again")

// read runs a read-only use case under the lock, on a consistent
// configuration.
func (o *Ops) read(session string) (plan.State, func(), error) {
	s, unlock, err := o.begin(false, false)
	if err != nil {
		return plan.State{}, nil, err
	}
	st, _, err := o.load(s, session)
	if err != nil {
		unlock()
		return st, nil, err
	}
	return st, unlock, nil
}

// describe says what a plan touches, for the applier: edits to iface's
// peer sections alone can go to the running device; anything else in
// network (the interface, routes, rules, other interfaces) needs netifd.
// Sections are told apart by type, which each change records, so removed
// sections are classified too.
func describe(r *plan.Result, iface string) system.Change {
	ch := system.Change{Iface: iface, Network: r.State.Network, Firewall: len(r.State.Firewall.Unsaved()) > 0}
	peerType := wg.PeerType(iface)
	for _, d := range r.State.Network.Unsaved() {
		if d.SectionType != peerType {
			ch.Interface = true
			ch.Addresses = ch.Addresses || d.Section == iface && d.Option == "addresses"
			continue
		}
		ch.Peers = true
		if d.Option == "route_allowed_ips" || d.Option == "allowed_ips" && routed(r, d.Section) {
			ch.Routes = true
		}
	}
	if r.State.Network.Section(iface) == nil {
		// Removed: netifd's reload tears the interface and its link down.
		ch.Peers, ch.Routes = false, false
	}
	return ch
}

func routed(r *plan.Result, sec string) bool {
	s := r.State.Network.Section(sec)
	if s == nil {
		return false
	}
	v, _ := s.Get("route_allowed_ips")
	return v == "1"
}

// apply makes a live router follow; with a root prefix there is nothing
// to do.
func (o *Ops) apply(ch system.Change) ([]string, error) {
	ls := o.live()
	if ls == nil {
		return nil, nil
	}
	a := &system.Applier{Ubus: ls.Ubus, Release: ls.Release, Resolve: ls.Resolve, Settle: 15 * time.Second, Sleep: time.Sleep}
	if ch.Peers {
		dev, err := ls.Dev()
		if err != nil {
			return nil, fmt.Errorf("configuration written, but the WireGuard device cannot be reached (%v); run 'ifup %s' to apply it", err, ch.Iface)
		}
		defer dev.Close()
		a.Dev = dev
	}
	notes, err := a.Apply(ch)
	if err != nil {
		return notes, fmt.Errorf("configuration written, but applying it failed: %v", err)
	}
	return notes, nil
}
