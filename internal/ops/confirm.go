package ops

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/ubus"
	"github.com/wgowrt/wgowrt/uci"
)

// pendingUnchanged says whether every file of p still has its old
// content (a commit that failed before changing anything).
func (o *Ops) pendingUnchanged(p *Pending) bool {
	for _, f := range p.Files {
		data, err := os.ReadFile(o.Path(f.Path))
		if err != nil && f.Existed || err == nil && hashHex(data) != f.Old {
			return false
		}
	}
	return true
}

// DefaultConfirmWindow is the time to confirm a change made over SSH that
// touches routing or the firewall (Confirm.Auto): long enough to open a
// second SSH session, short enough to wait out when locked out.
const DefaultConfirmWindow = 90 * time.Second

// Confirm says whether a change is applied on approval: committed and
// applied, then rolled back by itself unless `wgowrt confirm` comes within
// the window.
type Confirm struct {
	// Window > 0 asks for it with that window.
	Window time.Duration
	// Auto asks for it (DefaultConfirmWindow) when the command runs over
	// SSH ($SSH_CONNECTION) on a live router and the change touches
	// routing or the firewall (what can cut the session's path).
	Auto bool
	// Command describes the change for `status` ("expose --port 22").
	Command string
	// Join adds the commit to the change that waits for confirmation
	// with this ID (joinPending), whatever the commit touches: `topology
	// apply --confirm` runs several use cases, and one rollback restores
	// what the first found.
	Join string
}

// ConfirmPendingError refuses a change while another one waits for
// confirmation: only one may be pending, so that a rollback restores
// exactly what its change replaced.
type ConfirmPendingError struct {
	Pending *Pending
	// LuCI is set when the pending change is LuCI's (rpcd's
	// apply-with-rollback) rather than wgowrt's.
	LuCI bool
}

func (e *ConfirmPendingError) Error() string {
	if e.LuCI {
		return "LuCI has applied a change that waits for confirmation (rpcd apply with rollback): confirm or let it roll back in LuCI first, then run this again"
	}
	return fmt.Sprintf("a change (%s) is waiting for confirmation until %s: run 'wgowrt confirm' or 'wgowrt rollback' first, then run this again",
		e.Pending.Command, e.Pending.Deadline.Local().Format("15:04:05"))
}

// confirmWindow decides whether a commit is confirmed, and for how long.
func (o *Ops) confirmWindow(c Confirm, ch system.Change) time.Duration {
	if c.Window > 0 {
		return c.Window
	}
	if !c.Auto || o.Root != "" || o.Deps.Getenv("SSH_CONNECTION") == "" {
		return 0
	}
	if ch.Interface || ch.Routes || ch.Firewall {
		return DefaultConfirmWindow
	}
	return 0
}

// checkNoPending refuses a commit while a change, ours or LuCI's, waits
// for confirmation. An expired one of ours (its timer killed) is rolled
// back here first; a record whose files still hold their old content
// (the run that armed it was killed before committing) is dropped.
func (o *Ops) checkNoPending(join string) error {
	cleanPendingTemps(filepath.Dir(o.pendingDir()))
	p, err := o.ReadPending()
	if err != nil {
		return err
	}
	if p != nil && o.pendingUnchanged(p) {
		// Armed by a run killed before its commit: nothing to undo.
		if err := o.dropPending(); err != nil {
			return err
		}
		p = nil
	}
	if p != nil && p.Remaining(o.Deps.Now()) == 0 {
		if _, err := o.rollbackLocked(p, false); err != nil {
			return err
		}
		p = nil
	}
	if join != "" {
		if p == nil || p.ID != join {
			return errJoinGone(join)
		}
		return nil
	}
	if p != nil {
		return &ConfirmPendingError{Pending: p}
	}
	if o.luciPending() {
		return &ConfirmPendingError{LuCI: true}
	}
	return nil
}

// RPCDSnapshotDir is where rpcd keeps the files an apply with rollback
// replaced (reference §4.5). Seen on the real rpcd: it exists from `uci
// apply {rollback:true}` until the confirm or the rollback, and is removed
// by both.
const RPCDSnapshotDir = "/var/run/rpcd/snapshot-files"

// luciPending says whether rpcd (LuCI's Save & Apply) has an apply with
// rollback pending.
func (o *Ops) luciPending() bool {
	ents, err := os.ReadDir(o.Path(RPCDSnapshotDir))
	return err == nil && len(ents) > 0
}

// armConfirm keeps the old files and starts the timer that rolls them
// back; the commit follows. A failure here changes nothing.
func (o *Ops) armConfirm(s *store.Store, pkgs []*uci.Package, window time.Duration, command string, commitPending bool) (*Pending, error) {
	var names []string
	for _, p := range pkgs {
		if len(p.Unsaved()) > 0 {
			names = append(names, p.Name)
		}
	}
	p, err := o.armPending(s, names, window, command, commitPending)
	if err != nil {
		return nil, err
	}
	if err := o.Deps.StartTimer(o.Root, p); err != nil {
		o.dropPending()
		return nil, fmt.Errorf("cannot start the rollback timer (%v); nothing was changed (run without --confirm to commit unguarded)", err)
	}
	return p, nil
}

// StartTimer is the default Deps.StartTimer: a detached `wgowrt rollback
// --at T --id ID` in its own session (setsid), so that it outlives the
// SSH session that made the change — which is the point when that
// session's path is cut. A reboot kills it; the boot script then rolls
// back instead.
func StartTimer(root string, p *Pending) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var args []string
	if root != "" {
		args = append(args, "--root", root)
	}
	args = append(args, "rollback", "--at", strconv.FormatInt(p.Deadline.Unix(), 10), "--id", p.ID)
	cmd := exec.Command(exe, args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// ConfirmResult is what `wgowrt confirm` settled.
type ConfirmResult struct {
	Pending *Pending
}

// ErrNothingPending is returned by Confirm when no change waits.
var ErrNothingPending = errors.New("no change is waiting for confirmation")

// ConfirmChange keeps the pending change: the rollback is dropped. After
// the deadline it is too late: the change is rolled back here (if the
// timer has not yet) and an error says so. sameSession allows confirming
// from the SSH session that made the change, which proves less (a new
// login may still be cut).
func (o *Ops) ConfirmChange(sameSession bool) (*ConfirmResult, error) {
	unlock, err := o.lock(true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := o.ReadPending()
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ErrNothingPending
	}
	if p.Remaining(o.Deps.Now()) == 0 {
		if _, err := o.rollbackLocked(p, false); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("too late: the change (%s) was due for confirmation at %s and has been rolled back", p.Command, p.Deadline.Local().Format("15:04:05"))
	}
	if cur := o.Deps.Getenv("SSH_CONNECTION"); !sameSession && cur != "" && cur == p.By {
		return nil, fmt.Errorf("confirm from a new SSH login: this session was open before the change, so it does not prove that new connections still get through (or pass --same-session)")
	}
	if err := o.dropPending(); err != nil {
		return nil, err
	}
	return &ConfirmResult{Pending: p}, nil
}

// Rollback is `wgowrt rollback`: now, at a time (the timer), or at boot.
type Rollback struct {
	// At is when to roll back (the timer sleeps until then); zero is now.
	At time.Time
	// ID rolls back only that change (the timer's own); "" any.
	ID string
	// Boot restores the files only: the network is not up yet and will
	// read them when it starts.
	Boot bool
}

// RollbackResult says what a rollback did; Pending is nil when there was
// nothing to roll back (confirmed meanwhile, or never).
type RollbackResult struct {
	Pending *Pending
	// Restored are the packages put back; ChangedSince those someone
	// else changed after the change (their edits are undone too).
	Restored, ChangedSince []string
	Applied                []string
}

// Rollback undoes the pending change: the files it wrote get their old
// content back and the running system reloads them.
func (o *Ops) Rollback(req Rollback) (*RollbackResult, error) {
	if d := req.At.Sub(o.Deps.Now()); !req.At.IsZero() && d > 0 {
		time.Sleep(d)
	}
	_, unlock, err := o.begin(true, false)
	// The timer must not give up because a long command holds the lock.
	for tries := 0; err != nil && !req.At.IsZero() && tries < 20; tries++ {
		var le *LockError
		if !errors.As(err, &le) {
			break
		}
		_, unlock, err = o.begin(true, false)
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := o.ReadPending()
	if err != nil || p == nil || req.ID != "" && p.ID != req.ID {
		return &RollbackResult{}, err
	}
	return o.rollbackLocked(p, req.Boot)
}

// rollbackLocked restores p's files, drops the record and (unless boot)
// reloads; the caller holds the lock.
func (o *Ops) rollbackLocked(p *Pending, boot bool) (*RollbackResult, error) {
	res := &RollbackResult{Pending: p}
	var err error
	res.Restored, res.ChangedSince, err = o.restorePending(p)
	if err != nil {
		return res, err
	}
	if err := o.dropPending(); err != nil {
		return res, err
	}
	if boot {
		return res, nil
	}
	res.Applied, err = o.reloadRestored(res.Restored)
	return res, err
}

// reloadRestored makes the running system follow restored packages:
// netifd reloads the network (and the WireGuard devices get their peers
// back, which a reload alone does not do up to 24.10), procd's triggers
// reload the others (firewall, dhcp).
func (o *Ops) reloadRestored(pkgs []string) ([]string, error) {
	ls := o.live()
	if ls == nil {
		return nil, nil
	}
	var notes []string
	for _, pkg := range pkgs {
		switch pkg {
		case wg.PkgNetwork:
			n, err := o.reloadNetwork()
			notes = append(notes, n...)
			if err != nil {
				return notes, err
			}
		case wg.PkgWgowrt:
		default:
			if err := ubus.ConfigChanged(ls.Ubus, pkg); err != nil {
				return notes, fmt.Errorf("restored, but reloading %s failed: %v", pkg, err)
			}
			notes = append(notes, pkg+" reloaded")
		}
	}
	return notes, nil
}

func (o *Ops) reloadNetwork() ([]string, error) {
	notes, err := o.apply(system.Change{Interface: true})
	if err != nil {
		return notes, err
	}
	n, err := store.New(o.Root).Load(wg.PkgNetwork, false)
	if err != nil {
		return notes, nil
	}
	for _, s := range n.SectionsOfType("interface") {
		if v, _ := s.Get("proto"); v != "wireguard" {
			continue
		}
		more, err := o.apply(system.Change{Iface: s.Name, Peers: true, Network: n})
		notes = append(notes, more...)
		if err != nil {
			notes = append(notes, fmt.Sprintf("peers of %s: %v", s.Name, err))
		}
	}
	return notes, nil
}

func (o *Ops) adminAddr() string { return o.Deps.Getenv("SSH_CONNECTION") }

// PendingSummary is one line about p for people.
func PendingSummary(p *Pending, now time.Time) string {
	var files []string
	for _, f := range p.Files {
		files = append(files, filepath.Base(f.Path))
	}
	left := p.Remaining(now).Round(time.Second)
	return fmt.Sprintf("%s (wrote %s) rolls back at %s (in %s) unless confirmed", p.Command, strings.Join(files, ", "),
		p.Deadline.Local().Format("15:04:05"), left)
}
