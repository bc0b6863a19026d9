// Package store loads the UCI packages wgowrt plans against and writes the
// planned edits back the way uci commit does. It never loses someone
// else's staged change: pending edits in /tmp/.uci (a half-done `uci set`)
// make it refuse unless told to commit them, and what LuCI sessions have
// staged in rpcd (/var/run/rpcd/uci-<sid>) is planned around but never
// committed, and so is what rpcd answers handed a session that it has not
// staged yet (reserve.go). A write over several files is all or nothing even when the
// process is killed midway (see journal.go).
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wgowrt/wgowrt/uci"
)

// Store is a router's configuration tree, possibly under a --root prefix.
type Store struct {
	// ConfDir is /etc/config (under the root).
	ConfDir string
	// SaveDir is /tmp/.uci (under the root), where uci(1) and netifd find
	// staged changes.
	SaveDir string
	// OverrideDir is /var/run/uci (under the root), where OpenWrt 25.12+
	// looks for a config before /etc/config.
	OverrideDir string
	// SessionDir is /var/run/rpcd (under the root), whose uci-<sid>
	// directories hold what each LuCI session has staged.
	SessionDir string
	// ReserveDir is /var/run/wgowrt (under the root), whose
	// reserve-<sid> directories hold what rpcd answers handed to a LuCI
	// session that it has not staged yet (reserve.go).
	ReserveDir string

	recovered bool
}

// New returns the store of a filesystem rooted at root ("" = /).
func New(root string) *Store {
	return &Store{
		ConfDir:     filepath.Join(root, uci.DefaultConfDir),
		SaveDir:     filepath.Join(root, uci.DefaultSaveDir),
		OverrideDir: filepath.Join(root, uci.DefaultOverrideDir),
		SessionDir:  filepath.Join(root, "/var/run/rpcd"),
		ReserveDir:  filepath.Join(root, "/var/run/wgowrt"),
	}
}

func (s *Store) ctx() *uci.Context {
	return &uci.Context{ConfDir: s.ConfDir, SaveDir: s.SaveDir, OverrideDir: s.OverrideDir}
}

// SkipRecover makes Load read the files as they are: a preview must not
// undo an interrupted write (see Interrupted).
func (s *Store) SkipRecover() { s.recovered = true }

// Interrupted reports whether an interrupted write waits for Recover.
func (s *Store) Interrupted() bool {
	_, err := os.Lstat(s.journalPath())
	return err == nil
}

// Load reads package name with its staged changes applied, as netifd and
// fw4 see it, and then what LuCI sessions have staged for it (so that
// addresses, keys and subnets in their unsaved edits count as taken; see
// CheckPending). A missing file is an empty package when optional is true.
// The first Load finishes an interrupted write (Recover).
func (s *Store) Load(name string, optional bool) (*uci.Package, error) {
	if !s.recovered {
		if err := s.Recover(); err != nil {
			return nil, err
		}
	}
	p, err := s.ctx().Load(name)
	if err == nil {
		s.applySessions(p)
		s.ApplyReserved(p, "")
		return p, nil
	}
	if uci.CodeOf(err) == uci.ErrNotFound {
		if _, statErr := os.Stat(s.ctx().Path(name)); errors.Is(statErr, os.ErrNotExist) {
			if optional {
				return uci.NewPackage(name), nil
			}
			return nil, fmt.Errorf("%s does not exist; is this an OpenWrt root (see --root)?", s.ctx().Path(name))
		}
	}
	return nil, fmt.Errorf("reading %s: %v", s.ctx().Path(name), err)
}

// applySessions applies every LuCI session's staged changes of p, in
// session-directory order.
func (s *Store) applySessions(p *uci.Package) {
	ents, err := os.ReadDir(s.SessionDir)
	if err != nil {
		return
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() && sessionDir(e.Name()) {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		f := filepath.Join(s.SessionDir, d, p.Name)
		if data, err := uci.ReadLocked(f); err == nil {
			p.ApplyDeltaFile(data, f)
		}
	}
}

// sessionDir says whether name is rpcd's staging directory of a session
// (uci-<32 hex digits>).
func sessionDir(name string) bool {
	sid, ok := strings.CutPrefix(name, "uci-")
	if !ok || len(sid) != 32 {
		return false
	}
	for _, c := range sid {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// fromSession says whether a staged change was read from a LuCI session
// (or from a reservation for one, see Reserve).
func fromSession(d uci.Delta) bool {
	if fromReservation(d) {
		return true
	}
	dir := filepath.Dir(d.File)
	return d.File != "" && sessionDir(filepath.Base(dir)) && filepath.Base(filepath.Dir(dir)) == "rpcd"
}

// Pending returns the names of the packages among pkgs that have staged,
// uncommitted changes in /tmp/.uci (those of LuCI sessions are Staged).
func Pending(pkgs ...*uci.Package) []string {
	var out []string
	for _, p := range pkgs {
		ch := p.Changes()
		for _, d := range ch[:len(ch)-len(p.Unsaved())] { // the staged ones
			if !fromSession(d) {
				out = append(out, p.Name)
				break
			}
		}
	}
	return out
}

// Staged returns the names of the packages among pkgs that LuCI sessions
// have unsaved changes to.
func Staged(pkgs ...*uci.Package) []string {
	var out []string
	for _, p := range pkgs {
		for _, d := range p.Changes() {
			if fromSession(d) {
				out = append(out, p.Name)
				break
			}
		}
	}
	return out
}

// StagedNote is the warning for a plan made around LuCI sessions' unsaved
// changes ("" when there are none).
func StagedNote(pkgs []*uci.Package) string {
	st := Staged(pkgs...)
	if len(st) == 0 {
		return ""
	}
	return fmt.Sprintf("a LuCI session has unsaved changes to %s: they were taken into account (their addresses, keys and subnets count as used) but not committed; they stay pending in LuCI", strings.Join(st, ", "))
}

// PendingError is returned when staged changes would be mixed with ours.
type PendingError struct{ Packages []string }

func (e *PendingError) Error() string {
	return fmt.Sprintf("uncommitted changes are pending for %s (staged in /tmp/.uci, e.g. by 'uci set' without commit; see 'uci changes'): commit or revert them first, or pass --commit-pending to commit them together with this change",
		strings.Join(e.Packages, ", "))
}

// StagedConflictError is returned when a change edits sections that a
// LuCI session has unsaved changes to: committing ours would make theirs
// apply onto something they were not made for.
type StagedConflictError struct{ Sections []string }

func (e *StagedConflictError) Error() string {
	return fmt.Sprintf("a LuCI session has unsaved changes to %s, which this change edits too: apply or revert them in LuCI first (or wait until that session expires)",
		strings.Join(e.Sections, ", "))
}

// Write commits the edits recorded in each package. Without commitPending
// it refuses (before writing anything) when any of them has staged changes
// in /tmp/.uci; with it, those are committed as well, exactly as `uci
// commit` would. What LuCI sessions staged is never committed (see
// CheckPending). Packages without edits are not touched.
//
// The write is journaled (journal.go): an error before the journal exists
// changes nothing; once it exists, a kill or an error is finished by the
// next Recover, so the plan lands whole or not at all, and SIGINT, SIGHUP
// and SIGTERM wait until it has landed.
func (s *Store) Write(pkgs []*uci.Package, commitPending bool) error {
	var h sigHold
	defer h.stop()
	done, err := s.write(pkgs, commitPending, &h)
	if err != nil {
		return err
	}
	return done()
}

// WriteHeld is Write that keeps the write undoable until done is called:
// the files are in place, but the journal and the backups stay, so if the
// process dies before done (say, before a new peer's private key was
// shown or saved) the next run rolls the write back, as if the command
// had never run, and running it again does it whole. Call done once the
// command's results are delivered; it makes the write final. A concurrent
// Recover waits for done.
func (s *Store) WriteHeld(pkgs []*uci.Package, commitPending bool) (done func() error, err error) {
	var h sigHold
	defer h.stop()
	return s.write(pkgs, commitPending, &h)
}

// write does WriteHeld, holding signals with h from the moment the files
// are locked.
func (s *Store) write(pkgs []*uci.Package, commitPending bool, h *sigHold) (done func() error, err error) {
	if err := CheckPending(pkgs, commitPending); err != nil {
		return nil, err
	}
	ed := edited(pkgs)
	if len(ed) == 0 {
		return func() error { return nil }, nil
	}
	if err := s.Recover(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.ConfDir, 0755); err != nil {
		return nil, fmt.Errorf("writing %s: %v", s.ConfDir, err)
	}
	fws, err := s.prepare(ed, commitPending)
	if err != nil {
		return nil, fmt.Errorf("%v; nothing was changed", err)
	}
	releaseAll := func() {
		for _, fw := range fws {
			release(fw)
		}
	}
	h.start()
	jf, err := s.writeJournal(fws)
	if err != nil {
		discard(fws)
		return nil, fmt.Errorf("writing %s: %v; nothing was changed", s.journalPath(), err)
	}
	if err := s.finish(fws, jf); err != nil {
		jf.Close()
		releaseAll()
		return nil, err
	}
	final := false
	return func() error {
		if final {
			return nil
		}
		final = true
		defer releaseAll()
		defer jf.Close()
		return s.closeJournal(fws, true)
	}, nil
}

// failAfterCommit lets tests fail a multi-file write after a package.
var failAfterCommit func(pkg string) error

// CheckPending returns a PendingError when a package with edits also has
// staged changes in /tmp/.uci and commitPending is false, and a
// StagedConflictError when our edits touch a section a LuCI session has
// unsaved changes to (whatever commitPending says: another session's
// changes are never ours to commit).
func CheckPending(pkgs []*uci.Package, commitPending bool) error {
	ed := edited(pkgs)
	if c := stagedConflicts(ed); len(c) > 0 {
		return &StagedConflictError{Sections: c}
	}
	if pend := Pending(ed...); len(pend) > 0 && !commitPending {
		return &PendingError{Packages: pend}
	}
	return nil
}

// stagedConflicts lists the sections (package.section) both edited by us
// and staged in a LuCI session.
func stagedConflicts(pkgs []*uci.Package) []string {
	var out []string
	for _, p := range pkgs {
		staged := map[string]bool{}
		for _, d := range p.Changes() {
			if fromSession(d) {
				staged[d.Section] = true
				if d.Cmd == uci.CmdRename {
					staged[d.Value] = true
				}
			}
		}
		seen := map[string]bool{}
		for _, d := range p.Unsaved() {
			if staged[d.Section] && !seen[d.Section] {
				seen[d.Section] = true
				out = append(out, p.Name+"."+d.Section)
			}
		}
	}
	return out
}

func edited(pkgs []*uci.Package) []*uci.Package {
	var out []*uci.Package
	for _, p := range pkgs {
		if len(p.Unsaved()) > 0 {
			out = append(out, p)
		}
	}
	return out
}
